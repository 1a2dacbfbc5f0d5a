import CaseWork
import Store
import TestSupport
import Testing

/// Registered analysts: once the register has a name, only registered analysts act.
@Suite struct AnalystRegisterTests {
    @Test(arguments: StoreBackend.available) func unknownAnalystsAreRefusedOnceAnyIsRegistered(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.tip("before any registration")  // no register yet: anyone may act
        try t.store.addAnalyst(Ana.alice, display: "Alice", by: Ana.alice)
        try t.store.addAnalyst(Ana.bob, display: "Bob", by: Ana.alice)
        let before = try t.snapshot()
        #expect(throws: CaseWorkError.self) { try t.store.submitTip(t.submission("by carol"), by: Ana.carol) }
        #expect(throws: CaseWorkError.self) { try t.store.addAnalyst(Ana.carol, display: "Carol", by: Ana.carol) }
        #expect(try t.snapshot() == before, "a refused command changes nothing")
        try t.tip("by alice")
        #expect(try t.store.analysts().map(\.id.name) == ["alice", "bob"])
        #expect(throws: CaseWorkError.self) { try t.store.addAnalyst(AnalystID("ALICE"), display: "ALICE", by: Ana.bob) }
        #expect(try t.store.verifyAudit() == .ok(count: try t.store.auditLog().count))
    }
}
