import CaseWork
import Foundation
import Matching
import ObjtraceKit
import Store
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
import ImageCore
#endif

/// Publishes `image` as object `code` (two analysts approve).
private func publish(_ code: ObjectCode, image: URL, in service: CaseService) throws {
    let alice = try AnalystID("alice"), bob = try AnalystID("bob")
    _ = try service.addObject(code: code, title: image.lastPathComponent, category: .packaging, question: "?", notes: "",
                              images: [image.path], by: alice)
    _ = try service.store.approve(code, by: alice)
    _ = try service.store.approve(code, by: bob)
    _ = try service.store.publish(code, by: bob)
}

private func textTip(_ text: String, object: ObjectCode?, brand: String? = nil, product: String? = nil,
                     country: String? = nil, photos: [String] = []) -> CaseService.TipInput {
    var input = CaseService.TipInput()
    input.text = text
    input.object = object?.value
    input.brand = brand
    input.product = product
    input.country = country
    input.photos = photos
    input.receivedOn = try? DayDate(iso: "2026-11-30")
    return input
}

@Suite("Tip intake: incremental aggregates, batches, repeated photos, a long-lived core",
       .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct IntakeTests {
    let alice = try! AnalystID("alice"), bob = try! AnalystID("bob")

    static var grocery: [URL] {
        SharedData.files(under: "dev/products/grocery").filter { $0.lastPathComponent.contains("_iconic_") }
    }

    /// The aggregates the intake updates per tip give every hypothesis the score and cluster count of the
    /// full ranking, through reviews (which invalidate and rebuild) and near-duplicate photos.
    @Test func aggregatesEqualTheLiveRanking() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        service.useLocalFeatures = false
        let codes = try [ObjectCode("TAO-2026-301"), ObjectCode("TAO-2026-302")]
        for (code, image) in zip(codes, Self.grocery) { try publish(code, image: image, in: service) }
        var rng = SeededRandom(seed: 7)
        let brands = ["Alpro", "ALPRO", "Arla", "arla ", "Oatly", nil]
        let products = ["Soy Milk", "soy milk", nil, nil]
        let countries = ["Sweden", "Schweden", "SE", "Poland", "PL", nil]
        var tips: [TipID] = []
        for i in 0..<120 {
            let pick = { (n: Int) in Int(rng.next() % UInt64(n)) }
            let input = textTip("tip \(i)", object: codes[pick(2)], brand: brands[pick(brands.count)],
                                product: products[pick(products.count)], country: countries[pick(countries.count)])
            tips.append(try service.submitTip(input, by: alice).tipID)
            if i == 40 { _ = try service.store.review(tips[3], decision: .spam, reason: "spam", by: bob) }
            if i == 60 { _ = try service.store.review(tips[10], decision: .relevant, reason: "good", by: bob) }
        }
        // A spam tip is never counted, also not when a later, more specific tip starts a hypothesis it supports.
        let spam = try service.submitTip(textTip("spam", object: codes[0], brand: "Zeta"), by: alice).tipID
        _ = try service.store.review(spam, decision: .spam, reason: "spam", by: bob)
        _ = try service.submitTip(textTip("after spam", object: codes[0], brand: "Alpro"), by: alice)
        _ = try service.submitTip(textTip("zeta pl", object: codes[0], brand: "Zeta", country: "PL"), by: alice)
        // The same photo from two tipsters, about the first object: one cluster.
        let photo = Self.grocery[0].path
        _ = try service.submitTip(textTip("photo 1", object: codes[0], brand: "Alpro", photos: [photo]), by: alice)
        _ = try service.submitTip(textTip("photo 2", object: codes[0], brand: "Alpro", country: "SE", photos: [photo]), by: alice)
        _ = try service.submitTip(textTip("photo 3", object: codes[0], brand: "Alpro", country: "SE", photos: [photo]), by: alice)
        for code in codes {
            let live = try service.rankCandidates(code)
            #expect(!live.isEmpty)
            for h in live where !h.claims.isEmpty {
                let key = ClaimKey(brand: h.claims.brand, product: h.claims.product, country: h.claims.country)
                guard let total = try service.store.hypothesis(of: code, key) else {
                    // Only hypotheses no tip about this object has reached since the last rebuild may be absent.
                    Issue.record("\(code): hypothesis \(h.claims) has no aggregate")
                    continue
                }
                #expect(abs(total.score - h.score) < 1e-9, "\(code) \(h.claims): aggregate \(total.score) vs live \(h.score)")
                #expect(total.clusters == h.supportingClusters, "\(code) \(h.claims)")
            }
            // Stored candidates carry the aggregate score of their hypothesis.
            for c in try service.store.candidates(of: code) {
                let key = ClaimKey(brand: c.hypothesis.brand.map(ClaimText.normalize), product: c.hypothesis.product.map(ClaimText.normalize),
                                   country: c.hypothesis.country?.value)
                if let h = live.first(where: { $0.claims.brand == key.brand && $0.claims.product == key.product && $0.claims.country == key.country }),
                   c.supportingTips.contains(where: { $0.rawValue > tips[60].rawValue }) {
                    #expect(c.score <= h.score + 1e-9)
                }
            }
        }
        // Reviews forced rebuilds, but the rest of the intake was incremental.
        #expect(service.ranking.rebuilds < 12)
    }

    /// A second tipster who sends a photo already stored gets a tip of their own with their claims and audit
    /// entry (issue 13 item 1); the photo is stored once; both count as one cluster.
    @Test func repeatedPhotoFromASecondTipsterIsKept() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        service.useLocalFeatures = false
        let code = try ObjectCode("TAO-2026-311")
        try publish(code, image: Self.grocery[1], in: service)
        let photo = Self.grocery[1].path
        let first = try service.submitTip(textTip("first", object: nil, brand: "Arla", photos: [photo]), by: alice)
        let second = try service.submitTip(textTip("second", object: nil, brand: "Arla", country: "Sverige", photos: [photo]), by: alice)
        #expect(second.outcome == .inserted && second.tipID != first.tipID)
        #expect(try service.store.tip(second.tipID).content.claims[.country] == "Sverige")
        #expect(try service.store.database.queryFirst("SELECT count(*) FROM tip_photos") { $0.int(0) } == 1)
        // The second tip reports (and `tip show` lists) the photo's match to the object.
        #expect(second.photos[0].recorded.contains { $0.object == code })
        #expect(try service.store.matches(tip: second.tipID).contains { $0.object == code && $0.tipID == second.tipID })
        let ranking = try service.rankCandidates(code)
        let arla = try #require(ranking.first { $0.claims.brand == "arla" && $0.claims.country != nil })
        #expect(arla.supportingClusters == 1, "the same photo twice is one piece of evidence")
        #expect(arla.evidence.count == 2)
        #expect(try service.store.auditLog().filter { $0.action == "tip.submit" }.count == 2)
    }

    /// `tip submit` reports the matches as recorded, local-feature ones included (issue 13 item 6).
    @Test func submitReportsWhatTipShowLists() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        let code = try ObjectCode("TAO-2026-312")
        try publish(code, image: SharedData.url("dev/known_pairs/opencv/box.png"), in: service)
        let r = try service.submitTip(textTip("on a shelf", object: nil, photos: [SharedData.url("dev/known_pairs/opencv/box_in_scene.png").path]),
                                      by: alice)
        let shown = try service.store.matches(tip: r.tipID)
        #expect(!shown.isEmpty)
        #expect(Set(r.photos.flatMap(\.recorded)) == Set(shown))
    }

    /// Batches: a refused line rolls back alone; a re-run skips every committed line.
    @Test func batchedImportIsIdempotentLineByLine() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        let code = try ObjectCode("TAO-2026-321")
        try publish(code, image: Self.grocery[2], in: service)
        var lines: [String] = []
        for i in 0..<600 {
            lines.append(#"{"received":"2026-11-30","text":"tip \#(i)","brand":"Brand\#(i % 7)","country":"PL","object":"\#(code.value)"}"#)
        }
        lines[300] = #"{"received":"2026-11-30","text":"about a draft","object":"TAO-2026-999"}"#
        let file = dir.appendingPathComponent("tips.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        var out: [String] = []
        let summary = try TipImport.run(file: file.path, service: service, batchSize: 250, by: alice) { out.append($0) }
        #expect(summary.imported == 599 && summary.rejected == 1 && out.count == 600)
        #expect(out[300].contains("\"error\""))
        let again = try TipImport.run(file: file.path, service: service, batchSize: 250, by: alice) { _ in }
        #expect(again.imported == 0 && again.skipped == 599 && again.rejected == 1)
        #expect(try service.store.database.queryFirst("SELECT count(*) FROM tips") { $0.int(0) } == 599)
        #expect(try service.store.verifyAudit() == .ok(count: try service.store.auditLog().count))
    }

    /// A line whose photo is not a regular file (a FIFO that would block a reader) or is missing is refused
    /// with the path and reason; the other lines import, and a re-run retries only the refused lines.
    @Test func unreadablePhotoRefusesItsLineOnly() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(mkfifo(dir.appendingPathComponent("pipe.jpg").path, 0o600) == 0)
        let lines = [#"{"received":"2026-11-30","text":"before"}"#,
                     #"{"received":"2026-11-30","text":"a pipe","photos":["pipe.jpg"]}"#,
                     #"{"received":"2026-11-30","text":"gone","photos":["missing.jpg"]}"#,
                     #"{"received":"2026-11-30","text":"after"}"#]
        let file = dir.appendingPathComponent("tips.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        for jobs in [1, 2] {
            // The first run imports the two text lines; the second (two jobs) skips them and retries the others.
            var out: [String] = []
            let summary = try TipImport.run(file: file.path, service: service, jobs: jobs, by: alice) { out.append($0) }
            #expect(summary.rejected == 2 && summary.imported == (jobs == 1 ? 2 : 0) && summary.skipped == (jobs == 1 ? 0 : 2))
            let refused = out.filter { $0.contains("\"error\"") }
            #expect(refused.count == 2, "\(out)")
            #expect(refused.first { $0.contains("\"line\":2") }?.contains("not-a-file: ") == true, "\(out)")
            #expect(refused.first { $0.contains("\"line\":2") }?.contains("pipe.jpg") == true, "\(out)")
            #expect(refused.first { $0.contains("\"line\":3") }?.contains("missing.jpg") == true, "\(out)")
        }
        #expect(try service.store.database.queryFirst("SELECT count(*) FROM tips") { $0.int(0) } == 2)
    }

    static let childVariable = "OBJTRACE_INTAKE_CHILD_PUBLISH"
    static let childStore = ProcessInfo.processInfo.environment[childVariable]

    /// Runs only in the child process of `longLivedCoreSeesAnotherProcessPublish`: publishes TAO-2026-331.
    @Test(.enabled(if: childStore != nil, "runs only as a child process"))
    func childPublish() throws {
        let store = try CaseStore(path: try #require(Self.childStore))
        _ = try store.publish(ObjectCode("TAO-2026-331"), by: bob, reason: "published by another process")
    }

    /// One core stays alive while another process publishes an object; the core's next tip matches it.
    @Test(.enabled(if: childStore == nil))
    func longLivedCoreSeesAnotherProcessPublish() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        service.useLocalFeatures = false
        let code = try ObjectCode("TAO-2026-331")
        let image = Self.grocery[3]
        _ = try service.addObject(code: code, title: "t", category: .packaging, question: "?", notes: "", images: [image.path], by: alice)
        _ = try service.store.approve(code, by: alice)
        _ = try service.store.approve(code, by: bob)
        // Not yet published: a tip with the crop's photo matches nothing (and the engine is now cached).
        let before = try service.submitTip(textTip("before", object: nil, photos: [Self.grocery[4].path]), by: alice)
        #expect(before.photos[0].recorded.allSatisfy { $0.object == nil })
        let reloads = service.catalogue.reloads

        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--testing-library", "swift-testing", "--filter", "childPublish"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: service.store.database.path]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        #expect(child.terminationStatus == 0)
        #expect(try service.store.object(code).state == .published)

        let after = try service.submitTip(textTip("after", object: nil, photos: [image.path]), by: alice)
        #expect(after.photos[0].recorded.contains { $0.object == code && $0.tier == .confirm })
        #expect(service.catalogue.reloads == reloads + 1)

        // Withdrawing through the store (not the service) is seen as well.
        _ = try service.store.withdraw(code, by: bob, reason: "done")
        let copy = dir.appendingPathComponent("copy.jpg")
        try FileManager.default.copyItem(at: image, to: copy)
        var bytes = [UInt8](try Data(contentsOf: copy))
        bytes.append(0)  // other bytes, same picture
        try Data(bytes).write(to: copy)
        let withdrawn = try service.submitTip(textTip("withdrawn", object: nil, photos: [copy.path]), by: alice)
        #expect(!withdrawn.photos[0].recorded.contains { $0.object == code })
    }

    static let writerVariable = "OBJTRACE_INTAKE_CHILD_WRITER"
    static let writerSpec = ProcessInfo.processInfo.environment[writerVariable]

    /// Runs only in the children of `concurrentWritersAllSucceed`: submits 15 photo tips (`STORE|N`).
    @Test(.enabled(if: writerSpec != nil, "runs only as a child process"))
    func childWriter() throws {
        let parts = try #require(Self.writerSpec).split(separator: "|").map(String.init)
        let service = try CaseService(path: parts[0])
        service.useLocalFeatures = false
        let base = [UInt8](try Data(contentsOf: Self.grocery[0]))
        let dir = URL(fileURLWithPath: parts[0]).deletingLastPathComponent()
        for i in 0..<15 {
            let file = dir.appendingPathComponent("w\(parts[1])-\(i).jpg")
            try Data(base + [UInt8(i), UInt8(parts[1])!]).write(to: file)  // distinct bytes, same picture
            _ = try service.submitTip(textTip("writer \(parts[1]) tip \(i)", object: nil, brand: "Alpro", photos: [file.path]), by: alice)
        }
    }

    /// Several processes submitting photo tips at once all succeed (busy store: wait and retry, never
    /// `database is locked`), and every tip is stored once.
    @Test(.enabled(if: childStore == nil && writerSpec == nil))
    func concurrentWritersAllSucceed() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        try publish(ObjectCode("TAO-2026-341"), image: Self.grocery[0], in: service)
        let children = try (0..<4).map { n -> Process in
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            child.arguments = ["--testing-library", "swift-testing", "--filter", "childWriter"]
            child.environment = ProcessInfo.processInfo.environment.merging(
                [Self.writerVariable: "\(service.store.database.path)|\(n)"]) { $1 }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            return child
        }
        for child in children { child.waitUntilExit() }
        #expect(children.allSatisfy { $0.terminationStatus == 0 })
        #expect(try service.store.database.queryFirst("SELECT count(*) FROM tips") { $0.int(0) } == 60)
        // Every later photo matched the published object and the earlier photos (same picture).
        #expect(try service.store.verifyAudit() == .ok(count: try service.store.auditLog().count))
        let ranking = try service.rankCandidates(ObjectCode("TAO-2026-341"))
        let alpro = try #require(ranking.first { $0.claims.brand == "alpro" })
        #expect(alpro.evidence.count == 60 && alpro.supportingClusters == 1)
        let total = try #require(try service.store.hypothesis(of: ObjectCode("TAO-2026-341"),
                                                              ClaimKey(brand: "alpro", product: nil, country: nil)))
        #expect(abs(total.score - alpro.score) < 1e-9 && total.clusters == 1)
    }

    static let importVariable = "OBJTRACE_INTAKE_CHILD_IMPORT"
    static let importFile = ProcessInfo.processInfo.environment[importVariable]

    static func importLines(_ code: ObjectCode) -> String {
        (1...2000).map { #"{"received":"2026-11-30","text":"tip \#($0)","brand":"Brand\#($0 % 25)","country":"PL","object":"\#(code.value)"}"# }
            .joined(separator: "\n") + "\n"
    }

    /// Runs only in the child of `killedBatchedImportLeavesWholeBatches`: imports the file (store beside it).
    @Test(.enabled(if: importFile != nil, "runs only as a child process"))
    func childBatchedImport() throws {
        let file = try #require(Self.importFile)
        let service = try CaseService(path: URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("case.sqlite").path,
                                      durability: .normal)
        _ = try TipImport.run(file: file, service: service, batchSize: 100, by: alice) { _ in }
    }

    /// SIGKILL during a batched 2,000-tip `tip import` leaves whole batches only (each tip with its claims,
    /// progress row, audit entry and aggregates); re-running finishes it without duplicates.
    @Test(.enabled(if: importFile == nil && childStore == nil && writerSpec == nil))
    func killedBatchedImportLeavesWholeBatches() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        let code = try ObjectCode("TAO-2026-351")
        try publish(code, image: Self.grocery[5], in: service)
        let file = dir.appendingPathComponent("tips.jsonl")
        try Self.importLines(code).write(to: file, atomically: true, encoding: .utf8)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--testing-library", "swift-testing", "--filter", "childBatchedImport"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.importVariable: file.path]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        let db = service.store.database
        let deadline = Date().addingTimeInterval(120)
        var stored: Int64 = 0
        while stored < 300 && child.isRunning && Date() < deadline {
            usleep(5_000)
            stored = try db.queryFirst("SELECT count(*) FROM tips") { $0.int(0) } ?? 0
        }
        try #require(child.isRunning, "the child finished or died before it could be killed")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let tips = try #require(try db.queryFirst("SELECT count(*) FROM tips") { $0.int(0) })
        #expect(tips % 100 == 0 && tips >= 300 && tips < 2000, "whole batches of 100: \(tips)")
        #expect(try db.queryFirst("SELECT count(*) FROM import_progress") { $0.int(0) } == tips)
        #expect(try db.queryFirst("SELECT count(*) FROM object_evidence") { $0.int(0) } == tips)
        #expect(try service.store.verifyAudit() == .ok(count: try service.store.auditLog().count))

        let summary = try TipImport.run(file: file.path, service: service, by: alice) { _ in }
        #expect(Int64(summary.imported) == 2000 - tips && Int64(summary.skipped) == tips)
        #expect(try db.queryFirst("SELECT count(*), count(DISTINCT content_sha256) FROM tips") { [$0.int(0), $0.int(1)] } == [2000, 2000])
        // The aggregates after the kill and resume equal the live ranking.
        for h in try service.rankCandidates(code) where !h.claims.isEmpty {
            let total = try #require(try service.store.hypothesis(of: code, ClaimKey(brand: h.claims.brand, product: h.claims.product,
                                                                                       country: h.claims.country)))
            #expect(abs(total.score - h.score) < 1e-9 && total.clusters == h.supportingClusters)
        }
    }
}
