public import Store
import Foundation

/// `objtrace store copy`: a whole case from one store to another (SQLite file ⇄ PostgreSQL database), with
/// its blobs, checked by row counts on both sides and by verifying the copy's audit chain.
public enum StoreTransfer {
    /// What a copy did.
    public struct Report: Sendable {
        /// Rows per table, source and copy.
        public var copy: StoreCopyReport
        /// Blobs copied (images and feature blobs referenced by the case).
        public var blobs: Int
        /// Bytes of blob content copied.
        public var blobBytes: Int
        /// The copy's audit verification (`.ok` with the source's entry count after a good copy).
        public var verdict: AuditVerdict
        /// The source's audit verification, for comparison.
        public var sourceVerdict: AuditVerdict
    }

    /// Copies the store at `from` into the empty store at `to` (an empty PostgreSQL database or a new file).
    public static func copy(from: String, to: String) throws -> Report {
        let source = try CaseStore(path: from)
        try source.checkSchema()
        let sourceVerdict = try source.verifyAudit()
        guard case .ok = sourceVerdict else {
            throw InputError("the source's audit log does not verify (\(sourceVerdict)); run `objtrace audit verify` on it first")
        }
        let target = try StoreFiles.openPrivately(databasePath: to) { try CaseStore(path: to) }
        let sourceBlobs = BlobStore(forDatabaseAt: from)
        let targetBlobs = BlobStore(forDatabaseAt: to)
        var count = 0
        var bytes = 0
        let shas = try referencedBlobs(source)
        let copy: StoreCopyReport
        if target.database.dialect == .postgres {
            // Blobs go in with the rows, in the copy's one transaction: all or nothing.
            copy = try target.copyCase(from: source) { store in
                for sha in shas {
                    let content = try sourceBlobs.get(sha)
                    try store.putBlob(content, digest: sha)
                    count += 1
                    bytes += content.count
                }
            }
        } else {
            // Blob files first, as every command does: an interrupted copy leaves unreferenced files only.
            for sha in shas {
                let content = try sourceBlobs.get(sha)
                try targetBlobs.put(content)
                count += 1
                bytes += content.count
            }
            copy = try target.copyCase(from: source)
        }
        return Report(copy: copy, blobs: count, blobBytes: bytes, verdict: try target.verifyAudit(), sourceVerdict: sourceVerdict)
    }

    /// Every blob the case refers to: crop images, tip photos' working copies and local-feature blobs.
    static func referencedBlobs(_ store: CaseStore) throws -> [String] {
        var out = Set<String>()
        for sql in ["SELECT sha256 FROM object_crops", "SELECT working_sha256 FROM tip_photos", "SELECT blob_sha256 FROM local_features"] {
            for sha in try store.database.query(sql, [], { $0.text(0) }) { out.insert(sha) }
        }
        return out.sorted()
    }
}
