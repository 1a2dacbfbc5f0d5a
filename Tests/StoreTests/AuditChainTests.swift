import CaseWork
import Store
import Testing

/// Tampering as an attacker with write access to the file would do it: drop the triggers, then edit.
@Suite struct AuditChainTests {
    /// A store with 8 audit rows (migration + 7 operations).
    func populated() throws -> TempStore {
        let t = try TempStore()
        try t.published("TAO-2026-014")  // add, crop, approve, approve, publish = 5
        try t.tip("one")
        try t.tip("two")
        #expect(try t.store.verifyAudit() == .ok(count: 8))
        try t.db.execute("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        return t
    }

    func broken(_ t: TempStore, anchor: AuditAnchor? = nil) throws -> AuditBreak {
        guard case let .broken(b) = try t.store.verifyAudit(anchor: anchor) else {
            Issue.record("tampering was not detected")
            throw CaseWorkError.invalidValue(field: "", value: "", reason: "")
        }
        return b
    }

    @Test(arguments: [
        "UPDATE audit_log SET analyst = 'mallory' WHERE seq = 4",
        "UPDATE audit_log SET details = replace(details, 'alice', 'bob') WHERE seq = 4",
        "UPDATE audit_log SET time_ms = time_ms + 1 WHERE seq = 4",
        "UPDATE audit_log SET action = 'object.publish' WHERE seq = 4",
    ])
    func editedRowIsNamed(sql: String) throws {
        let t = try populated()
        try t.db.run(sql)
        let b = try broken(t)
        #expect(b.seq == 4 && b.problem == .edited)
        #expect(b.description.hasPrefix("audit row 4: edited"))
    }

    @Test func deletedRowIsNamed() throws {
        let t = try populated()
        try t.db.run("DELETE FROM audit_log WHERE seq = 5")
        let b = try broken(t)
        #expect(b.seq == 5 && b.problem == .missing)
    }

    @Test func deletedFirstRowIsNamed() throws {
        let t = try populated()
        try t.db.run("DELETE FROM audit_log WHERE seq = 1")
        #expect(try broken(t).seq == 1)
    }

    @Test func swappedRowsAreReportedAsReordered() throws {
        let t = try populated()
        try t.db.execute("UPDATE audit_log SET seq = 100 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 100;")
        let b = try broken(t)
        #expect(b.seq == 3 && b.problem == .reordered)
        #expect(b.message.contains("row 4"))
    }

    @Test func editedAndRehashedRowIsNamed() throws {
        let t = try populated()
        // Re-compute row 4's hash after editing it, as a careful attacker would; row 5's link then breaks.
        let row = try #require(try t.store.auditLog(from: 4, limit: 1).first)
        let forged = AuditEntry.canonicalBytes(seq: row.seq, time: row.time, analyst: "mallory", action: row.action,
                                               subject: row.subject, details: row.details, prevHash: row.prevHash)
        try t.db.run("UPDATE audit_log SET analyst = 'mallory', hash = ? WHERE seq = 4", [CaseStore.sha256Hex(forged)])
        let b = try broken(t)
        #expect(b.seq == 4 && b.problem == .edited)
        #expect(b.message.contains("re-hashed"))
    }

    @Test func truncationIsCaughtOnlyWithAnAnchor() throws {
        let t = try populated()
        let anchor = try #require(try t.store.auditHead())
        #expect(anchor.seq == 8)
        #expect(try t.store.verifyAudit(anchor: anchor) == .ok(count: 8))
        try t.db.run("DELETE FROM audit_log WHERE seq >= 7")
        #expect(try t.store.verifyAudit() == .ok(count: 6))  // the chain alone cannot see a cut end
        let b = try broken(t, anchor: anchor)
        #expect(b.seq == 8 && b.problem == .truncated)
    }

    @Test func everyRowEditIsCaught() throws {
        let t = try populated()
        for seq in 1...8 {
            try t.db.run("UPDATE audit_log SET subject = subject || ' ' WHERE seq = ?", [seq])
            let b = try broken(t)
            #expect(b.seq == Int64(seq) && b.problem == .edited)
            try t.db.run("UPDATE audit_log SET subject = rtrim(subject, ' ') WHERE seq = ?", [seq])
            #expect(try t.store.verifyAudit() == .ok(count: 8))
        }
    }
}
