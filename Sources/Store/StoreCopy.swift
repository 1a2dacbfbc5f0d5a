/// Copying a whole case between stores (SQLite ⇄ PostgreSQL, or the same engine): every case table row by row
/// with its ids, and the audit log verbatim, so the copy verifies with the same chain and row digests.
public struct StoreCopyReport: Sendable, Equatable {
    /// Rows per table in the source and in the copy (equal after a successful copy).
    public var rows: [(table: String, source: Int, copy: Int)]
    /// The audit chain's head in the copy (equal to the source's).
    public var auditHead: AuditAnchor?

    public static func == (a: Self, b: Self) -> Bool {
        a.auditHead == b.auditHead && a.rows.map { "\($0.table)|\($0.source)|\($0.copy)" } == b.rows.map { "\($0.table)|\($0.source)|\($0.copy)" }
    }
}

extension CaseStore {
    /// The case tables in an order that satisfies their foreign keys; every table a store of this build has.
    /// Not copied: the engine's schema bookkeeping, the change counters (the copy keeps its own, which only
    /// ever move forward) and the blob tables (the caller copies blobs through `BlobStore`).
    static let copyOrder = [
        "objects", "object_approvals", "object_crops", "tips", "tip_claims", "tip_photos", "hashes",
        "candidates", "candidate_support", "reviews", "audit_log", "import_progress", "banks", "bank_hashes",
        "tip_matches", "settings", "object_evidence", "hypothesis_scores", "hypothesis_clusters", "evidence_fresh",
        "tip_photo_repeats", "local_features", "analysts", "web_receipts",
    ]
    static let notCopied: Set<String> = ["schema_version", "change_counters", "blobs", "blob_chunks", "sqlite_sequence"]

    /// Copies every case row of `source` into this store, which must be empty (no schema yet): creates this
    /// build's schema without audit entries of its own, inserts the rows with their ids and the audit log as
    /// it is, in one transaction, then checks the counts. Refuses a source with another schema version or a
    /// table this build does not know, so nothing is silently left behind.
    /// `withSchema` runs inside the copy's transaction once the schema exists (PostgreSQL blobs are written
    /// there, through `putBlob`, so they commit with the rows or not at all).
    @discardableResult
    public func copyCase(from source: CaseStore, withSchema: ((CaseStore) throws -> Void)? = nil) throws -> StoreCopyReport {
        try source.checkSchema()
        guard try schemaVersion() == 0 else {
            throw StoreError(kind: .schema, message: "\(database.path) already holds a store: copy into an empty database or file")
        }
        let tables = try source.database.tableNames().filter { !Self.notCopied.contains($0) }
        if let unknown = tables.first(where: { !Self.copyOrder.contains($0) }) {
            throw StoreError(kind: .schema, message: "\(source.database.path) has a table \(unknown) this build cannot copy")
        }
        let ordered = Self.copyOrder.filter(tables.contains)
        try database.transaction {
            for migration in Schema.migrations {
                try database.execute(migration.script(for: database.dialect))
            }
            try setSchemaVersionForCopy(Schema.latestVersion)
            try withSchema?(self)
            for table in ordered { try copyRows(of: table, from: source) }
            if database.dialect == .postgres {
                for table in ordered {
                    for column in ["id", "rowid"] where try hasIdentity(table, column) {
                        try database.execute("SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), coalesce((SELECT max(\(column)) FROM \(table)), 0) + 1, false)")
                    }
                }
            }
            // The inserts above were noted by the row tracking; they are the source's rows, already audited.
            try database.execute("DELETE FROM \(database.dialect == .postgres ? "pg_temp" : "temp").audit_touched")
        }
        try installRowTracking()
        var rows: [(String, Int, Int)] = []
        for table in ordered {
            rows.append((table, try source.count(table), try count(table)))
        }
        let report = StoreCopyReport(rows: rows, auditHead: try auditHead())
        if let bad = report.rows.first(where: { $0.source != $0.copy }) {
            throw StoreError(kind: .integrity, message: "copy of \(bad.table) has \(bad.copy) rows, the source \(bad.source)")
        }
        return report
    }

    private func setSchemaVersionForCopy(_ version: Int) throws(StoreError) {
        switch database.dialect {
        case .sqlite: try database.execute("PRAGMA user_version = \(version)")
        case .postgres: try database.run("UPDATE schema_version SET version = ?", [version])
        }
    }

    private func hasIdentity(_ table: String, _ column: String) throws(StoreError) -> Bool {
        try database.queryFirst(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ? AND is_identity = 'YES'",
            [table, column]) { _ in true } ?? false
    }

