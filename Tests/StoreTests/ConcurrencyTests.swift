import CaseWork
import Foundation
import Store
import TestSupport
import Testing

/// Two analysts on two connections (two machines, for PostgreSQL) acting on the same subject at the same
/// moment: exactly one wins, the other gets the refusal the CLI prints today, and the audit chain stays one
/// linear chain. Each round starts both calls together behind a barrier, so they really overlap.
@Suite struct ConcurrencyTests {
    /// Runs `body(0)` and `body(1)` on two threads at once, each with its own store connection; returns what
    /// each returned or threw.
    static func race<T: Sendable>(
        _ path: String, _ body: @escaping @Sendable (CaseStore, Int) throws -> T
    ) -> [Result<T, any Error>] {
        let results = Locked<[Int: Result<T, any Error>]>([:])
        let ready = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for n in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                let result: Result<T, any Error>
                do {
                    let store = try CaseStore(path: path)
                    ready.signal()
                    go.wait()
                    result = .success(try body(store, n))
                } catch {
                    ready.signal()
                    result = .failure(error)
                }
                results.update { $0[n] = result }
            }
        }
        ready.wait()
        ready.wait()
        go.signal()
        go.signal()
        group.wait()
        return results.value.sorted { $0.key < $1.key }.map(\.value)
    }

    @Test(arguments: StoreBackend.available)
    func twoAnalystsDecidingTheSameTipOneWins(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        for round in 0..<8 {
            let id = try t.tip("contested tip \(round)").tipID
            try t.store.triage(id, by: Ana.alice)
            let results = Self.race(t.path) { store, n in
                try store.review(id, decision: n == 0 ? .relevant : .spam, reason: "decided by analyst \(n)",
                                 by: n == 0 ? Ana.alice : Ana.bob).state
            }
            let wins = results.compactMap { try? $0.get() }
            #expect(wins.count == 1, "round \(round): \(results)")
            for case let .failure(error) in results {
                guard case CaseWorkError.invalidTransition(_, _, _, let reason) = error else {
                    Issue.record("round \(round): not the CLI's refusal: \(error)")
                    continue
                }
                #expect(reason == "it has already been decided")
            }
            let decided = try t.store.reviews(of: .tip(id)).filter { $0.action.hasPrefix("review:") }
            #expect(decided.count == 1)
            #expect(try t.store.tip(id).state == wins.first)
        }
        #expect(try t.store.verifyAudit() == .ok(count: try t.store.auditLog().count))
    }

    @Test(arguments: StoreBackend.available)
    func approvingAndPublishingTheSameObjectAtOnceOneWins(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        for round in 0..<4 {
            let code = "TAO-2026-\(String(format: "%03d", 100 + round))"
            try t.draft(code)
            let object = try ObjectCode(code)
            // The same analyst approving from two machines: four-eyes counts one approval.
            let approvals = Self.race(t.path) { store, _ in try store.approve(object, by: Ana.alice).approvals.count }
            #expect(approvals.compactMap { try? $0.get() } == [1])
            for case let .failure(error) in approvals {
                #expect(error as? CaseWorkError == .duplicateApproval(subject: "object \(code)", analyst: "alice"),
                        "\(error)")
            }
            try t.store.approve(object, by: Ana.bob)
            // Two analysts publishing at once: one publishes, the other is told it is no longer approved.
            let publishes = Self.race(t.path) { store, n in try store.publish(object, by: n == 0 ? Ana.bob : Ana.carol).state }
            #expect(publishes.compactMap { try? $0.get() } == [.published])
            for case let .failure(error) in publishes {
                guard case CaseWorkError.invalidTransition = error else {
                    Issue.record("not the CLI's refusal: \(error)")
                    continue
                }
            }
            #expect(try t.store.object(object).approvals.count == 2)
        }
        #expect(try t.store.verifyAudit() == .ok(count: try t.store.auditLog().count))
        let seqs = try t.store.auditLog().map(\.seq)
        #expect(seqs == Array(1...Int64(seqs.count)))
    }

    @Test(arguments: StoreBackend.available)
    func confirmingAndRejectingTheSameCandidateAtOnceOneWins(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        let code = try ObjectCode("TAO-2026-014")
        for round in 0..<4 {
            let tips = [try t.tip("round \(round) a").tipID, try t.tip("round \(round) b").tipID]
            let c = try t.store.upsertCandidate(for: code, hypothesis: Hypothesis(brand: "Brand\(round)"), supportingTips: tips,
                                                score: 0.5, by: Ana.alice)
            #expect(c.state == .corroborated)
            let results = Self.race(t.path) { store, n in
                n == 0 ? try store.confirmCandidate(c.id, by: Ana.bob, reason: "label matches").state
                    : try store.rejectCandidate(c.id, by: Ana.carol, reason: "wrong shop").state
            }
            let wins = results.compactMap { try? $0.get() }
            #expect(wins.count == 1, "round \(round): \(results)")
            for case let .failure(error) in results { #expect(error is CaseWorkError, "\(error)") }
            #expect(try t.store.candidate(c.id).state == wins.first)
        }
        #expect(try t.store.verifyAudit() == .ok(count: try t.store.auditLog().count))
    }
}

/// A value shared between test threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
