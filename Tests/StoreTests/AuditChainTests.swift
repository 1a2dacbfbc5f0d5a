import CaseWork
import Store
import TestSupport
import Testing

/// Tampering as an attacker with write access to the file would do it: drop the triggers, then edit.
@Suite struct AuditChainTests {
    /// A store with 12 audit rows (five migrations + 7 operations).
    func populated(_ backend: StoreBackend) throws -> TempStore {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")  // add, crop, approve, approve, publish = 5
        try t.tip("one")
        try t.tip("two")
        #expect(try t.store.verifyAudit() == .ok(count: 12))
        try t.dropAuditLogTriggers()
        return t
    }

    func broken(_ t: TempStore, anchor: AuditAnchor? = nil) throws -> AuditBreak {
        guard case let .broken(b) = try t.store.verifyAudit(anchor: anchor) else {
            Issue.record("tampering was not detected")
            throw CaseWorkError.invalidValue(field: "", value: "", reason: "")
        }
        return b
    }

    @Test(arguments: StoreBackend.available, [
        "UPDATE audit_log SET analyst = 'mallory' WHERE seq = 8",
        "UPDATE audit_log SET details = replace(details, 'alice', 'bob') WHERE seq = 8",
        "UPDATE audit_log SET time_ms = time_ms + 1 WHERE seq = 8",
        "UPDATE audit_log SET action = 'object.publish' WHERE seq = 8",
    ])
    func editedRowIsNamed(backend: StoreBackend, sql: String) throws {
        let t = try populated(backend)
        try t.db.run(sql)
        let b = try broken(t)
        #expect(b.seq == 8 && b.problem == .edited)
        #expect(b.description.hasPrefix("audit row 8: edited"))
    }

    @Test(arguments: StoreBackend.available) func deletedRowIsNamed(_ backend: StoreBackend) throws {
        let t = try populated(backend)
        try t.db.run("DELETE FROM audit_log WHERE seq = 6")
        let b = try broken(t)
        #expect(b.seq == 6 && b.problem == .missing)
    }

    @Test(arguments: StoreBackend.available) func deletedFirstRowIsNamed(_ backend: StoreBackend) throws {
        let t = try populated(backend)
        try t.db.run("DELETE FROM audit_log WHERE seq = 1")
        #expect(try broken(t).seq == 1)
    }

    @Test(arguments: StoreBackend.available) func swappedRowsAreReportedAsReordered(_ backend: StoreBackend) throws {
        let t = try populated(backend)
        try t.db.execute("UPDATE audit_log SET seq = 100 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 5; UPDATE audit_log SET seq = 5 WHERE seq = 100;")
        let b = try broken(t)
        #expect(b.seq == 4 && b.problem == .reordered)
        #expect(b.message.contains("row 5"))
    }

    @Test(arguments: StoreBackend.available) func editedAndRehashedRowIsNamed(_ backend: StoreBackend) throws {
        let t = try populated(backend)
        // Re-compute row 5's hash after editing it, as a careful attacker would; row 5's link then breaks.
        let row = try #require(try t.store.auditLog(from: 5, limit: 1).first)
        let forged = AuditEntry.canonicalBytes(seq: row.seq, time: row.time, analyst: "mallory", action: row.action,
                                               subject: row.subject, details: row.details, prevHash: row.prevHash)
        try t.db.run("UPDATE audit_log SET analyst = 'mallory', hash = ? WHERE seq = 5", [CaseStore.sha256Hex(forged)])
        let b = try broken(t)
        #expect(b.seq == 5 && b.problem == .edited)
        #expect(b.message.contains("re-hashed"))
    }

    @Test(arguments: StoreBackend.available) func truncationIsCaughtWithAnAnchor(_ backend: StoreBackend) throws {
        let t = try populated(backend)
        let anchor = try #require(try t.store.auditHead())
        #expect(anchor.seq == 12)
        #expect(try t.store.verifyAudit(anchor: anchor) == .ok(count: 12))
        try t.db.run("DELETE FROM audit_log WHERE seq >= 10")
        // The chain alone cannot see a cut end; the tips those rows recorded now have no audit entry.
        #expect(try broken(t).problem == .rowUnrecorded)
        let b = try broken(t, anchor: anchor)
        #expect(b.seq == 12 && b.problem == .truncated)
    }

    @Test(arguments: StoreBackend.available) func everyRowEditIsCaught(_ backend: StoreBackend) throws {
        let t = try populated(backend)
        for seq in 1...12 {
            try t.db.run("UPDATE audit_log SET subject = subject || ' ' WHERE seq = ?", [seq])
            let b = try broken(t)
            #expect(b.seq == Int64(seq) && b.problem == .edited)
            try t.db.run("UPDATE audit_log SET subject = rtrim(subject, ' ') WHERE seq = ?", [seq])
            #expect(try t.store.verifyAudit() == .ok(count: 12))
        }
    }

    @Test(arguments: StoreBackend.available) func mistypedAnchorIsAnAnchorMismatchNotTruncation(_ backend: StoreBackend) throws {
        let t = try populated(backend)
        let b = try broken(t, anchor: AuditAnchor(seq: 5, hash: "deadbeef"))
        #expect(b.seq == 5 && b.problem == .anchorMismatch)
        #expect(b.description.contains("anchor-mismatch") && !b.description.contains("truncated"))
    }

