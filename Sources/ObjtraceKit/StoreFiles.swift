import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// File permissions of the store: the SQLite database (with its `-wal`/`-shm`) and the blob folder hold tip
/// photos and opted-in contacts, so only the owner may read them: files 0600, folders 0700.
public enum StoreFiles {
    /// Runs `open` (which creates or opens the SQLite file at `databasePath`) under umask 077, so a new
    /// database is never readable by others even for a moment, then restricts the database, its `-wal`,
    /// `-shm` and `-journal` files (SQLite creates those with the database file's mode) and the blob folder,
    /// including those of a store created before this rule.
    public static func openPrivately<T>(databasePath: String, _ open: () throws -> T) rethrows -> T {
        let previous = umask(0o077)
        defer { umask(previous) }
        let value = try open()
        restrict(databasePath: databasePath)
        return value
    }

    /// Sets 0600 on the database files that exist and 0700 on the blob folder, if it exists.
    public static func restrict(databasePath: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let path = databasePath + suffix
            if FileManager.default.fileExists(atPath: path) { chmod(path, 0o600) }
        }
        let blobs = databasePath + ".blobs"
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: blobs, isDirectory: &isDir), isDir.boolValue { chmod(blobs, 0o700) }
    }

    /// Creates `url` (and missing parents) as a 0700 folder; an existing folder is set to 0700.
    static func makePrivateDirectory(_ url: URL) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if !fm.fileExists(atPath: url.path, isDirectory: &isDir) {
            try fm.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        chmod(url.path, 0o700)
    }
}
