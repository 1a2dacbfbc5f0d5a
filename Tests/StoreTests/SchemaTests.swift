import CaseWork
import Foundation
import Store
import TestSupport
import Testing

@Suite struct SchemaTests {
    @Test(arguments: StoreBackend.available) func migratesFromEmpty(_ backend: StoreBackend) throws {
        let t = try TempStore(backend, migrate: false)
        #expect(try t.store.schemaVersion() == 0)
        #expect(try t.store.migrate() == CaseStore.latestSchemaVersion)
        #expect(try t.store.schemaVersion() == CaseStore.latestSchemaVersion)
        #expect(try t.store.migrate() == 0)  // idempotent
        let tables = Set(try t.db.tableNames())
        for name in ["objects", "object_approvals", "object_crops", "hashes", "tips", "tip_claims", "tip_photos",
                     "candidates", "candidate_support", "reviews", "audit_log", "import_progress", "banks", "bank_hashes"] {
            #expect(tables.contains(name), "missing table \(name)")
        }
        let first = try #require(try t.store.auditLog().first)
        #expect(first.seq == 1 && first.action == "schema.migrate" && first.prevHash == AuditEntry.genesisHash)
        #expect(try t.store.verifyAudit() == .ok(count: Migrations.count))
    }

    @Test(arguments: StoreBackend.available) func walAndForeignKeysAreOn(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        if backend == .sqlite {
            #expect(try t.db.queryFirst("PRAGMA journal_mode") { $0.text(0) } == "wal")
            #expect(try t.db.queryFirst("PRAGMA foreign_keys") { $0.int(0) } == 1)
            #expect(FileManager.default.fileExists(atPath: t.path + "-wal"))
        }
        // A dangling reference is refused by the database itself.
        let digest = try sha("x").value
        do {
            try t.db.run("INSERT INTO object_crops (object_id, sha256, width, height, path) VALUES (999, ?, 1, 1, 'x')",
                         [digest])
            Issue.record("foreign key not enforced")
        } catch let e {
            #expect(e.kind == (backend == .sqlite ? .sqlite : .postgres) && e.resultCode == 787)  // SQLITE_CONSTRAINT_FOREIGNKEY
            #expect(backend == .sqlite || e.sqlState == "23503")
            #expect(e.sql?.contains("INSERT INTO object_crops") == true)
        }
    }

    @Test(arguments: StoreBackend.available) func reopeningKeepsDataAndSettings(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-001")
        let again = try CaseStore(path: t.path)
        #expect(try again.schemaVersion() == CaseStore.latestSchemaVersion)
        #expect(try again.object(ObjectCode("TAO-2026-001")).state == .published)
        if backend == .sqlite { #expect(try again.database.queryFirst("PRAGMA foreign_keys") { $0.int(0) } == 1) }
    }

    @Test(arguments: StoreBackend.available) func checkSchemaNamesTheProblem(_ backend: StoreBackend) throws {
        let t = try TempStore(backend, migrate: false)
        #expect(throws: StoreError(kind: .schema, message: "\(t.path) is not an objtrace store yet (run `objtrace init`)")) {
            try t.store.checkSchema()
        }
        try t.store.migrate()
        try t.store.checkSchema()
        let bulk = try CaseStore(path: t.path, durability: .normal)
        switch backend {
        case .sqlite:
            #expect(try t.db.queryFirst("PRAGMA synchronous") { $0.int(0) } == 2)  // FULL by default
            #expect(try bulk.database.queryFirst("PRAGMA synchronous") { $0.int(0) } == 1)
        case .postgres:
            #expect(try t.db.queryFirst("SHOW synchronous_commit") { $0.text(0) } == "on")
            #expect(try bulk.database.queryFirst("SHOW synchronous_commit") { $0.text(0) } == "off")
        }
    }

