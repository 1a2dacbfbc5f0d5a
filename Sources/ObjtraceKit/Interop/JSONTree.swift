import Foundation

/// A pretty-printed JSON document to write, strings escaped by `JSONLine.quote` (the one writer's rules), object
/// keys in the order given (VICS readers are written by people who expect `@odata.context` first and `MediaID`
/// at the top of each record).
indirect enum InteropJSONNode {
    case string(String)
    case int(Int)
    case array([InteropJSONNode])
    case object([(String, InteropJSONNode)])

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
