import CaseWork

/// Case data under the audit chain: each audit entry carries the SHA-256 of every case row it produced, so
/// `verifyAudit` can check the live rows against the last state the log recorded for them.
///
/// Which rows an operation touched is not listed by hand at each call site: temporary triggers (this
/// connection only, invisible to other tools) note every insert, update and delete on the case tables in a
/// temporary table, and `appendAudit` turns those notes into digests inside the same transaction. A row edited
/// by anything else — the `sqlite3` shell, another program — no longer matches its recorded digest.
///
/// A tracked row is named `table/rowid` of its owning row: a tip covers its claims and photos, an object
/// its approvals and crops, a candidate its supporting tips.
extension CaseStore {
    /// The owning tables, with the child tables folded into their digest (child table, foreign key, order).
    static let trackedTables: [(table: String, children: [(table: String, key: String, order: String)])] = [
        ("tips", [("tip_claims", "tip_id", "kind"), ("tip_photos", "tip_id", "ordinal")]),
        ("objects", [("object_approvals", "object_id", "ordinal"), ("object_crops", "object_id", "id")]),
        ("candidates", [("candidate_support", "candidate_id", "tip_id")]),
        ("settings", []),
        ("analysts", []),
    ]

    /// Creates the temporary table and triggers that note touched case rows (idempotent; needs the case
    /// tables, so it is skipped on a file that has none yet and run again after `migrate`).
    func installRowTracking() throws(StoreError) {
        if database.dialect == .postgres {
            // The triggers are permanent (schema version 3); each store session brings its own notes table.
            try database.execute(
                "CREATE TEMP TABLE IF NOT EXISTS audit_touched (tbl TEXT NOT NULL, row_id BIGINT NOT NULL, PRIMARY KEY (tbl, row_id))")
            return
        }
        try database.execute(
            "CREATE TEMP TABLE IF NOT EXISTS audit_touched (tbl TEXT NOT NULL, row_id INTEGER NOT NULL, PRIMARY KEY (tbl, row_id))")
        let hasTables = try database.queryFirst("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('tips','settings','analysts')") {
            $0.int(0)
        } ?? 0
        guard hasTables == 3 else { return }
        var sql = ""
        func trigger(_ table: String, owner: String, idOf: (String) -> String) {
            for (event, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
                sql += """
                    CREATE TEMP TRIGGER IF NOT EXISTS audit_touch_\(table)_\(event.lowercased()) AFTER \(event) ON main.\(table)
                    BEGIN INSERT OR IGNORE INTO audit_touched VALUES ('\(owner)', \(idOf(row))); END;

                    """
            }
        }
        for (table, children) in Self.trackedTables {
            trigger(table, owner: table) { "\($0).rowid" }
            for child in children { trigger(child.table, owner: table) { "\($0).\(child.key)" } }
        }
        // An update that moves a child row to another owner touches the old owner too.
        for (table, children) in Self.trackedTables {
            for child in children {
                sql += """
                    CREATE TEMP TRIGGER IF NOT EXISTS audit_touch_\(child.table)_move AFTER UPDATE OF \(child.key) ON main.\(child.table)
                    BEGIN INSERT OR IGNORE INTO audit_touched VALUES ('\(table)', OLD.\(child.key)); END;

                    """
            }
        }
        try database.execute(sql)
    }

    /// Digests of the rows touched since the last audit entry, keyed `table/rowid` (a deleted row digests as
    /// `deleted`), and forgets them. Empty when nothing was touched or tracking is not installed.
    func takeTouchedRowDigests() throws -> [String: AuditValue] {
        let temp = database.dialect == .postgres ? "pg_temp" : "temp"
        if database.dialect == .sqlite {
            let installed = try database.queryFirst("SELECT count(*) FROM sqlite_temp_master WHERE name = 'audit_touched'") {
                $0.int(0)
            } ?? 0
            guard installed == 1 else { return [:] }
        }
        let touched = try database.query("SELECT tbl, row_id FROM \(temp).audit_touched ORDER BY tbl, row_id") { ($0.text(0), $0.int(1)) }
        guard !touched.isEmpty else { return [:] }
        try database.execute("DELETE FROM \(temp).audit_touched")
        var out: [String: AuditValue] = [:]
        for (table, id) in touched {
            out["\(table)/\(id)"] = .string(try rowDigest(table: table, rowID: id) ?? "deleted")
        }
        return out
    }

