import Crypto
public import Foundation
import Store

/// SHA-256 hex of bytes: the identity of every original and stored copy (evidence integrity).
public func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// Content-addressed blobs: files beside an SQLite store (`<dir>/ab/abcdef…`), or rows in the PostgreSQL store's
/// `blobs`/`blob_chunks` tables, so that no machine of a team depends on a shared disk.
///
/// Files are written to a temporary name, synced and renamed before the database transaction that refers
/// to them commits, so an interrupted command leaves at worst an unreferenced file, never a row pointing
/// at a missing or half-written one. Writing the same content twice is a no-op. Blobs hold tip photos and
/// the store holds opted-in contacts, so folders are created 0700 and files 0600 whatever the umask.
/// On PostgreSQL the same order holds: a blob is committed (in its own transaction) before the command's
/// transaction that refers to it.
public struct BlobStore: Sendable {
    /// The root folder (unused on PostgreSQL).
    public let root: URL
    private let table: BlobTable?

    /// A blob store rooted at `root` (created on first write).
    public init(root: URL) {
        self.root = root
        table = nil
    }

    /// The blob store that belongs to a store: `<db>.blobs/` beside an SQLite file, the database's blob
    /// tables for a `postgres://` URL.
    public init(forDatabaseAt path: String) {
        if case let .postgres(url)? = try? StoreLocation(path) {
            root = URL(fileURLWithPath: "/nonexistent-objtrace-blobs")
            table = BlobTable.shared(for: url)
        } else {
            root = URL(fileURLWithPath: path + ".blobs")
            table = nil
        }
    }

    /// Whether blobs live in the database rather than in files.
    public var isInDatabase: Bool { table != nil }

    /// Where the blob with this SHA-256 lives.
    public func url(for sha256: String) -> URL {
        root.appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(sha256)
    }

    /// Where the blob with this SHA-256 lives, as recorded with a crop: a file path, or `blobs/<sha256>` in
    /// the PostgreSQL store.
    public func locator(for sha256: String) -> String {
        table == nil ? url(for: sha256).path : "blobs/\(sha256)"
    }

    /// Stores `bytes` and returns their SHA-256.
    @discardableResult
    public func put(_ bytes: [UInt8]) throws -> String {
        let digest = sha256Hex(bytes)
        if let table {
            try table.put(bytes, digest: digest)
            return digest
        }
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
        let bytes = try table?.get(sha256) ?? InputFiles.read(url(for: sha256).path)
        guard sha256Hex(bytes) == sha256 else { throw InputError("integrity: blob \(sha256) does not match its SHA-256") }
        return bytes
    }
}

/// The PostgreSQL side of `BlobStore`: one connection per store URL in a process, shared by every
/// `BlobStore` value (they are `Sendable`; calls take turns on a lock).
///
/// Large objects are stored in 1 MiB chunks (`BlobRows`), one row each, written in one transaction with the
/// `blobs` row that lists them: no single message or row exceeds a chunk, so a 20 MB photo never needs a
/// 20 MB bind buffer on either side, and a half-written blob is never visible. Reading concatenates the
/// chunks in order and `BlobStore.get` checks the SHA-256 before use, as for files.
final class BlobTable: @unchecked Sendable {
    private let url: PostgresURL
    private let lock = NSLock()
    private var database: Database?

    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var registry: [String: BlobTable] = [:]

    static func shared(for url: PostgresURL) -> BlobTable {
        registryLock.lock()
        defer { registryLock.unlock() }
        let key = "\(url.redacted)#\(url.password() ?? "")"
        if let table = registry[key] { return table }
        let table = BlobTable(url: url)
        registry[key] = table
        return table
    }

    private init(url: PostgresURL) { self.url = url }

    private func connection() throws -> Database {
        if let database { return database }
        let db = try Database(postgres: url)
        database = db
        return db
    }

    func put(_ bytes: [UInt8], digest: String) throws {
        lock.lock()
        defer { lock.unlock() }
        try BlobRows.put(bytes, digest: digest, in: try connection())
    }

    func get(_ sha256: String) throws -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        guard let bytes = try BlobRows.get(sha256, in: try connection()) else {
            throw InputError("integrity: blob \(sha256) is not in the store")
        }
        return bytes
    }
}
