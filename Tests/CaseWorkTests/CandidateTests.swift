import CaseWork
import Testing

@Suite struct CandidateTests {
    @Test func supportCorroboratesAtTheThreshold() throws {
        var c = Fx.candidate()
        c = try c.addingSupport([TipID(1), TipID(1)], score: 0.4)
        #expect(c.state == .proposed && c.supportingTips == [TipID(1)])
        c = try c.addingSupport([TipID(2)], score: 0.7)
        #expect(c.state == .corroborated && c.supportingTips == [TipID(1), TipID(2)] && c.score == 0.7)
        c = try c.confirming(by: Fx.carol)
        #expect(c.state == .confirmed && c.decidedBy == Fx.carol)
        // More support is kept as evidence but never reopens a decision.
        let later = try c.addingSupport([TipID(9)], score: 0.1)
        #expect(later.state == .confirmed && later.supportingTips.count == 3)
    }

    @Test func confirmingAProposedCandidateIsRefused() {
        #expect(throws: CaseWorkError.invalidTransition(subject: "candidate 3", from: "proposed", to: "confirmed",
                                                        reason: "it must be corroborated first")) {
            try Fx.candidate().confirming(by: Fx.alice)
        }
    }

    @Test(arguments: CandidateState.allCases)
    func transitionTableIsEnforced(from state: CandidateState) throws {
        let c = Fx.candidate(state)
        let allowed = CandidateState.allowedNext[state]!
        let attempts: [(CandidateState, () throws -> Candidate)] = [
            (.corroborated, { try c.corroborating() }),
            (.confirmed, { try c.confirming(by: Fx.bob) }),
            (.rejected, { try c.rejecting(by: Fx.bob) }),
        ]
        for (target, attempt) in attempts {
            if allowed.contains(target) {
                #expect(try attempt().state == target)
            } else {
                #expect(throws: CaseWorkError.self) { try attempt() }
            }
        }
    }

    @Test func hypotheses() throws {
        #expect(throws: CaseWorkError.self) { try Hypothesis(brand: " ", product: nil, country: nil) }
        let a = try Hypothesis(brand: "ACME", country: CountryCode("pl"))
        let b = try Hypothesis(brand: "acme ", country: CountryCode("PL"))
        let c = try Hypothesis(product: "acme", country: CountryCode("PL"))
        #expect(a.key == b.key && a.key != c.key)
        #expect(a.description == "ACME / - / PL")
        #expect(throws: CaseWorkError.self) { try Fx.candidate().addingSupport([], score: .nan) }
    }
}
