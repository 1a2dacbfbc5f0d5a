import CaseWork
import Store
import TestSupport
import Testing

@Suite struct CandidateStoreTests {
    @Test(arguments: StoreBackend.available) func upsertCorroborateConfirmReject(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        let code = try ObjectCode("TAO-2026-014")
        let t1 = try t.tip("Zbyszko lemonade").tipID
        let t2 = try t.tip("zbyszko, Poland").tipID
        let h = try Hypothesis(brand: "Zbyszko", country: CountryCode("PL"))
        var c = try t.store.upsertCandidate(for: code, hypothesis: h, supportingTips: [t1], score: 0.5, by: Ana.alice)
        #expect(c.state == .proposed && c.supportingTips == [t1])
        #expect(throws: CaseWorkError.self) { try t.store.confirmCandidate(c.id, by: Ana.bob, reason: "too early") }
        // Same hypothesis in other case: the same candidate, now with two tips, hence corroborated.
        c = try t.store.upsertCandidate(for: code, hypothesis: Hypothesis(brand: "ZBYSZKO", country: CountryCode("pl")),
                                        supportingTips: [t2], score: 0.8, by: Ana.alice)
        #expect(c.state == .corroborated && c.supportingTips == [t1, t2] && c.score == 0.8)
        #expect(try t.store.candidate(c.id) == c)
        let audit = try t.lastAudit()
        #expect(audit.action == "candidate.upsert" && audit.details.contains(#""to":"corroborated""#))

        let other = try t.store.upsertCandidate(for: code, hypothesis: Hypothesis(brand: "Hellena"), supportingTips: [],
                                                score: 0.1, by: Ana.alice)
        #expect(try t.store.candidates(of: code).map(\.id) == [c.id, other.id])

        c = try t.store.confirmCandidate(c.id, by: Ana.bob, reason: "label and shop match")
        #expect(c.state == .confirmed && c.decidedBy == Ana.bob)
        let before = try t.snapshot()
        #expect(throws: CaseWorkError.self) { try t.store.rejectCandidate(c.id, by: Ana.carol, reason: "no") }
        #expect(try t.snapshot() == before)
        try t.store.rejectCandidate(other.id, by: Ana.carol, reason: "no tip supports it")
        #expect(try t.store.candidates(state: .rejected).map(\.id) == [other.id])
        #expect(try t.store.candidates(state: .confirmed).map(\.id) == [c.id])
        #expect(throws: StoreError.self) {
            try t.store.upsertCandidate(for: code, hypothesis: h, supportingTips: [TipID(999)], score: 1, by: Ana.alice)
        }
    }

    @Test(arguments: StoreBackend.available) func hashesAndStats(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        try t.draft("TAO-2026-015")
        let r = try t.tip("photo", photo: "p")
        try t.store.recordHashes([HashRecord(algo: "phash", hex: "8f8f8f8f8f8f8f8f"), HashRecord(algo: "dhash", hex: "0102030405060708")],
                                 for: .tipPhoto(r.photoIDs[0]), by: Ana.alice)
        let crops = try t.store.allHashes(algo: "pdq")
        let expected: Set<Subject> = [.object(try ObjectCode("TAO-2026-014")), .object(try ObjectCode("TAO-2026-015"))]
        #expect(crops.count == 2 && Set(crops.map(\.subject)) == expected)
        #expect(try t.store.allHashes(ownerKind: "tip_photo").map(\.record.algo).sorted() == ["dhash", "phash"])
        let published = try t.store.allHashes(objectStates: [.published])
        #expect(published.count == 3)  // one published crop + the two tip photo hashes
        #expect(!published.contains { $0.subject == .object(try! ObjectCode("TAO-2026-015")) })
        let photos = try t.store.storedPhotos(of: r.tipID)
        #expect(photos.map(\.id) == r.photoIDs && photos[0].photo.originalHadGPS)
        #expect(try t.store.tipContainingPhoto(photos[0].photo.originalSHA256) == r.tipID)
        #expect(try t.store.tipContainingPhoto(sha("never seen")) == nil)

        let s = try t.store.stats()
        #expect(s.objects == [.published: 1, .draft: 1])
        #expect(s.tips == [.received: 1] && s.queued == 1)
        #expect(s.crops == 2 && s.photos == 1 && s.photosWithGPS == 1 && s.photosWithDeviceSerial == 0)
        #expect(s.hashes == ["pdq": 2, "phash": 1, "dhash": 1])
        #expect(s.auditEntries == (try t.store.auditLog().count))
        #expect(s.reviews == 3)  // two approvals and a publication
    }

    @Test(arguments: StoreBackend.available) func twoConnectionsKeepOneChain(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        let other = try CaseStore(path: t.path)
        for i in 0..<20 {
            try (i.isMultiple(of: 2) ? t.store : other).submitTip(t.submission("tip \(i)"), by: Ana.alice)
        }
        #expect(try other.verifyAudit() == .ok(count: 20 + Migrations.count))
    }
}
