import Foundation

/// One JSON object written with its keys in the order given (the documented field order of the CLI's
/// JSON lines), without going through a dictionary.
public struct JSONLine: Sendable, CustomStringConvertible {
    private var parts: [String] = []

    /// An empty object.
    public init() {}

    /// Adds a string field.
    public mutating func add(_ key: String, _ value: String) { parts.append("\(Self.quote(key)):\(Self.quote(value))") }
    /// Adds an integer field.
    public mutating func add(_ key: String, _ value: Int) { parts.append("\(Self.quote(key)):\(value)") }
    /// Adds a number field.
    public mutating func add(_ key: String, _ value: Double) {
        parts.append("\(Self.quote(key)):\(value.isFinite ? String(value) : "null")")
    }
    /// Adds a boolean field.
    public mutating func add(_ key: String, _ value: Bool) { parts.append("\(Self.quote(key)):\(value)") }
    /// Adds an array of strings.
    public mutating func add(_ key: String, _ values: [String]) {
        parts.append("\(Self.quote(key)):[\(values.map(Self.quote).joined(separator: ","))]")
    }
    /// Adds an array of nested objects.
    public mutating func add(_ key: String, _ values: [JSONLine]) {
        parts.append("\(Self.quote(key)):[\(values.map(\.description).joined(separator: ","))]")
    }
    /// Adds a nested object.
    public mutating func add(_ key: String, _ value: JSONLine) { parts.append("\(Self.quote(key)):\(value)") }
    /// Adds `null`.
    public mutating func addNull(_ key: String) { parts.append("\(Self.quote(key)):null") }

    /// The compact JSON text.
    public var description: String { "{" + parts.joined(separator: ",") + "}" }

    /// A JSON string literal (RFC 8259 escaping; non-ASCII kept as UTF-8).
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
