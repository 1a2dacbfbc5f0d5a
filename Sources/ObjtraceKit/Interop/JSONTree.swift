import Foundation

/// A parsed JSON value that keeps the JSON types apart (a boolean never reads as a number), so the VICS
/// reader can say precisely which value has the wrong type.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        // Bool first: JSONDecoder refuses to read `true` as a number and `1` as a Bool, so the order of the
        // attempts cannot confuse the two.
        if let b = try? container.decode(Bool.self) { self = .bool(b); return }
        if let i = try? container.decode(Int64.self) { self = .int(i); return }
        if let d = try? container.decode(Double.self) { self = .double(d); return }
        if let s = try? container.decode(String.self) { self = .string(s); return }
        if let a = try? container.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try container.decode([String: JSONValue].self))
    }

    /// Parses UTF-8 JSON text; an error names what the parser saw and where.
    static func parse(_ bytes: [UInt8]) throws(InteropError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch let DecodingError.dataCorrupted(context) {
            let detail = (context.underlyingError.map { String(describing: $0) } ?? context.debugDescription)
            throw InteropError(path: "$", "not valid JSON (\(detail))")
        } catch {
            throw InteropError(path: "$", "not valid JSON (\(error))")
        }
    }

    /// The JSON type's name for error messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A JSON value to write, with object keys in the order given (VICS readers are written by people who
/// expect `@odata.context` first and `MediaID` at the top of each record).
indirect enum JSONNode {
    case string(String)
    case int(Int)
    case array([JSONNode])
    case object([(String, JSONNode)])

    /// Pretty-printed text, two spaces per level, LF line ends.
    func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch self {
        case .string(let s): return JSONLine.quote(s)
        case .int(let i): return String(i)
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n" + close + "]"
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            return "{\n" + fields.map { pad + JSONLine.quote($0.0) + ": " + $0.1.rendered(indent: indent + 1) }
                .joined(separator: ",\n") + "\n" + close + "}"
        }
    }
}
