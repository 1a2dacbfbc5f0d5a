import CaseWork

/// Builders for domain values; `try!` is fine here because the inputs are known-good literals.
enum Fx {
    static let alice = try! AnalystID("alice")
    static let bob = try! AnalystID("bob")
    static let carol = try! AnalystID("carol")
    static let code = try! ObjectCode("TAO-2026-014")
    static let day = try! DayDate(iso: "2026-11-29")
    static func sha(_ c: Character) -> SHA256Hex { try! SHA256Hex(String(repeating: c, count: 64)) }
    static let crop = try! ObjectCrop(sha256: sha("a"), width: 640, height: 480)

    static func draft() -> CaseObject {
        try! CaseObject(code: code, title: "Green glass bottle", category: .bottle,
                        question: "Do you know this bottle?", createdBy: alice)
    }

    /// A draft with a crop and two distinct approvals, i.e. approved.
    static func approved() throws -> CaseObject {
        try draft().addingCrop(crop).approving(by: alice).approving(by: bob)
    }

    static func published() throws -> CaseObject { try approved().publishing(on: day) }

    static func tip(_ state: TipState = .received) -> Tip {
        let content = try! TipSubmission(receivedOn: day, channel: .cli, language: "en", text: "Sold in Lidl, Poland")
        return Tip(id: TipID(7), content: content, state: state)
    }

    static func candidate(_ state: CandidateState = .proposed) -> Candidate {
        try! Candidate(id: CandidateID(3), object: code, hypothesis: Hypothesis(brand: "Acme"), state: state)
    }
}
