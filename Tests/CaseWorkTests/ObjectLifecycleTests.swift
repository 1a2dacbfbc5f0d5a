import CaseWork
import Testing

@Suite struct ObjectLifecycleTests {
    @Test func happyPathToArchive() throws {
        var o = Fx.draft()
        #expect(o.state == .draft)
        o = try o.addingCrop(Fx.crop)
        o = try o.approving(by: Fx.alice)
        #expect(o.state == .draft && o.approvals == [Fx.alice])
        o = try o.approving(by: Fx.bob)
        #expect(o.state == .approved && o.approvals == [Fx.alice, Fx.bob])
        o = try o.publishing(on: Fx.day)
        #expect(o.state == .published && o.publishedOn == Fx.day)
        let id = try Identification(countries: [CountryCode("PL"), CountryCode("de"), CountryCode("PL")], brand: "Acme")
        o = try o.resolving(.identified(id))
        #expect(o.state == .identified)
        #expect(o.identification?.countries.map(\.value) == ["DE", "PL"])
        o = try o.archiving()
        #expect(o.state == .archived)
    }

    @Test func fourEyesRefusesTheSameAnalystTwice() throws {
        let once = try Fx.draft().addingCrop(Fx.crop).approving(by: Fx.alice)
        #expect(throws: CaseWorkError.duplicateApproval(subject: "object TAO-2026-014", analyst: "alice")) {
            try once.approving(by: Fx.alice)
        }
        // Refusal leaves the value as it was: still one approval, still a draft.
        #expect(once.state == .draft && once.approvals.count == 1)
    }

    @Test func publishingAnUnapprovedObjectIsRefused() throws {
        let once = try Fx.draft().addingCrop(Fx.crop).approving(by: Fx.alice)
        do {
            _ = try once.publishing(on: Fx.day)
            Issue.record("publishing with one approval must fail")
        } catch {
            guard case let .invalidTransition(_, from, to, reason) = error else { Issue.record("\(error)"); return }
            #expect(from == "draft" && to == "published")
            #expect(reason.contains("2 distinct analysts"))
            #expect(error.description.contains("object TAO-2026-014: cannot go from draft to published"))
        }
    }

    @Test func approvalNeedsACrop() {
        #expect(throws: CaseWorkError.self) { try Fx.draft().approving(by: Fx.alice) }
    }

    @Test func addingACropClearsPendingApprovalsAndIsDraftOnly() throws {
        let once = try Fx.draft().addingCrop(Fx.crop).approving(by: Fx.alice)
        let more = try once.addingCrop(ObjectCrop(sha256: Fx.sha("b"), width: 10, height: 10))
        #expect(more.approvals.isEmpty && more.crops.count == 2)
        #expect(throws: CaseWorkError.self) { try once.addingCrop(Fx.crop) }  // same crop twice
        #expect(throws: CaseWorkError.self) { try Fx.approved().addingCrop(ObjectCrop(sha256: Fx.sha("c"), width: 1, height: 1)) }
    }

    @Test func approvingAnApprovedObjectIsRefused() throws {
        #expect(throws: CaseWorkError.self) { try Fx.approved().approving(by: Fx.carol) }
    }

    /// Every (state, action) pair outside the table is refused; every pair inside is accepted.
    @Test(arguments: ObjectState.allCases)
    func transitionTableIsEnforced(from state: ObjectState) throws {
        let o = CaseObject(restoring: Fx.code, title: "t", category: .other, question: "q", notes: "",
                           createdBy: Fx.alice, crops: [Fx.crop], state: state, approvals: [Fx.alice, Fx.bob],
                           publishedOn: nil, identification: nil)
        let allowed = ObjectState.allowedNext[state]!
        let ident = ObjectResolution.identified(try Identification(countries: [CountryCode("FR")]))
        let attempts: [(ObjectState, () throws -> CaseObject)] = [
            (.published, { try o.publishing(on: Fx.day) }),
            (.identified, { try o.resolving(ident) }),
            (.eliminatedUbiquitous, { try o.resolving(.eliminatedUbiquitous) }),
            (.withdrawn, { try o.withdrawing() }),
            (.archived, { try o.archiving() }),
        ]
        for (target, attempt) in attempts {
            if allowed.contains(target) {
                #expect(try attempt().state == target)
            } else {
                #expect(throws: CaseWorkError.self) { try attempt() }
            }
        }
    }

    @Test func referralNeedsIdentificationWithThatCountry() throws {
        let id = try Identification(countries: [CountryCode("PL")], product: "Lemonade")
        let identified = try Fx.published().resolving(.identified(id))
        try identified.checkReferral(to: CountryCode("PL"))
        #expect(throws: CaseWorkError.self) { try identified.checkReferral(to: CountryCode("DE")) }
        #expect(throws: CaseWorkError.self) { try Fx.published().checkReferral(to: CountryCode("PL")) }
    }

    @Test func validation() {
        #expect(throws: CaseWorkError.self) {
            try CaseObject(code: Fx.code, title: "  ", category: .toy, question: "q", createdBy: Fx.alice)
        }
        #expect(throws: CaseWorkError.self) { try Identification(countries: []) }
        #expect(throws: CaseWorkError.self) { try ObjectCrop(sha256: Fx.sha("a"), width: 0, height: 3) }
        #expect(ObjectCategory(rawValue: "wallpaper") == .wallpaper)
        #expect(ObjectCategory.allCases.count == 8)
    }
}