    @Test(arguments: StoreBackend.available) func fullyRehashedChainIsCaughtByTheAnchor(_ backend: StoreBackend) throws {
        let t = try populated(backend)
        let anchor = try #require(try t.store.auditHead())
        // Rewrite row 5 and re-hash it and every row after it: the chain alone verifies again.
        var prev = try #require(try t.store.auditLog(from: 4, limit: 1).first).hash
        for row in try t.store.auditLog(from: 5) {
            let analyst = row.seq == 5 ? "mallory" : row.analyst
            let hash = CaseStore.sha256Hex(AuditEntry.canonicalBytes(seq: row.seq, time: row.time, analyst: analyst, action: row.action,
                                                                     subject: row.subject, details: row.details, prevHash: prev))
            try t.db.run("UPDATE audit_log SET analyst = ?, prev_hash = ?, hash = ? WHERE seq = ?", [analyst, prev, hash, row.seq])
            prev = hash
        }
        #expect(try t.store.verifyAudit() == .ok(count: 12))
        let b = try broken(t, anchor: anchor)
        #expect(b.seq == 12 && b.problem == .anchorMismatch)
    }

    @Test(arguments: StoreBackend.available, [
        "UPDATE tips SET text = 'EDITED' WHERE id = 1",
        "UPDATE tip_claims SET value = 'Other' WHERE tip_id = 1",
        "DELETE FROM tip_claims WHERE tip_id = 1",
        "UPDATE objects SET state = 'identified', origin_countries = 'SE'",
        "INSERT INTO object_approvals (object_id, ordinal, analyst) VALUES (1, 9, 'mallory')",
        "UPDATE tips SET match_score = 99",
    ])
    func caseDataEditedOutsideObjtraceIsCaught(backend: StoreBackend, sql: String) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        try t.tip("one", brand: "Alpro")
        try t.tip("two")
        #expect(try t.store.verifyAudit() == .ok(count: 12))
        // A second connection, as the sqlite3 shell would be: no objtrace triggers there.
        let shell = try Database(path: t.path)
        try shell.execute(sql)
        let b = try broken(t)
        #expect(b.problem == .rowChanged)
        #expect(b.row != nil && b.description.contains("changed outside objtrace"))
    }

    @Test(arguments: StoreBackend.available) func caseRowsAddedOrDeletedOutsideObjtraceAreCaught(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.tip("one")
        try t.tip("two")
        let shell = try Database(path: t.path)
        try shell.run("INSERT INTO settings (key, value) VALUES ('match-policy', '{}')")
        #expect(try broken(t).problem == .rowUnrecorded)
        try shell.run("DELETE FROM settings")
        #expect(try t.store.verifyAudit() == .ok(count: 7))
        try shell.run("DELETE FROM tips WHERE id = 2")
        let b = try broken(t)
        #expect(b.problem == .rowDeleted && b.row == "tips/2")
    }

    @Test(arguments: StoreBackend.available) func insertOrReplaceCannotOverwriteAuditRowsOrReviews(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        let row = try #require(try t.store.auditLog(from: 5, limit: 1).first)
        let shell = try Database(path: t.path)
        // SQLite's REPLACE deletes without firing delete triggers; PostgreSQL's spelling is an upsert.
        let (replaceAudit, replaceReview) = backend == .sqlite
            ? ("INSERT OR REPLACE INTO audit_log (seq, time_ms, analyst, action, subject, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
               "REPLACE INTO reviews (id, time_ms, analyst, subject_kind, subject_key, action, reason) VALUES (1, 0, 'mallory', 'object', 'x', 'approve', '')")
            : ("INSERT INTO audit_log (seq, time_ms, analyst, action, subject, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (seq) DO UPDATE SET analyst = excluded.analyst",
               "INSERT INTO reviews (id, time_ms, analyst, subject_kind, subject_key, action, reason) VALUES (1, 0, 'mallory', 'object', 'x', 'approve', '') ON CONFLICT (id) DO UPDATE SET analyst = excluded.analyst")
        do {
            try shell.run(replaceAudit, [row.seq, row.time.millisecondsSince1970, "mallory", row.action, row.subject, row.details, row.prevHash, row.hash])
            Issue.record("replacing an audit row was allowed")
        } catch let e {
            #expect(e.message.contains("append-only"))
        }
        do {
            try shell.run(replaceReview)
            Issue.record("replacing a review was allowed")
        } catch let e {
            #expect(e.message.contains("append-only"))
        }
        #expect(try t.store.auditLog(from: 5, limit: 1).first?.analyst == row.analyst)
        #expect(try t.store.verifyAudit() == .ok(count: 10))
    }

    @Test(arguments: StoreBackend.available) func legitimateOperationsKeepRowsVerified(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        let one = try t.tip("one", about: "TAO-2026-014", brand: "Alpro")
        try t.store.setMatchScores([one.tipID: 0.5], by: Ana.alice)
        try t.store.review(one.tipID, decision: .relevant, reason: "ok", by: Ana.bob)
        try t.store.linkTip(one.tipID, to: ObjectCode("TAO-2026-014"), by: Ana.bob)
        #expect(try t.store.verifyAudit() == .ok(count: try t.store.auditLog().count))
    }
}
