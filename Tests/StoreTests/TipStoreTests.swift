import CaseWork
import Store
import TestSupport
import Testing

@Suite struct TipStoreTests {
    @Test(arguments: StoreBackend.available) func submitStoresEverythingAndAuditsWithoutTimeOfDay(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        let photo = TipPhoto(originalSHA256: try sha("orig"), workingSHA256: try sha("work"), originalHadGPS: true,
                             originalHadDeviceSerial: true)
        let s = try TipSubmission(
            receivedOn: DayDate(iso: "2026-11-28"), channel: .import, language: "pl", text: "Ta butelka jest z Polski",
            claims: TipClaims(brand: "Zbyszko", shop: "Biedronka", country: "Polska", city: "Kraków", url: "https://example.org/x"),
            photos: [photo], contact: ContactConsent.optIn("tipster@example.org"), aboutObject: ObjectCode("TAO-2026-014"))
        let pdq = try HashRecord(algo: "pdq", hex: String(repeating: "0f", count: 32), quality: 100)
        let r = try t.store.submitTip(s, photoHashes: [photo.originalSHA256: [pdq]], by: Ana.alice)
        #expect(r.isNew && r.photoIDs.count == 1)
        let back = try t.store.tip(r.tipID)
        #expect(back.content == s && back.state == .received && back.linkedObject == nil)
        #expect(try t.db.queryFirst("SELECT contact_opt_in, contact FROM tips") { "\($0.int(0)) \($0.text(1))" } == "1 tipster@example.org")

        let audit = try t.lastAudit()
        #expect(audit.action == "tip.submit" && audit.subject == "tip:\(r.tipID)")
        #expect(audit.time.description == "2026-11-29T00:00:00.000Z")  // the day only, like the tip
        let hashes = try t.store.allHashes(ownerKind: "tip_photo")
        #expect(hashes.count == 1 && hashes[0].subject == .tip(r.tipID) && hashes[0].imageSHA256 == photo.originalSHA256)
        #expect(hashes[0].owner == .tipPhoto(r.photoIDs[0]) && hashes[0].record == pdq)
    }

