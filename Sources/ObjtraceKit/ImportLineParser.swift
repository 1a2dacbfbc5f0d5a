#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// The `tip import` line: strict JSON (`JSONValue`: duplicate keys refused by name), the known fields, and photo
// paths that must stay inside the import file's folder. Only the standard C library is used here, so the
// libFuzzer target (Tests/Fuzz/importline_fuzz.swift) compiles this file with JSONValue.swift alone.

/// Why an import line was refused: one human reason naming the field, key or path.
public struct ImportLineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason.
    public let reason: String
    /// Wraps a reason.
    public init(_ reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { reason }
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

    /// Photos one line may list (each is read, decoded and kept while the line is imported).
    public static let maxPhotos = 10

    /// Parses a line: one JSON object, no duplicate or unknown keys, strings where strings belong, `photos` a
    /// list of relative paths that stay inside the import folder as written (`ImportPhotoPath.checkLexically`).
    public static func parse(_ bytes: [UInt8]) throws(ImportLineError) -> ImportLineFields {
        let line: JSONValue
        do { line = try JSONValue.parse(bytes) } catch { throw ImportLineError("invalid JSON: \(error.reason) at byte \(error.offset + 1)") }
        guard case .object(let members) = line else { throw ImportLineError("not a JSON object") }
        var fields = ImportLineFields()
        for (key, value) in members {
            guard known.contains(key) else { throw ImportLineError("unknown field '\(key)'") }
            if key == "photos" {
                if value == .null { continue }
                guard case .array(let items) = value else { throw ImportLineError("field 'photos' must be a list of paths") }
                guard items.count <= maxPhotos else {
                    throw ImportLineError("field 'photos' lists \(items.count) photos; a tip takes at most \(maxPhotos)")
                }
                for (i, item) in items.enumerated() {
                    guard case .string(let path) = item else { throw ImportLineError("photos[\(i)] must be a string path") }
                    try ImportPhotoPath.checkLexically(path, index: i)
                    if let first = fields.photos.firstIndex(of: path) {
                        throw ImportLineError("photos[\(i)] repeats photos[\(first)] ('\(path)')")
                    }
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
