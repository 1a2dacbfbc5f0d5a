import Crypto
public import Foundation

/// SHA-256 hex of bytes: the identity of every original and stored copy (evidence integrity).
public func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// Content-addressed files beside the SQLite store (`<dir>/ab/abcdef…`).
///
/// Files are written to a temporary name, synced and renamed before the database transaction that refers
/// to them commits, so an interrupted command leaves at worst an unreferenced file, never a row pointing
/// at a missing or half-written one. Writing the same content twice is a no-op. Blobs hold tip photos and
/// the store holds opted-in contacts, so folders are created 0700 and files 0600 whatever the umask.
public struct BlobStore: Sendable {
    /// The root folder.
    public let root: URL

    /// A blob store rooted at `root` (created on first write).
    public init(root: URL) { self.root = root }

    /// The blob store that belongs to a database file: `<db>.blobs/`.
    public init(forDatabaseAt path: String) { self.root = URL(fileURLWithPath: path + ".blobs") }

    /// Where the blob with this SHA-256 lives.
    public func url(for sha256: String) -> URL {
        root.appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(sha256)
    }

    /// Stores `bytes` and returns their SHA-256.
    @discardableResult
    public func put(_ bytes: [UInt8]) throws -> String {
        let digest = sha256Hex(bytes)
        let target = url(for: digest)
        let fm = FileManager.default
        if fm.fileExists(atPath: target.path) { return digest }
        try StoreFiles.makePrivateDirectory(root)
        try StoreFiles.makePrivateDirectory(target.deletingLastPathComponent())
        let temp = target.deletingLastPathComponent().appendingPathComponent(".\(digest).\(UUID().uuidString).tmp")
        let data = Data(bytes)
        guard fm.createFile(atPath: temp.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw InputError("io: cannot create \(temp.path)")
        }
        chmod(temp.path, 0o600)
        let handle = try FileHandle(forWritingTo: temp)
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
        if rename(temp.path, target.path) != 0 {
            try? fm.removeItem(at: temp)
            throw InputError("io: cannot store blob \(digest)")
        }
        return digest
    }

    /// Reads a blob back and checks its SHA-256 (a changed file is reported, not silently used).
    public func get(_ sha256: String) throws -> [UInt8] {
        let bytes = try InputFiles.read(url(for: sha256).path)
        guard sha256Hex(bytes) == sha256 else { throw InputError("integrity: blob \(sha256) does not match its SHA-256") }
        return bytes
    }
}
