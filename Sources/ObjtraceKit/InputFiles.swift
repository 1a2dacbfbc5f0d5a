import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns the paths an analyst gives into an ordered list of files, and reads them with a size cap.
public enum InputFiles {
    /// Files larger than this are refused before reading (a hostile "image" must not exhaust memory).
    public static let defaultMaxBytes = 512 << 20

    /// One input: a file to read, or a path that could not be listed (reported, batch goes on).
    public enum Entry: Sendable, Equatable {
        case file(String)
        case unreadable(path: String, reason: String)
    }

    /// Expands `paths` in the given order; directories are walked recursively in sorted order (by the bytes of
    /// the names), hidden files and folders skipped. Symbolic links to files are followed; links to directories
    /// are not (no loops). Everything that is not read gets an `unreadable` entry with the reason: a symbolic
    /// link to a directory, a link loop, a dangling link, a FIFO, socket or device, a name that is not UTF-8
    /// (shown with `\xNN` escapes), a folder that cannot be listed.
    public static func expand(_ paths: [String]) -> [Entry] {
        var out: [Entry] = []
        for path in paths {
            var st = stat()
            guard lstat(path, &st) == 0 else {
                out.append(.unreadable(path: path, reason: "io: \(errnoText(errno))"))
                continue
            }
            if fileType(st) == S_IFDIR {
                out.append(contentsOf: walk(Array(path.utf8)))
            } else {
                // A named file is always tried, so `read` says why it cannot be (FIFO, device, dangling link).
                out.append(.file(path))
            }
        }
        return out
    }

    private static func walk(_ dir: [UInt8]) -> [Entry] {
        let dirText = display(dir)
        guard let handle = dir.withUnsafeBufferPointer({ buf -> OpaquePointer? in
            let cPath = Array(buf) + [0]
            return cPath.withUnsafeBufferPointer { opendir(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self)) }
        }) else {
            return [.unreadable(path: dirText, reason: "io: cannot list directory: \(errnoText(errno))")]
        }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name.first == UInt8(ascii: ".") { continue }  // hidden, `.` and `..`
            names.append(name)
        }
        closedir(handle)
        names.sort { $0.lexicographicallyPrecedes($1) }
        var out: [Entry] = []
        for name in names {
            let path = dir.last == UInt8(ascii: "/") ? dir + name : dir + [UInt8(ascii: "/")] + name
            let text = display(path)
            guard String(validating: path, as: UTF8.self) != nil else {
                out.append(.unreadable(path: text, reason: "unsupported-name: file name is not valid UTF-8"))
                continue
            }
            var st = stat()
            guard lstat(text, &st) == 0 else {
                out.append(.unreadable(path: text, reason: "io: \(errnoText(errno))"))
                continue
            }
            switch fileType(st) {
            case S_IFDIR:
                out.append(contentsOf: walk(path))
            case S_IFREG:
                out.append(.file(text))
            case S_IFLNK:
                var target = stat()
                if stat(text, &target) != 0 {
                    let e = errno
                    out.append(.unreadable(path: text, reason: e == ELOOP ? "not-a-file: symbolic link loop"
                                                                         : "not-a-file: dangling symbolic link (\(errnoText(e)))"))
                } else if fileType(target) == S_IFDIR {
                    out.append(.unreadable(path: text, reason: "not-a-file: symbolic link to a directory (not followed)"))
                } else {
                    out.append(.file(text))  // `read` refuses it unless the target is a regular file
                }
            default:
                out.append(.unreadable(path: text, reason: "not-a-file: \(typeName(st))"))
            }
        }
        return out
    }

    /// Reads a whole regular file, refusing anything else and files over `maxBytes`.
    ///
    /// The file is opened non-blocking (a FIFO must not hang the batch), checked with `fstat` on the open
    /// descriptor (no race with a swapped path; a link to `/dev/zero` is a character device), and read to at
    /// most `maxBytes + 1` bytes, so a file that grows or lies about its size still costs no more than that.
    public static func read(_ path: String, maxBytes: Int = defaultMaxBytes) throws(InputError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw InputError("io: cannot open \(path): \(errnoText(errno))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw InputError("io: cannot read file: \(errnoText(errno))") }
        guard fileType(st) == S_IFREG else { throw InputError("not-a-file: \(path) \(typeName(st))") }
        if Int(st.st_size) > maxBytes {
            throw InputError("too-large: file is \(st.st_size) bytes, over the limit of \(maxBytes)")
        }
        let capacity = min(maxBytes + 1, max(Int(st.st_size), 0) + 1)
        var bytes = [UInt8](repeating: 0, count: capacity)
        var count = 0
        while true {
            if count == bytes.count {
                if count > maxBytes { break }
                bytes.append(contentsOf: repeatElement(0, count: min(max(count, 1 << 16), maxBytes + 1 - count)))
            }
            let n = bytes.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + count, raw.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError("io: cannot read file: \(errnoText(errno))")
            }
            if n == 0 { break }
            count += n
        }
        if count > maxBytes { throw InputError("too-large: file is over the limit of \(maxBytes) bytes") }
        bytes.removeSubrange(count...)
        return bytes
    }

    private static func fileType(_ st: stat) -> mode_t { st.st_mode & S_IFMT }

    private static func typeName(_ st: stat) -> String {
        switch fileType(st) {
        case S_IFDIR: "is a folder, not a file"
        case S_IFIFO: "is a FIFO (named pipe)"
        case S_IFSOCK: "is a socket"
        case S_IFCHR: "is a character device"
        case S_IFBLK: "is a block device"
        case S_IFLNK: "is a symbolic link"
        default: "is not a regular file"
        }
    }

    private static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)).lowercased() }

    /// A path as text: valid UTF-8 as is, other bytes as `\xNN`.
    static func display(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var out = ""
        var i = 0
        while i < bytes.count {
            // The longest valid UTF-8 sequence of one scalar at i, else one escaped byte.
            var matched = false
            for j in stride(from: min(bytes.count, i + 4), to: i, by: -1) {
                if let s = String(validating: bytes[i..<j], as: UTF8.self), s.unicodeScalars.count == 1 {
                    out += s
                    i = j
                    matched = true
                    break
                }
            }
            if !matched {
                out += "\\x" + String(bytes[i], radix: 16, uppercase: true).leftPadded(to: 2)
                i += 1
            }
        }
        return out
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// A file that could not be read; `message` is `"<kind>: <reason>"`.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `"<kind>: <reason>"`.
    public let message: String
    /// Wraps a message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