    /// A store written by the previous release (schema 1) migrates to 2: the fake `localfeat` hash rows
    /// move to `local_features`, tips and audit stay, and the change counters and aggregates start empty
    /// (every object stale, rebuilt on first use).
    @Test(arguments: StoreBackend.available) func migratesAVersion1Store(_ backend: StoreBackend) throws {
        let t = try TempStore(backend, migrate: false)
        #expect(try t.store.migrate(upTo: 1) == 1)
        #expect(try t.store.schemaVersion() == 1)
        let crop = try t.draft("TAO-2026-009")
        let blob = try sha("feature blob")
        try t.store.recordHashes([HashRecord(algo: "localfeat", hex: blob.value)], for: .objectCrop(crop.id), by: Ana.alice)
        _ = try t.tip("a tip from the old release", photo: "old")
        try t.db.run("INSERT INTO banks (name, kind) VALUES ('old', 'something-else')")
        #expect(throws: StoreError.self) { try t.store.checkSchema() }
        #expect(try t.store.migrate(by: Ana.alice) == 4)  // 2, 3, 4 and 5
        try t.store.checkSchema()
        #expect(try t.db.queryFirst("SELECT count(*) FROM hashes WHERE algo = 'localfeat'") { $0.int(0) } == 0)
        #expect(try t.db.queryFirst("SELECT crop_id, blob_sha256 FROM local_features") { "\($0.int(0)) \($0.text(1))" }
                    == "\(crop.id) \(blob.value)")
        #expect(try t.db.queryFirst("SELECT count(*) FROM evidence_fresh") { $0.int(0) } == 0)
        #expect(try t.store.changeCounters() == ["catalogue": 0, "banks": 0, "settings": 0])
        #expect(try t.store.verifyAudit() == .ok(count: try t.store.auditLog().count))
        #expect(try t.lastAudit().action == "schema.migrate")
        // The closed vocabularies are enforced from now on.
        #expect(throws: StoreError.self) { try t.db.run("INSERT INTO banks (name, kind) VALUES ('new', 'blocklist')") }
        // A catalogue change bumps its counter, whoever makes it.
        try t.store.approve(ObjectCode("TAO-2026-009"), by: Ana.alice)
        try t.store.approve(ObjectCode("TAO-2026-009"), by: Ana.bob)
        #expect(try t.store.changeCounters()["catalogue"]! > 0)
    }

    @Test(arguments: StoreBackend.available) func newerSchemaIsRefused(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.db.execute(backend == .sqlite ? "PRAGMA user_version = 99" : "UPDATE schema_version SET version = 99")
        #expect(throws: StoreError.self) { try t.store.migrate() }
    }

    @Test(arguments: StoreBackend.available) func sqlConstraintsBackTheDomain(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.draft("TAO-2026-002")
        try t.store.approve(ObjectCode("TAO-2026-002"), by: Ana.alice)
        // Four-eyes trigger: one approval on file is not enough even for raw SQL.
        #expect(throws: StoreError.self) { try t.db.run("UPDATE objects SET state = 'approved'") }
        // The same analyst cannot be on file twice.
        #expect(throws: StoreError.self) {
            try t.db.run("INSERT INTO object_approvals (object_id, ordinal, analyst) VALUES (1, 5, 'alice')")
        }
        // A contact without opt-in is refused.
        #expect(throws: StoreError.self) {
            try t.db.run("INSERT INTO tips (received_day, channel, language, text, state, contact_opt_in, contact, content_sha256) VALUES ('2026-11-29','cli','en','x','received',0,'me@x',?)",
                         [try sha("c").value])
        }
        // Hashes need an existing owner.
        #expect(throws: StoreError.self) {
            try t.store.recordHashes([HashRecord(algo: "phash", hex: "0011223344556677")], for: .tipPhoto(42), by: Ana.alice)
        }
        // Append-only triggers.
        for sql in ["UPDATE audit_log SET analyst = 'mallory'", "DELETE FROM audit_log", "DELETE FROM reviews"] {
            do {
                try t.db.run(sql)
                Issue.record("\(sql) was allowed")
            } catch let e {
                #expect(e.primaryResultCode == 19 && e.message.contains("append-only"))  // SQLITE_CONSTRAINT
            }
        }
    }

    @Test func bindingRoundTripsValues() throws {
        let t = try TempStore()
        try t.db.execute("CREATE TEMP TABLE v (a BLOB)")
        let values: [SQLValue] = [.null, .integer(-7), .real(2.5), .text(""), .text("a\u{0}b é"), .blob([0, 1, 255]), .blob([])]
        for v in values { try t.db.run("INSERT INTO v (a) VALUES (?)", [v]) }
        let back = try t.db.query("SELECT a FROM v ORDER BY rowid") { $0.value(0) }
        #expect(back == values)
        #expect(throws: StoreError.self) { try t.db.run("INSERT INTO v (a) VALUES (?)", []) }
    }

    /// PostgreSQL columns have one type each, so each storage class round-trips through its own column; text
    /// with a NUL byte, which SQLite keeps, is refused by PostgreSQL (a refusal, never a truncation).
    @Test(arguments: StoreBackend.available.filter { $0 == .postgres })
    func bindingRoundTripsValuesOnPostgres(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.db.execute("CREATE TEMP TABLE v (n BIGSERIAL, i BIGINT, r DOUBLE PRECISION, t TEXT, b BYTEA)")
        let rows: [[SQLValue]] = [
            [.null, .null, .null, .null], [.integer(-7), .real(2.5), .text(""), .blob([0, 1, 255])],
            [.integer(Int64.max), .real(-0.125), .text("a b é ✓"), .blob([])],
        ]
        for r in rows { try t.db.run("INSERT INTO v (i, r, t, b) VALUES (?, ?, ?, ?)", r) }
        let back = try t.db.query("SELECT i, r, t, b FROM v ORDER BY n") { r in (0..<4).map { r.value(Int32($0)) } }
        #expect(back == rows)
        #expect(throws: StoreError.self) { try t.db.run("INSERT INTO v (t) VALUES (?)", [SQLValue.text("a\u{0}b")]) }
        #expect(throws: StoreError.self) { try t.db.run("INSERT INTO v (i) VALUES (?)", []) }
        // `?N` placeholders repeat a value; quoted question marks are text, not parameters.
        #expect(try t.db.queryFirst("SELECT ?1 || '?' || ?1", ["x"]) { $0.text(0) } == "x?x")
    }
}

@Suite struct DigestTests {
    @Test func sha256MatchesTheStandardVectors() {
        #expect(CaseStore.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(CaseStore.sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