    @Test(arguments: StoreBackend.available) func anonymousTipStoresNoContact(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        let r = try t.tip("it's from Lidl")
        #expect(try t.db.queryFirst("SELECT contact_opt_in, contact IS NULL FROM tips WHERE id = ?", [r.tipID.rawValue]) {
            "\($0.int(0)) \($0.int(1))"
        } == "0 1")
        #expect(try t.store.tip(r.tipID).content.contact == .declined)
    }

    @Test(arguments: StoreBackend.available) func submitIsIdempotent(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        let first = try t.tip("sold in Lidl", photo: "p1")
        let before = try t.snapshot()
        let again = try t.tip("sold in Lidl", photo: "p1")
        #expect(again.tipID == first.tipID && again.outcome == .duplicateContent && again.photoIDs.isEmpty && !again.isNew)
        #expect(try t.snapshot() == before)
        let other = try t.tip("sold in Lidl", photo: "p2")
        #expect(other.isNew && other.tipID != first.tipID)
    }

    /// Until schema 2 a second tipster's tip with an already stored photo was dropped as "duplicate-photo",
    /// losing their claims. Now it is a tip of its own that refers to the stored photo (stored once).
    @Test(arguments: StoreBackend.available) func samePhotoFromAnotherTipsterIsKeptAndSharesThePhoto(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        let first = try t.tip("sold in Lidl", photo: "p1")
        let hashRows = try t.db.queryFirst("SELECT count(*) FROM hashes") { $0.int(0) }
        let second = try t.tip("different words, same photo", photo: "p1")
        #expect(second.isNew && second.outcome == .inserted && second.tipID != first.tipID)
        #expect(second.photoIDs == first.photoIDs && second.repeatedPhotoIDs == Set(first.photoIDs))
        #expect(try t.db.queryFirst("SELECT count(*) FROM tip_photos") { $0.int(0) } == 1)
        #expect(try t.db.queryFirst("SELECT count(*) FROM hashes") { $0.int(0) } == hashRows)
        let tip = try t.store.tip(second.tipID)
        #expect(tip.content.text == "different words, same photo")
        #expect(tip.content.photos == (try t.store.tip(first.tipID)).content.photos)
        #expect(try t.store.storedPhotos(of: second.tipID).map(\.id) == first.photoIDs)
        let audit = try t.lastAudit()
        #expect(audit.action == "tip.submit" && audit.subject == "tip:\(second.tipID)" && audit.details.contains("repeated_photos"))
        #expect(try t.store.verifyAudit() == .ok(count: try t.store.auditLog().count))
    }

    @Test(arguments: StoreBackend.available) func importProgressIsWrittenWithTheTip(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        let l1 = ImportLine(source: "tips.jsonl", lineNumber: 1, lineSHA256: try sha("line one"))
        let l2 = ImportLine(source: "tips.jsonl", lineNumber: 2, lineSHA256: try sha("line two"))
        let l3 = ImportLine(source: "tips.jsonl", lineNumber: 3, lineSHA256: try sha("line three"))
        let r1 = try t.store.submitTip(t.submission("a"), importLine: l1, by: Ana.alice)
        _ = try t.store.submitTip(t.submission("a"), importLine: l2, by: Ana.alice)
        try t.store.recordImportRejection(l3, message: "line 3: invalid JSON", by: Ana.alice)
        let p = try t.store.importProgress(source: "tips.jsonl")
        #expect(p[l1.lineSHA256]?.outcome == .imported && p[l1.lineSHA256]?.tipID == r1.tipID)
        #expect(p[l2.lineSHA256]?.outcome == .duplicate && p[l2.lineSHA256]?.tipID == r1.tipID)
        #expect(p[l3.lineSHA256]?.outcome == .rejected && p[l3.lineSHA256]?.message == "line 3: invalid JSON")
        #expect(try t.store.importProgress(source: "other.jsonl").isEmpty)
        // A fixed line later succeeds and replaces its rejection.
        _ = try t.store.submitTip(t.submission("c"), importLine: l3, by: Ana.alice)
        #expect(try t.store.importProgress(source: "tips.jsonl")[l3.lineSHA256]?.outcome == .imported)
    }

    @Test(arguments: StoreBackend.available) func tipAboutAnUnpublishedObjectIsRefused(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.draft("TAO-2026-014")
        let before = try t.snapshot()
        #expect(throws: CaseWorkError.self) { try t.tip("x", about: "TAO-2026-014") }
        #expect(throws: StoreError.self) { try t.tip("x", about: "TAO-2026-404") }
        #expect(try t.snapshot() == before)
    }

    @Test(arguments: StoreBackend.available) func reviewWorkflowAndClosedTipRefusal(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        let code = try ObjectCode("TAO-2026-014")
        let id = try t.tip("label reads Zbyszko").tipID
        #expect(throws: CaseWorkError.self) { try t.store.linkTip(id, to: code, by: Ana.bob) }  // not reviewed yet
        #expect(throws: CaseWorkError.self) { try t.store.review(id, decision: .relevant, reason: " ", by: Ana.bob) }
        try t.store.review(id, decision: .needsInfo, reason: "which shop?", by: Ana.bob)
        try t.store.triage(id, by: Ana.bob, reason: "tipster answered")
        try t.store.review(id, decision: .relevant, reason: "brand and shop named", by: Ana.bob)
        var tip = try t.store.linkTip(id, to: code, by: Ana.bob)
        #expect(tip.state == .linked && tip.linkedObject == code)
        #expect(try t.store.tips(linkedTo: code).map(\.id) == [id])
        tip = try t.store.closeTip(id, by: Ana.bob, reason: "done")
        #expect(tip.state == .closed)
        let audit = try t.lastAudit()
        #expect(audit.action == "tip.close" && audit.details.contains(#""from":"linked""#))

        let before = try t.snapshot()
        do {
            try t.store.review(id, decision: .relevant, reason: "again", by: Ana.carol)
            Issue.record("reviewed a closed tip")
        } catch let e as CaseWorkError {
            #expect(e.description == "tip \(id): cannot go from closed to relevant: a closed tip cannot be reviewed")
        }
        #expect(try t.snapshot() == before)
        #expect(try t.store.reviews(of: .tip(id)).map(\.action)
                    == ["review:needs-info", "triage", "review:relevant", "link:TAO-2026-014", "close"])
    }

    /// Listing loads tips in chunks of 256; crossing chunk borders must give the same tips as one-by-one reads.
    @Test(arguments: StoreBackend.available) func listingManyTipsMatchesSingleReads(_ backend: StoreBackend) throws {
        let t = try TempStore(backend, durability: .normal)
        var ids: [TipID] = []
        for i in 0..<600 {
            ids.append(try t.tip("tip \(i)", photo: i % 3 == 0 ? "p\(i)" : nil, brand: i % 2 == 0 ? "B\(i)" : nil).tipID)
        }
        let listed = try t.store.tips()
        #expect(listed.map(\.id) == ids)
        for tip in listed where tip.id.rawValue % 97 == 0 || tip.id == ids.last {
            #expect(try t.store.tip(tip.id) == tip)
        }
        #expect(listed.filter { !$0.content.photos.isEmpty }.count == 200)
        #expect(listed.filter { $0.content.claims[.brand] != nil }.count == 300)
        #expect(try t.store.tips(limit: 300, offset: 250).map(\.id) == Array(ids[250..<550]))
        #expect(throws: StoreError.self) { try t.store.tip(TipID(10_000)) }
    }

    @Test(arguments: StoreBackend.available) func queueOrdersByStoredScoreOrByCallerPriority(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        let a = try t.tip("a").tipID
        let b = try t.tip("b").tipID
        let c = try t.tip("c").tipID
        let d = try t.tip("d").tipID
        try t.store.review(d, decision: .spam, reason: "ad", by: Ana.bob)  // leaves the queue
        #expect(try t.store.queue().map(\.id) == [a, b, c])  // no scores: oldest first
        try t.store.setMatchScores([b: 0.9, c: 0.4], by: Ana.alice)
        #expect(try t.store.queue().map(\.id) == [b, c, a])  // unscored last
        #expect(try t.store.queue(limit: 1).map(\.id) == [b])
        let byText = try t.store.queue(priority: { $0.content.text == "a" ? 10 : 0 })
        #expect(byText.map(\.id) == [a, b, c])
        #expect(throws: StoreError.self) { try t.store.setMatchScores([TipID(999): 1], by: Ana.alice) }
        #expect(try t.store.tip(b).matchScore == 0.9)
        #expect(try t.store.tips(state: .spam).map(\.id) == [d])
        #expect(try t.store.tips(limit: 2, offset: 1).map(\.id) == [b, c])
    }
}
