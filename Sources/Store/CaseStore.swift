public import CaseWork
import Crypto
import Foundation

/// The case-work store: objects, tips, candidates, reviews and the audit log in one SQLite file.
///
/// Every mutating operation runs in one `BEGIN IMMEDIATE` transaction and appends its audit entry in that
/// same transaction, so either the change and its audit row are both on disk or neither is. A domain
/// refusal (`CaseWorkError`) rolls back and changes nothing; persistence failures throw `StoreError`.
/// Not `Sendable`: one store per thread or task (open another for another process or thread).
public final class CaseStore {
    /// The underlying connection (for tools and tests that need raw SQL).
    public let database: Database
    let clock: () -> Timestamp
    /// Object row ids by code (objects are never deleted or renamed), read on this connection; emptied after
    /// any rollback, which may have undone the insert a cached id came from.
    var objectIDs: [String: Int64] = [:]
    var objectIDsRollbackCount = 0
    /// Whether the analysts table exists (tables are never dropped once created), as of `analystsTableRollbackCount`.
    var analystsTableExists = false
    var analystsTableRollbackCount = 0

    /// The schema version this build writes.
    public static var latestSchemaVersion: Int { Schema.latestVersion }

    /// The current wall clock as a `Timestamp`.
    public static func systemClock() -> Timestamp {
        Timestamp(millisecondsSince1970: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// How hard a commit tries to reach the disk (`PRAGMA synchronous` in WAL mode).
    public enum Durability: String, Sendable {
        /// fsync on every commit: a committed decision survives power loss (~2.5 ms more per commit here).
        case full = "FULL"
        /// fsync only at checkpoints: survives a killed process, may lose the last commits on power loss,
        /// never consistency. For bulk imports, which are resumable anyway.
        case normal = "NORMAL"
    }

    /// Opens (creating if needed) the store at `path`: WAL journal, foreign keys on, 5 s busy timeout.
    /// A `postgres://user@host:port/db` URL opens that PostgreSQL database instead (it must exist; the schema
    /// is created by `migrate`); there `durability` sets `synchronous_commit`.
    /// Call `migrate()` (or `checkSchema()`) before use.
    public init(
        path: String, durability: Durability = .full, clock: @escaping () -> Timestamp = CaseStore.systemClock
    ) throws(StoreError) {
        database = try Database(path: path)
        self.clock = clock
        if database.dialect == .postgres {
            try database.execute("SET synchronous_commit = \(durability == .full ? "on" : "off")")
            try installRowTracking()
            return
        }
        // Switching to WAL needs a moment of exclusive access when many processes open a new store at once.
        var mode: String?
        for attempt in 0..<12 {
            do {
                mode = try database.queryFirst("PRAGMA journal_mode = WAL") { $0.text(0) }
                break
            } catch let error where error.isBusy && attempt < 11 {
                Thread.sleep(forTimeInterval: 0.025 * Double(1 << min(attempt, 6)) * Double.random(in: 0.5...1.5))
            }
        }
        guard mode?.lowercased() == "wal" else {
            throw StoreError(kind: .schema, message: "cannot switch \(path) to WAL (journal_mode is \(mode ?? "?"))")
        }
        try database.execute("PRAGMA foreign_keys = ON; PRAGMA synchronous = \(durability.rawValue);")
        try installRowTracking()
    }

    /// Runs `body` (a whole transaction, not a nested one) again when SQLite reports the store busy, with
    /// exponential backoff and jitter (25 ms doubling to 1.6 s, about 20 s in all beyond the busy timeouts):
    /// many processes writing at once wait their turn instead of failing with `database is locked`.
    public func retryingWhenBusy<T>(attempts: Int = 12, _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as StoreError where error.isBusy && attempt + 1 < attempts && !database.isInTransaction {
                let base = 0.025 * Double(1 << min(attempt, 6))
                Thread.sleep(forTimeInterval: base * Double.random(in: 0.5...1.5))
                attempt += 1
            }
        }
    }

    /// Throws a clear `.schema` error unless the file has exactly this build's schema (for commands other
    /// than `init`, which should not silently create or upgrade a store).
    public func checkSchema() throws(StoreError) {
        let version = try schemaVersion()
        if version == 0 {
            throw StoreError(kind: .schema, message: "\(database.path) is not an objtrace store yet (run `objtrace init`)")
        }
        if version != Schema.latestVersion {
            throw StoreError(kind: .schema, message: "\(database.path) has schema version \(version), this build needs \(Schema.latestVersion) (run `objtrace init` to migrate)")
        }
    }

    /// The schema version recorded in the file (`PRAGMA user_version`; PostgreSQL: the `schema_version`
    /// table), 0 for a new store.
    public func schemaVersion() throws(StoreError) -> Int {
        switch database.dialect {
        case .sqlite:
            return Int(try database.queryFirst("PRAGMA user_version") { $0.int(0) } ?? 0)
        case .postgres:
            guard try database.tableExists("schema_version") else { return 0 }
            return Int(try database.queryFirst("SELECT version FROM schema_version") { $0.int(0) } ?? 0)
        }
    }

    private func setSchemaVersion(_ version: Int) throws(StoreError) {
        switch database.dialect {
        case .sqlite: try database.execute("PRAGMA user_version = \(version)")
        case .postgres: try database.run("UPDATE schema_version SET version = ?", [version])
        }
    }

    /// Applies pending migrations in order, each in its own transaction with its audit entry; returns how
    /// many were applied (0 when up to date). A new file gets every step in one transaction and one audit
    /// entry (creating a store is one event). Refuses a file written by a newer schema. `upTo` stops at an
    /// earlier version (for tests of the migrations themselves).
    @discardableResult
    public func migrate(by analyst: AnalystID? = nil, upTo target: Int? = nil) throws -> Int {
        let current = try schemaVersion()
        guard current <= Schema.latestVersion else {
            throw StoreError(kind: .schema,
                             message: "\(database.path) has schema version \(current); this build knows up to \(Schema.latestVersion)")
        }
        let pending = Schema.migrations.filter { $0.version > current && $0.version <= (target ?? Schema.latestVersion) }
        guard !pending.isEmpty else { return 0 }
        let steps = current == 0 ? [pending] : pending.map { [$0] }
        for group in steps {
            try database.transaction {
                // One audit entry per migration, also when a new store takes them all in one transaction.
                for migration in group {
                    try database.execute(migration.script(for: database.dialect))
                    try setSchemaVersion(migration.version)
                    var details: [String: AuditValue] = ["version": .int(Int64(migration.version)), "name": .string(migration.name)]
                    switch database.dialect {
                    case .sqlite: details["sqlite"] = .string(Database.sqliteVersion)
                    case .postgres: details["postgres"] = .string(try database.queryFirst("SHOW server_version") { $0.text(0) } ?? "?")
                    }
                    try appendAudit(analyst: analyst?.name ?? "system", action: .schemaMigrate, subject: .other("store"),
                                    details: details)
                }
            }
        }
        try installRowTracking()
        return pending.count
    }

    // MARK: - audit

    /// Appends one audit entry; must run inside the caller's transaction so it commits with the change.
    @discardableResult
    func appendAudit(
        analyst: String, action: AuditAction, subject: Subject, details: [String: AuditValue], time: Timestamp? = nil
    ) throws -> AuditEntry {
        precondition(database.isInTransaction, "audit entries are written inside the operation's transaction")
        try checkRegisteredAnalyst(analyst, action: action)
        let last = try database.queryFirst("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1") {
            ($0.int(0), $0.text(1))
        }
        let seq = (last?.0 ?? 0) + 1
        let prev = last?.1 ?? AuditEntry.genesisHash
        let at = time ?? clock()
        var details = details
        let rows = try takeTouchedRowDigests()
        if !rows.isEmpty { details["rows"] = .object(rows) }
        let detailText = AuditValue.object(details).json
        let bytes = AuditEntry.canonicalBytes(seq: seq, time: at, analyst: analyst, action: action.rawValue,
                                              subject: subject.description, details: detailText, prevHash: prev)
        let entry = AuditEntry(seq: seq, time: at, analyst: analyst, action: action.rawValue,
                               subject: subject.description, details: detailText, prevHash: prev,
                               hash: CaseStore.sha256Hex(bytes))
        try database.run(
            "INSERT INTO audit_log (seq, time_ms, analyst, action, subject, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
            [entry.seq, at.millisecondsSince1970, entry.analyst, entry.action, entry.subject, entry.details,
             entry.prevHash, entry.hash])
        return entry
    }

    /// Records a review row (who, when, what, why) inside the caller's transaction.
    func appendReview(_ review: Review) throws {
        try database.run(
            "INSERT INTO reviews (time_ms, analyst, subject_kind, subject_key, action, reason) VALUES (?,?,?,?,?,?)",
            [review.at.millisecondsSince1970, review.analyst.name, review.subject.kind, review.subject.key,
             review.action, review.reason])
    }

    /// Audit entries in order, starting at `seq`.
    public func auditLog(from seq: Int64 = 1, limit: Int = .max) throws(StoreError) -> [AuditEntry] {
        try database.query(
            "SELECT seq, time_ms, analyst, action, subject, details, prev_hash, hash FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?",
            [seq, Int64(min(limit, Int(Int64.max)))]
        ) { r in
            AuditEntry(seq: r.int(0), time: Timestamp(millisecondsSince1970: r.int(1)), analyst: r.text(2),
                       action: r.text(3), subject: r.text(4), details: r.text(5), prevHash: r.text(6), hash: r.text(7))
        }
    }

    /// The reviews of one subject, oldest first.
    public func reviews(of subject: Subject) throws -> [Review] {
        let rows = try database.query(
            "SELECT time_ms, analyst, action, reason FROM reviews WHERE subject_kind = ? AND subject_key = ? ORDER BY id",
            [subject.kind, subject.key]
        ) { ($0.int(0), $0.text(1), $0.text(2), $0.text(3)) }
        return try rows.map { row in
            try Review(analyst: AnalystID(row.1), at: Timestamp(millisecondsSince1970: row.0), subject: subject,
                       action: row.2, reason: row.3)
        }
    }

    /// Lower-case hex SHA-256 of some bytes.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

@available(*, unavailable)
extension CaseStore: Sendable {}
