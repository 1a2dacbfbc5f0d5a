import CaseWork
import Store
import TestSupport
import Testing

@Suite struct ObjectStoreTests {
    let code = try! ObjectCode("TAO-2026-014")

    @Test(arguments: StoreBackend.available) func lifecycleWritesStateReviewsAndAuditEntries(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        let crop = try t.draft("TAO-2026-014")
        var audit = try t.lastAudit()
        #expect(audit.action == "object.add-crop" && audit.subject == "object:TAO-2026-014")
        #expect(audit.details.contains(crop.crop.sha256.value))
        #expect(try t.store.crops(of: code) == [crop])

        var o = try t.store.approve(code, by: Ana.alice, reason: "checked for identifying background")
        #expect(o.state == .draft && o.approvals == [Ana.alice])
        // The entry also records the digest of the object's row state it produced (`rows`).
        #expect(try t.lastAudit().details.replacing(#/,"rows":\{[^}]*\}/#, with: "")
                    == #"{"approvals":["alice"],"from":"draft","reason":"checked for identifying background","to":"draft"}"#)

        o = try t.store.approve(code, by: Ana.bob)
        #expect(o.state == .approved)
        #expect(try t.store.object(code) == o)

        o = try t.store.publish(code, by: Ana.carol)
        #expect(o.state == .published && o.publishedOn?.description == "2026-11-29")
        audit = try t.lastAudit()
        #expect(audit.action == "object.publish" && audit.analyst == "carol")

        let ident = try Identification(countries: [CountryCode("PL")], brand: "Zbyszko", product: "Lemonade")
        o = try t.store.resolve(code, as: .identified(ident), by: Ana.alice, reason: "3 tips + label match")
        #expect(o.state == .identified && o.identification == ident)
        #expect(try t.store.object(code).identification == ident)
        #expect(try t.lastAudit().details.contains(#""countries":["PL"]"#))

        o = try t.store.archive(code, by: Ana.bob)
        #expect(o.state == .archived)

        let reviews = try t.store.reviews(of: .object(code))
        #expect(reviews.map(\.action) == ["approve", "approve", "publish", "resolve:identified", "archive"])
        #expect(reviews.map(\.analyst) == [Ana.alice, Ana.bob, Ana.carol, Ana.alice, Ana.bob])
        #expect(reviews[0].reason == "checked for identifying background")
        #expect(try t.store.verifyAudit() == .ok(count: try t.store.auditLog().count))
    }

    @Test(arguments: StoreBackend.available) func sameAnalystApprovingTwiceIsRefusedAndChangesNothing(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.draft("TAO-2026-014")
        try t.store.approve(code, by: Ana.alice)
        let before = try t.snapshot()
        #expect(throws: CaseWorkError.duplicateApproval(subject: "object TAO-2026-014", analyst: "alice")) {
            try t.store.approve(code, by: Ana.alice)
        }
        #expect(try t.snapshot() == before)
    }

    @Test(arguments: StoreBackend.available) func publishingAnUnapprovedObjectIsRefusedAndChangesNothing(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.draft("TAO-2026-014")
        try t.store.approve(code, by: Ana.alice)
        let before = try t.snapshot()
        do {
            try t.store.publish(code, by: Ana.alice)
            Issue.record("published with one approval")
        } catch let e as CaseWorkError {
            #expect(e.description.contains("cannot go from draft to published"))
        }
        #expect(try t.snapshot() == before)
    }

    @Test(arguments: StoreBackend.available) func invalidOperationsChangeNothing(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        let before = try t.snapshot()
        let attempts: [() throws -> Void] = [
            { try t.store.approve(code, by: Ana.carol) },
            { try t.store.archive(code, by: Ana.carol) },
            { try t.store.addCrop(to: code, crop: ObjectCrop(sha256: sha("new"), width: 1, height: 1), storedPath: "p", by: Ana.carol) },
            { try t.store.addObject(code: code, title: "again", category: .toy, question: "q", by: Ana.carol) },
            { try t.store.refer(code, to: CountryCode("PL"), by: Ana.carol) },
            { try t.store.resolve(code, as: .eliminatedUbiquitous, by: Ana.carol, reason: "  ") },
        ]
        for attempt in attempts {
            #expect(throws: CaseWorkError.self) { try attempt() }
        }
        #expect(throws: StoreError.self) { try t.store.publish(ObjectCode("TAO-2026-999"), by: Ana.bob) }
        #expect(try t.snapshot() == before)
    }

    @Test(arguments: StoreBackend.available) func addingACropToADraftClearsApprovals(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.draft("TAO-2026-014")
        try t.store.approve(code, by: Ana.alice)
        try t.store.addCrop(to: code, crop: ObjectCrop(sha256: sha("second"), width: 5, height: 5), storedPath: "b", by: Ana.bob)
        let o = try t.store.object(code)
        #expect(o.approvals.isEmpty && o.crops.count == 2)
        #expect(try t.db.queryFirst("SELECT count(*) FROM object_approvals") { $0.int(0) } == 0)
    }

    @Test(arguments: StoreBackend.available) func listsObjectsByState(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-002")
        try t.draft("TAO-2026-001")
        try t.published("TAO-2026-003")
        try t.store.withdraw(ObjectCode("TAO-2026-003"), by: Ana.alice, reason: "crop showed a face")
        #expect(try t.store.objects().map(\.code.value) == ["TAO-2026-001", "TAO-2026-002", "TAO-2026-003"])
        #expect(try t.store.objects(state: .published).map(\.code.value) == ["TAO-2026-002"])
        #expect(try t.store.objects(state: .withdrawn).map(\.code.value) == ["TAO-2026-003"])
    }

    @Test(arguments: StoreBackend.available) func referralMovesLinkedTipsAndIsAudited(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        let a = try t.tip("label says Zbyszko", about: "TAO-2026-014").tipID
        let b = try t.tip("seen in Kraków").tipID
        try t.store.review(a, decision: .relevant, reason: "brand named", by: Ana.bob)
        try t.store.linkTip(a, to: code, by: Ana.bob)
        try t.store.review(b, decision: .relevant, reason: "city", by: Ana.bob)
        try t.store.resolve(code, as: .identified(Identification(countries: [CountryCode("PL")])), by: Ana.alice, reason: "r")
        #expect(throws: CaseWorkError.self) { try t.store.refer(code, to: CountryCode("DE"), by: Ana.alice) }
        let referred = try t.store.refer(code, to: CountryCode("PL"), evidence: [sha("crop-TAO-2026-014")], by: Ana.alice,
                                         reason: "dossier 1")
        #expect(referred == [a])
        #expect(try t.store.tip(a).state == .referred && t.store.tip(b).state == .relevant)
        let audit = try t.lastAudit()
        #expect(audit.action == "object.refer" && audit.details.contains(#""country":"PL""#))
    }
}
