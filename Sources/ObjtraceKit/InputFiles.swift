import Foundation

/// Turns the paths an analyst gives into an ordered list of files, and reads them with a size cap.
public enum InputFiles {
    /// Files larger than this are refused before reading (a hostile "image" must not exhaust memory).
    public static let defaultMaxBytes = 512 << 20

    /// One input: a file to read, or a path that could not be listed (reported, batch goes on).
    public enum Entry: Sendable, Equatable {
        case file(String)
        case unreadable(path: String, reason: String)
    }

    /// Expands `paths` in the given order; directories are walked recursively in sorted order, hidden
    /// files and folders skipped. Symbolic links to files are followed; links to directories are not
    /// (no loops).
    public static func expand(_ paths: [String]) -> [Entry] {
        var out: [Entry] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                out.append(.unreadable(path: path, reason: "io: no such file or directory"))
                continue
            }
            if !isDir.boolValue {
                out.append(.file(path))
                continue
            }
            out.append(contentsOf: walk(path))
        }
        return out
    }

    private static func walk(_ dir: String) -> [Entry] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: dir) else {
            return [.unreadable(path: dir, reason: "io: cannot list directory")]
        }
        var out: [Entry] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            guard let attrs = try? fm.attributesOfItem(atPath: path), let type = attrs[.type] as? FileAttributeType else {
                continue
            }
            switch type {
            case .typeDirectory:
                out.append(contentsOf: walk(path))
            case .typeRegular:
                out.append(.file(path))
            case .typeSymbolicLink:
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { out.append(.file(path)) }
            default:
                continue
            }
        }
        return out
    }

    /// Reads a whole file, refusing files over `maxBytes` without reading them.
    public static func read(_ path: String, maxBytes: Int = defaultMaxBytes) throws(InputError) -> [UInt8] {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw InputError("io: \(path) is a folder, not a file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw InputError("io: cannot open \(path): \(exists ? "permission denied" : "no such file")")
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
        if size > maxBytes { throw InputError("too-large: file is \(size) bytes, over the limit of \(maxBytes)") }
        do {
            try handle.seek(toOffset: 0)
            return [UInt8](try handle.readToEnd() ?? Data())
        } catch {
            throw InputError("io: \(error.localizedDescription)")
        }
    }
}

/// A file that could not be read; `message` is `"<kind>: <reason>"`.
public struct InputError: Error, Sendable, CustomStringConvertible {
    /// `"<kind>: <reason>"`.
    public let message: String
    /// Wraps a message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
