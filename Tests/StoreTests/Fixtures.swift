import CaseWork
import Foundation
import Store
import TestSupport
import Testing

/// A deterministic clock: starts 2026-11-29T10:00:00Z and advances one second per reading.
final class TestClock {
    var ms: Int64 = 20_786 * 86_400_000 + 10 * 3_600_000

    func now() -> Timestamp {
        ms += 1000
        return Timestamp(millisecondsSince1970: ms)
    }
}

/// A migrated store in a fresh temporary folder (SQLite) or a fresh database (PostgreSQL), removed when released.
final class TempStore {
    let dir: URL
    /// The SQLite file, or the PostgreSQL URL (no password: the test server trusts or reads PGPASSWORD).
    let path: String
    let backend: StoreBackend
    let clock = TestClock()
    let store: CaseStore
    private let postgres: PostgresURL?

    init(_ backend: StoreBackend = .sqlite, migrate: Bool = true, durability: CaseStore.Durability = .full) throws {
        self.backend = backend
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("objtrace-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        switch backend {
        case .sqlite:
            postgres = nil
            path = dir.appendingPathComponent("objtrace.sqlite").path
        case .postgres:
            let url = try #require(try PostgresTestServer.createDatabase(), "\(PostgresTestServer.skipMessage)")
            postgres = url
            path = url.redacted
        }
        let clock = self.clock
        store = try CaseStore(path: path, durability: durability, clock: { clock.now() })
        if migrate { try store.migrate() }
    }

    deinit {
        store.database.close()
        if let postgres { PostgresTestServer.dropDatabase(postgres) }
        try? FileManager.default.removeItem(at: dir)
    }

    var db: Database { store.database }

    /// Every table's rows plus the schema version: equal snapshots mean nothing changed.
    func snapshot() throws -> [String: [[SQLValue]]] {
        var out: [String: [[SQLValue]]] = [:]
        for t in try db.tableNames() {
            out[t] = try db.query("SELECT * FROM \"\(t)\"") { r in (0..<r.columnCount).map { r.value($0) } }
                .sorted { "\($0)" < "\($1)" }
        }
        out["user_version"] = [[.integer(Int64(try store.schemaVersion()))]]
        return out
    }

    /// Drops the audit log's no-update and no-delete triggers, as an attacker with write access would.
    func dropAuditLogTriggers() throws {
        switch backend {
        case .sqlite: try db.execute("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        case .postgres: try db.execute("DROP TRIGGER audit_log_no_update ON audit_log; DROP TRIGGER audit_log_no_delete ON audit_log;")
        }
    }

    func lastAudit() throws -> AuditEntry {
        let head = try #require(try store.auditHead())
        return try #require(try store.auditLog(from: head.seq).first)
    }

    /// Adds a draft with one crop (real SHA-256 of distinct bytes) and returns the crop.
    @discardableResult
    func draft(_ code: String, by analyst: AnalystID = Ana.alice) throws -> StoredCrop {
        let c = try ObjectCode(code)
        try store.addObject(code: c, title: "Object \(code)", category: .bottle, question: "Where is this sold?", by: analyst)
        let crop = try ObjectCrop(sha256: sha("crop-\(code)"), width: 320, height: 240)
        return try store.addCrop(to: c, crop: crop, storedPath: "crops/\(crop.sha256).png",
                                 hashes: [HashRecord(algo: "pdq", hex: String(repeating: "ab", count: 32), quality: 88)],
                                 by: analyst)
    }

    /// A published object.
    func published(_ code: String) throws {
        try draft(code)
        let c = try ObjectCode(code)
        try store.approve(c, by: Ana.alice)
        try store.approve(c, by: Ana.bob)
        try store.publish(c, by: Ana.bob)
    }

    /// Submits a tip with the given text (and optional photo seed).
    @discardableResult
    func tip(_ text: String, photo: String? = nil, about: String? = nil, brand: String? = nil) throws -> SubmitResult {
        try store.submitTip(submission(text, photo: photo, about: about, brand: brand), by: Ana.alice)
    }

    func submission(_ text: String, photo: String? = nil, about: String? = nil, brand: String? = nil) throws -> TipSubmission {
        let photos = try photo.map { seed in
            [TipPhoto(originalSHA256: try sha("orig-" + seed), workingSHA256: try sha("work-" + seed),
                      originalHadGPS: true, originalHadDeviceSerial: false)]
        } ?? []
        return try TipSubmission(receivedOn: DayDate(iso: "2026-11-29"), channel: .cli, language: "en", text: text,
                                 claims: TipClaims(brand: brand), photos: photos,
                                 aboutObject: try about.map { try ObjectCode($0) })
    }
}

/// Analysts used across tests.
enum Ana {
    static let alice = try! AnalystID("alice")
    static let bob = try! AnalystID("bob")
    static let carol = try! AnalystID("carol")
}

/// The SHA-256 of a string's bytes: real digests, distinct per seed.
func sha(_ seed: String) throws -> SHA256Hex { try SHA256Hex(CaseStore.sha256Hex(Array(seed.utf8))) }

/// Audit entries a fresh store starts with: one per schema migration.
enum Migrations {
    static var count: Int { CaseStore.latestSchemaVersion }
}
