#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// The `tip import` line: strict JSON (duplicate keys refused by name), the known fields, and photo paths that
// must stay inside the import file's folder. Only the standard C library is used here, so the libFuzzer
// target (Tests/Fuzz/importline_fuzz.swift) compiles this file on its own.

/// Why an import line was refused: one human reason naming the field, key or path.
public struct ImportLineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason.
    public let reason: String
    /// Wraps a reason.
    public init(_ reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { reason }
}

/// A JSON value with object members in file order.
public indirect enum StrictJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([StrictJSON])
    case object([(key: String, value: StrictJSON)])

    public static func == (a: StrictJSON, b: StrictJSON) -> Bool {
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

    /// The deepest nesting accepted (a line of ten thousand `[` must not exhaust the stack).
    public static let maxDepth = 32

    /// Parses one JSON text (RFC 8259): a duplicate key in any object is refused with its name, as are
    /// invalid UTF-8, unpaired surrogate escapes, control characters in strings and trailing content.
    public static func parse(_ bytes: [UInt8]) throws(ImportLineError) -> StrictJSON {
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.pos == bytes.count else { throw ImportLineError("unexpected content after the JSON value at byte \(reader.pos + 1)") }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        var pos = 0

        mutating func skipSpace() {
            while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
        }

        func fail(_ what: String) -> ImportLineError { ImportLineError("invalid JSON: \(what) at byte \(pos + 1)") }

        mutating func value(depth: Int) throws(ImportLineError) -> StrictJSON {
            guard depth < StrictJSON.maxDepth else { throw ImportLineError("invalid JSON: nested deeper than \(StrictJSON.maxDepth) levels") }
            guard pos < bytes.count else { throw fail("unexpected end") }
            switch bytes[pos] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: String) throws(ImportLineError) {
            let w = Array(word.utf8)
            guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else { throw fail("invalid literal") }
            pos += w.count
        }

        mutating func number() throws(ImportLineError) -> String {
            let start = pos
            func digits() -> Int {
                let s = pos
                while pos < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[pos]) { pos += 1 }
                return pos - s
            }
            if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            let intStart = pos
            guard digits() > 0 else { throw fail("invalid number") }
            if bytes[intStart] == UInt8(ascii: "0"), pos - intStart > 1 { throw fail("number with a leading zero") }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
                pos += 1
                guard digits() > 0 else { throw fail("invalid number") }
            }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
                pos += 1
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
                guard digits() > 0 else { throw fail("invalid number") }
            }
            return String(decoding: bytes[start..<pos], as: UTF8.self)
        }

        mutating func hex4() throws(ImportLineError) -> UInt32 {
            guard pos + 4 <= bytes.count else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[pos]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw fail("invalid \\u escape")
                }
                v = v << 4 | d
                pos += 1
            }
            return v
        }

        mutating func string() throws(ImportLineError) -> String {
            pos += 1  // opening quote
            var out: [UInt8] = []
            while true {
                guard pos < bytes.count else { throw fail("unterminated string") }
                let c = bytes[pos]
                if c == UInt8(ascii: "\"") { pos += 1; break }
                if c < 0x20 { throw fail("control character in a string") }
                if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
                pos += 1
                guard pos < bytes.count else { throw fail("unterminated escape") }
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
                    throw fail("invalid escape")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
            return s
        }

        mutating func array(depth: Int) throws(ImportLineError) -> StrictJSON {
            pos += 1
            var items: [StrictJSON] = []
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

        mutating func object(depth: Int) throws(ImportLineError) -> StrictJSON {
            pos += 1
            var members: [(key: String, value: StrictJSON)] = []
            var seen = Set<String>()
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try string()
                // Compared as Swift strings (canonical equivalence), as a dictionary would: "é" and "e\u0301" collide.
                guard seen.insert(key).inserted else { throw ImportLineError("duplicate key '\(key)'") }
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

/// The fields of one `tip import` line, checked for type and name but not yet for meaning (dates, codes).
public struct ImportLineFields: Sendable, Equatable {
    /// The field names a line may carry.
    public static let known: [String] = ["received", "channel", "language", "text", "brand", "product", "shop",
                                         "country", "city", "url", "contact", "object", "photos"]

    /// String fields by name (absent or null fields are not here).
    public var strings: [String: String] = [:]
    /// `photos` as written in the line (relative paths, checked lexically).
    public var photos: [String] = []

    /// Parses a line: one JSON object, no duplicate or unknown keys, strings where strings belong, `photos` a
    /// list of relative paths that stay inside the import folder as written (`ImportPhotoPath.checkLexically`).
    public static func parse(_ bytes: [UInt8]) throws(ImportLineError) -> ImportLineFields {
        guard case .object(let members) = try StrictJSON.parse(bytes) else { throw ImportLineError("not a JSON object") }
        var fields = ImportLineFields()
        for (key, value) in members {
            guard known.contains(key) else { throw ImportLineError("unknown field '\(key)'") }
            if key == "photos" {
                if value == .null { continue }
                guard case .array(let items) = value else { throw ImportLineError("field 'photos' must be a list of paths") }
                for (i, item) in items.enumerated() {
                    guard case .string(let path) = item else { throw ImportLineError("photos[\(i)] must be a string path") }
                    try ImportPhotoPath.checkLexically(path, index: i)
                    fields.photos.append(path)
                }
                continue
            }
            switch value {
            case .null: continue
            case .string(let s): fields.strings[key] = s
            default: throw ImportLineError("field '\(key)' must be a string")
            }
        }
        return fields
    }
}

/// Photo paths of an import line: relative to the JSONL file's folder and never leaving it.
public enum ImportPhotoPath {
    /// The rules that need no file system: not empty, no NUL, not absolute, no `..` component.
    public static func checkLexically(_ path: String, index: Int) throws(ImportLineError) {
        let quoted = "photos[\(index)] '\(path)'"
        if path.isEmpty { throw ImportLineError("photos[\(index)] is an empty path") }
        if path.utf8.contains(0) { throw ImportLineError("photos[\(index)] contains a NUL byte") }
        if path.hasPrefix("/") { throw ImportLineError("\(quoted) is absolute; photo paths are relative to the import file's folder") }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            throw ImportLineError("\(quoted) contains '..'; photos must be inside the import file's folder")
        }
    }

    /// The canonical path of `path` inside `folder` (itself canonicalised): symbolic links are resolved and the
    /// result must still be inside the folder.
    public static func resolve(_ path: String, index: Int, inFolder folder: String) throws(ImportLineError) -> String {
        try checkLexically(path, index: index)
        guard let root = realPath(folder) else { throw ImportLineError("import folder '\(folder)' cannot be resolved") }
        let joined = (root.hasSuffix("/") ? root : root + "/") + path
        guard let resolved = realPath(joined) else {
            throw ImportLineError("photos[\(index)] '\(path)': no such file in the import file's folder")
        }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard resolved.hasPrefix(prefix), resolved.count > prefix.count else {
            throw ImportLineError("photos[\(index)] '\(path)' resolves outside the import file's folder (symbolic link)")
        }
        return resolved
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