    /// Rows in a table.
    func count(_ table: String) throws(StoreError) -> Int {
        Int(try database.queryFirst("SELECT count(*) FROM \(table)") { $0.int(0) } ?? 0)
    }

    private func copyRows(of table: String, from source: CaseStore) throws {
        // SQLite's implicit rowid names settings and analysts rows in the audit chain, so it travels too.
        let keyed = Self.rowIDColumn(table) == "rowid"
        let select: String
        switch source.database.dialect {
        case .sqlite: select = keyed ? "SELECT rowid AS rowid, * FROM \(table) ORDER BY rowid" : "SELECT * FROM \(table) ORDER BY rowid"
        case .postgres:
            let order = table == "audit_log" ? "seq" : try source.hasColumn(table, "id") ? "id" : keyed ? "rowid" : "1"
            select = "SELECT * FROM \(table) ORDER BY \(order)"
        }
        var insert: String?
        var failure: (any Error)?
        _ = try source.database.query(select, []) { (row: Row) throws(StoreError) -> Void in
            guard failure == nil else { return }
            let n = row.columnCount
            if insert == nil {
                let names = (0..<n).map { "\"\(row.columnName($0))\"" }
                insert = "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: Int(n)).joined(separator: ", ")))"
            }
            do {
                try self.database.run(insert!, (0..<n).map { row.value($0) })
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    private func hasColumn(_ table: String, _ column: String) throws(StoreError) -> Bool {
        switch database.dialect {
        case .sqlite:
            return try database.query("SELECT name FROM pragma_table_info(?)", [table]) { $0.text(0) }.contains(column)
        case .postgres:
            return try database.queryFirst(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?",
                [table, column]) { _ in true } ?? false
        }
    }
}

/// Content-addressed blobs in a PostgreSQL store's `blobs` and `blob_chunks` tables (SQLite stores keep blob
/// files beside the database). Large objects are written and read in 1 MiB chunks, one row each: no message
/// or row holds more than a chunk, and a blob is visible only whole (its chunks commit with its `blobs` row).
public enum BlobRows {
    /// Bytes per chunk row.
    public static let chunkSize = 1 << 20

    /// Stores `bytes` under `digest` (their SHA-256) unless present; inside the caller's transaction if one is
    /// open, else in one of its own.
    public static func put(_ bytes: [UInt8], digest: String, in db: Database) throws {
        if try db.queryFirst("SELECT 1 FROM blobs WHERE sha256 = ?", [digest], { _ in true }) != nil { return }
        let chunks = max(1, (bytes.count + chunkSize - 1) / chunkSize)
        func write() throws {
            try db.run("INSERT INTO blobs (sha256, size, chunks) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [digest, bytes.count, chunks])
            guard db.changes == 1 else { return }  // another writer stored it first
            for n in 0..<chunks {
                let start = n * chunkSize
                let part = Array(bytes[start..<min(start + chunkSize, bytes.count)])
                try db.run("INSERT INTO blob_chunks (sha256, n, bytes) VALUES (?, ?, ?)", [digest, n, SQLValue.blob(part)])
            }
        }
        if db.isInTransaction { return try write() }
        // A plain transaction, not the store's write lock: blobs are content-addressed and idempotent (two
        // sessions storing the same blob meet on its primary key), and a command may store a blob through
        // another connection while its own transaction holds the write lock (the server's tip upload).
        try db.execute("BEGIN")
        do {
            try write()
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// The blob's bytes (not yet checked against the digest: the caller does), or nil when absent.
    public static func get(_ digest: String, in db: Database) throws -> [UInt8]? {
        guard let (size, chunks) = try db.queryFirst("SELECT size, chunks FROM blobs WHERE sha256 = ?", [digest], {
            ($0.int(0), $0.int(1))
        }) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(Int(size))
        for n in 0..<chunks {
            guard case let .blob(bytes)? = try db.queryFirst("SELECT bytes FROM blob_chunks WHERE sha256 = ? AND n = ?", [digest, n], {
                $0.value(0)
            }) else { throw StoreError.integrity("blob \(digest) misses chunk \(n)") }
            out += bytes
        }
        return out
    }
}

extension CaseStore {
    /// Stores a blob in this PostgreSQL store's blob tables (inside the current transaction, if any).
    public func putBlob(_ bytes: [UInt8], digest: String) throws {
        try BlobRows.put(bytes, digest: digest, in: database)
    }
}
