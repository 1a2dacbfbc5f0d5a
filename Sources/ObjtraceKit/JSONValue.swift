// The one JSON reader: `tip import` lines and VICS files are read by this parser (JSON is written by `JSONLine`).
// Standard library only, so the libFuzzer target (Tests/Fuzz/importline_fuzz.swift) compiles it with the
// import-line parser alone.
//
// A hand parser rather than JSONDecoder: it refuses duplicate keys by name (the standard's "SHOULD be unique"
// read strictly: which of two `brand` keys would an analyst see?), keeps the JSON types apart (a boolean never
// reads as a number, JSONSerialization's NSNumber does not tell them apart), keeps members in file order and
// numbers as written, and says where the text went wrong. Decoding an untyped tree through `Decodable` took
// minutes for a 100 000-record VICS set.

/// A parsed JSON value: object members in file order, numbers as written.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number as written in the text (RFC 8259 syntax, checked).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The deepest nesting accepted (a line of ten thousand `[` must not exhaust the stack). Neither an import
    /// line nor a VICS file comes near it.
    public static let maxDepth = 32

    /// Parses one JSON text (RFC 8259): a duplicate key in any object is refused with its name, as are invalid
    /// UTF-8, unpaired surrogate escapes, control characters in strings and trailing content.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.pos == bytes.count else { throw reader.fail("unexpected text after the JSON value") }
        return value
    }

    /// The value of the first member named `key` of an object (keys are unique), or nil.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Whether this is JSON `null`.
    public var isNull: Bool { self == .null }

    /// The JSON type's name for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var pos = 0

        mutating func skipSpace() {
            while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
        }

        /// An error at the current position.
        func fail(_ what: String) -> JSONSyntaxError {
            let end = min(pos, bytes.count)
            var line = 1, column = 1
            for b in bytes[..<end] {
                if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
            }
            return JSONSyntaxError(reason: what, offset: end, line: line, column: column)
        }

        mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            guard depth < JSONValue.maxDepth else { throw fail("nesting deeper than \(JSONValue.maxDepth) levels") }
            guard pos < bytes.count else { throw fail("unexpected end of input") }
            switch bytes[pos] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            case let c where (0x21..<0x7F).contains(c): throw fail("unexpected character '\(Unicode.Scalar(c))'")
            case let c: throw fail("unexpected byte 0x\(String(c, radix: 16, uppercase: true))")
            }
        }

        mutating func literal(_ word: String) throws(JSONSyntaxError) {
            let w = Array(word.utf8)
            guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else { throw fail("expected \(word)") }
            pos += w.count
        }

        mutating func number() throws(JSONSyntaxError) -> String {
            let start = pos
            func digits() -> Int {
                let s = pos
                while pos < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[pos]) { pos += 1 }
                return pos - s
            }
            if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            let intStart = pos
            guard digits() > 0 else { throw fail("expected digits") }
            if bytes[intStart] == UInt8(ascii: "0"), pos - intStart > 1 {
                pos = intStart
                throw fail("leading zero in a number")
            }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
                pos += 1
                guard digits() > 0 else { throw fail("expected digits after '.'") }
            }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
                pos += 1
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
                guard digits() > 0 else { throw fail("expected digits in the exponent") }
            }
            return String(decoding: bytes[start..<pos], as: UTF8.self)
        }

        mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
            guard pos + 4 <= bytes.count else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[pos]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw fail("bad hex digit in a \\u escape")
                }
                v = v << 4 | d
                pos += 1
            }
            return v
        }

        mutating func string() throws(JSONSyntaxError) -> String {
            pos += 1  // opening quote
            let start = pos
            var out: [UInt8] = []
            while true {
                guard pos < bytes.count else { throw fail("unterminated string") }
                let c = bytes[pos]
                if c == UInt8(ascii: "\"") { pos += 1; break }
                if c < 0x20 { throw fail("control character in a string") }
                if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
                pos += 1
                guard pos < bytes.count else { throw fail("unterminated string") }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard pos + 2 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate escape")
                        }
                        pos += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("unpaired surrogate escape")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    pos -= 1
                    throw fail("unknown escape '\\\(Unicode.Scalar(e))'")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else {
                var at = self
                at.pos = start
                throw at.fail("string is not valid UTF-8")
            }
            return s
        }

        mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            pos += 1
            var items: [JSONValue] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard pos < bytes.count else { throw fail("unterminated array") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            pos += 1
            var members: [(key: String, value: JSONValue)] = []
            var seen = Set<String>()
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
                let keyStart = pos
                let key = try string()
                // Compared as Swift strings (canonical equivalence), as a dictionary would: "é" and "e\u0301" collide.
                guard seen.insert(key).inserted else {
                    pos = keyStart
                    throw fail("duplicate key '\(key)'")
                }
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                pos += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard pos < bytes.count else { throw fail("unterminated object") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        }
    }
}

/// Why a text is not JSON, and where: byte offset, line and column (columns count characters).
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. `duplicate key 'brand'`, `unterminated string`.
    public let reason: String
    /// Zero-based byte offset of the problem.
    public let offset: Int
    /// One-based line.
    public let line: Int
    /// One-based column, in characters.
    public let column: Int

    /// An error at a position.
    public init(reason: String, offset: Int, line: Int, column: Int) {
        self.reason = reason
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// "REASON at line L, column C".
    public var description: String { "\(reason) at line \(line), column \(column)" }
}