    /// The column that names a tracked table's rows: `id` (SQLite's rowid alias) or, for the tables keyed by
    /// text, SQLite's implicit `rowid` (on PostgreSQL an identity column of that name, left out of digests).
    static func rowIDColumn(_ table: String) -> String {
        table == "settings" || table == "analysts" ? "rowid" : "id"
    }

    /// The schema prefix of the store's own tables (`main.` on SQLite, where TEMP tables could shadow them).
    var mainPrefix: String { database.dialect == .sqlite ? "main." : "" }

    /// SHA-256 of one owning row and its child rows, every column by position with its storage class, or nil
    /// when the row does not exist. The same bytes on SQLite and PostgreSQL (PostgreSQL's `rowid` column,
    /// which SQLite keeps outside `*`, is skipped).
    func rowDigest(table: String, rowID: Int64) throws(StoreError) -> String? {
        guard let spec = Self.trackedTables.first(where: { $0.table == table }) else { return nil }
        var bytes: [UInt8] = Array("objtrace-row-v1\n\(table)\n".utf8)
        func append(_ r: Row) {
            for i in 0..<r.columnCount where !(database.dialect == .postgres && r.columnName(i) == "rowid") {
                let text: String
                switch r.value(i) {
                case .null: text = "n"
                case let .integer(v): text = "i\(v)"
                case let .real(v): text = "r\(v)"
                case let .text(v): text = "t\(v.utf8.count):\(v)"
                case let .blob(v): text = "b\(v.count):" + v.map { String($0, radix: 16) }.joined()
                }
                bytes.append(contentsOf: text.utf8)
                bytes.append(0x1F)
            }
            bytes.append(0x1E)
        }
        let found = try database.queryFirst("SELECT * FROM \(mainPrefix)\(table) WHERE \(Self.rowIDColumn(table)) = ?", [rowID]) { r in
            append(r)
        } != nil
        guard found else { return nil }
        for child in spec.children {
            bytes.append(contentsOf: "\n\(child.table)\n".utf8)
            _ = try database.query("SELECT * FROM \(mainPrefix)\(child.table) WHERE \(child.key) = ? ORDER BY \(child.order)", [rowID]) { r in
                append(r)
            }
        }
        return CaseStore.sha256Hex(bytes)
    }

    /// Every live owning row, as `table/rowid` with its digest.
    func liveRowDigests() throws(StoreError) -> [(key: String, digest: String)] {
        var out: [(String, String)] = []
        for (table, _) in Self.trackedTables {
            let key = Self.rowIDColumn(table)
            for id in try database.query("SELECT \(key) FROM \(mainPrefix)\(table) ORDER BY \(key)", [], { $0.int(0) }) {
                out.append(("\(table)/\(id)", try rowDigest(table: table, rowID: id) ?? "deleted"))
            }
        }
        return out
    }
}

extension Schema {
    /// Version 2: the audit log and reviews refuse `INSERT OR REPLACE` over an existing row (REPLACE deletes
    /// without firing delete triggers), audit rows must extend the chain at its end, and the migration's own
    /// audit entry records every existing case row's digest as the baseline later edits are checked against.
    static let v2AuditIntegrity = """
        CREATE TABLE analysts (
            name        TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 256),
            display     TEXT NOT NULL,
            added_by    TEXT NOT NULL
        ) STRICT;
        CREATE TRIGGER analysts_no_update BEFORE UPDATE ON analysts
        BEGIN SELECT RAISE(ABORT, 'analysts are append-only'); END;
        CREATE TRIGGER analysts_no_delete BEFORE DELETE ON analysts
        BEGIN SELECT RAISE(ABORT, 'analysts are append-only'); END;
        CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log
        WHEN NEW.seq IS NULL OR NEW.seq <> coalesce((SELECT max(seq) FROM audit_log), 0) + 1
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: a new row must follow the last one'); END;
        CREATE TRIGGER reviews_no_replace BEFORE INSERT ON reviews
        WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM reviews WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
        INSERT OR IGNORE INTO temp.audit_touched SELECT 'tips', rowid FROM tips;
        INSERT OR IGNORE INTO temp.audit_touched SELECT 'objects', rowid FROM objects;
        INSERT OR IGNORE INTO temp.audit_touched SELECT 'candidates', rowid FROM candidates;
        INSERT OR IGNORE INTO temp.audit_touched SELECT 'settings', rowid FROM settings;
        INSERT OR IGNORE INTO temp.audit_touched SELECT 'analysts', rowid FROM analysts;
        """
}
