import Matching
import CaseWork
import Foundation
import ImageDecoding
import LocalFeatures
import ObjtraceKit
import Store
import Testing
import TestSupport

/// A fresh store in a temporary folder.
func temporaryService() throws -> (CaseService, URL) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("objtrace-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let service = try CaseService(path: dir.appendingPathComponent("case.sqlite").path, requireSchema: false)
    try service.initialize(by: AnalystID("alice"))
    return (service, dir)
}

@Suite("Case work end to end", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct CaseWorkflowTests {
    let alice = try! AnalystID("alice"), bob = try! AnalystID("bob")

    /// init → 3 objects → four-eyes approval → publish → import 200 tips with photos from dev/products →
    /// review → confirm → refer → dossier lists the right SHA-256s.
    @Test func fullWorkflow() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        service.useLocalFeatures = false  // covered by localFeatureAutoMatch; keeps this bulk test fast
        let iconic = SharedData.files(under: "dev/products/grocery").filter { $0.lastPathComponent.contains("_iconic_") }
        #expect(iconic.count >= 3)
        let codes = try (1...3).map { try ObjectCode("TAO-2026-10\($0)") }
        for (code, image) in zip(codes, iconic) {
            _ = try service.addObject(code: code, title: image.lastPathComponent, category: .packaging,
                                      question: "Do you know this product?", notes: "", images: [image.path], by: alice)
            _ = try service.store.approve(code, by: alice)
            #expect(throws: CaseWorkError.self) { try service.store.approve(code, by: alice) }  // four-eyes
            #expect(throws: CaseWorkError.self) { try service.store.publish(code, by: alice) }  // one approval only
            _ = try service.store.approve(code, by: bob)
            _ = try service.store.publish(code, by: bob)
        }

        // 200 tips: photos from dev/products (copied next to the JSONL so paths are relative), claims cycling.
        let photos = SharedData.files(under: "dev/products", extensions: ["jpg", "png"])
        let tipsDir = dir.appendingPathComponent("tips")
        try FileManager.default.createDirectory(at: tipsDir, withIntermediateDirectories: true)
        var lines: [String] = []
        let countries = ["Sweden", "Schweden", "SE", "Suède", "Szwecja"]
        for i in 0..<200 {
            let photo = photos[i % photos.count]
            let name = "p\(i % photos.count)-\(photo.lastPathComponent)"
            if !FileManager.default.fileExists(atPath: tipsDir.appendingPathComponent(name).path) {
                try FileManager.default.copyItem(at: photo, to: tipsDir.appendingPathComponent(name))
            }
            let brand = i % 3 == 0 ? "Alpro" : "Arla"
            lines.append(#"{"received":"2026-11-2\#(i % 9)","language":"en","text":"tip \#(i)","brand":"\#(brand)","country":"\#(countries[i % 5])","object":"\#(codes[i % 3].value)","photos":["\#(name)"]}"#)
        }
        lines.insert(#"{"received":"not a date","text":"bad line"}"#, at: 50)
        let jsonl = tipsDir.appendingPathComponent("tips.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: jsonl, atomically: true, encoding: .utf8)
        var reported: [String] = []
        let summary = try TipImport.run(file: jsonl.path, service: service, by: alice) { reported.append($0) }
        #expect(summary.rejected == 1)
        #expect(reported.contains { $0.contains("\"line\":51") && $0.contains("error") })
        // Photos repeat (77 files for 200 tips), so later tips with a known photo are duplicates of earlier ones.
        #expect(summary.imported + summary.duplicates == 200)
        #expect(summary.imported >= 70)
        // Idempotent: a second run imports nothing new.
        let again = try TipImport.run(file: jsonl.path, service: service, by: alice) { _ in }
        #expect(again.imported == 0 && again.skipped == 200)

        // Review two tips about the first object, link them, confirm the leading candidate and refer it.
        let tips = try service.store.tips().filter { $0.content.aboutObject == codes[0] }
        #expect(tips.count >= 2)
        for tip in tips.prefix(2) {
            _ = try service.store.review(tip.id, decision: .relevant, reason: "claims consistent", by: bob)
            _ = try service.store.linkTip(tip.id, to: codes[0], by: bob)
        }
        let ranking = try service.rankCandidates(codes[0])
        #expect(!ranking.isEmpty)
        #expect(ranking[0].claims.country == "SE", "country names in five languages normalise to SE")
        let stored = try service.store.candidates(of: codes[0])
        let leading = try #require(stored.first { $0.hypothesis.country?.value == "SE" && $0.hypothesis.brand != nil })
        var candidate = leading
        if candidate.state == .proposed { candidate = try service.store.corroborateCandidate(candidate.id, by: bob, reason: "r") }
        candidate = try service.store.confirmCandidate(candidate.id, by: bob, reason: "two tips and a visual match")
        #expect(candidate.state == .confirmed)
        _ = try service.store.resolve(codes[0], as: .identified(try Identification(countries: [CountryCode("SE")], brand: "Alpro")),
                                      by: bob, reason: "confirmed")
        let out = dir.appendingPathComponent("dossier")
        let result = try ReferralDossier.write(service: service, code: codes[0], country: CountryCode("SE"), reason: "origin",
                                               folder: out.path, by: bob)
        #expect(result.referredTips.count == 2)
        let json = try String(contentsOf: out.appendingPathComponent("referral.json"), encoding: .utf8)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("referral.html").path))
        // Every listed evidence file exists in the dossier and hashes to its name.
        #expect(!result.evidence.isEmpty)
        for sha in result.evidence {
            #expect(json.contains(sha))
            let files = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("images").path)
            let file = try #require(files.first { $0.hasPrefix(sha) && !$0.contains("thumb") })
            let bytes = [UInt8](try Data(contentsOf: out.appendingPathComponent("images").appendingPathComponent(file)))
            #expect(sha256Hex(bytes) == sha)
        }
        #expect(try service.store.verifyAudit() == .ok(count: try service.store.auditLog().count))
    }

    @Test("A tip photo showing the object inside a scene is auto-matched by local features, with its region")
    func localFeatureAutoMatch() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        let code = try ObjectCode("TAO-2026-201")
        try publishBox(code, in: service)
        var input = CaseService.TipInput()
        input.photos = [SharedData.url("dev/known_pairs/opencv/box_in_scene.png").path]
        let result = try service.submitTip(input, by: alice)
        let matches = try service.store.matches(tip: result.tipID)
        let local = try #require(matches.first { $0.algos.contains("local") })
        #expect(local.object == code)
        #expect((local.distances["local-inliers"] ?? 0) >= 8)
        #expect(local.region?.split(separator: ";").count == 4)
        // An unrelated photo gets no local match.
        input.photos = [SharedData.url("dev/photos/opencv_fruits.jpg").path]
        let other = try service.submitTip(input, by: alice)
        #expect(try service.store.matches(tip: other.tipID).isEmpty)
    }

    /// Publishes OpenCV's `box.png` as object `code` (two analysts approve).
    private func publishBox(_ code: ObjectCode, in service: CaseService) throws {
        _ = try service.addObject(code: code, title: "box", category: .packaging, question: "?", notes: "",
                                  images: [SharedData.url("dev/known_pairs/opencv/box.png").path], by: alice)
        _ = try service.store.approve(code, by: alice)
        _ = try service.store.approve(code, by: bob)
        _ = try service.store.publish(code, by: bob)
    }

    /// Stores `blob` as crop `crop`'s feature blob, as an earlier build would have left it (recorded under its
    /// own SHA-256: the blob store checks contents against names).
    private func replaceFeatureBlob(of crop: Int64, with blob: [UInt8], in service: CaseService) throws {
        let sha = try service.blobs.put(blob)
        try service.store.database.run("UPDATE local_features SET blob_sha256 = ? WHERE crop_id = ?", [sha, crop])
    }

    @Test("Crop features stored by an older extractor generation are recomputed from the stored crop image")
    func outdatedCropFeaturesAreRecomputed() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        let code = try ObjectCode("TAO-2026-202")
        try publishBox(code, in: service)
        // Make the store look as an older generation left it: a feature blob with the previous version byte,
        // recorded under its own SHA-256 (the blob store checks contents against names).
        let record = try #require(service.store.localFeatures(objectStates: [.published]).first)
        var blob = try service.blobs.get(record.blob.value)
        blob[4] -= 1
        try replaceFeatureBlob(of: record.crop, with: blob, in: service)
        let search = try LocalSearch(store: service.store, blobs: service.blobs)
        #expect(search.references.count == 1)
        let scene = try ImageDecoder.decode([UInt8](Data(contentsOf: SharedData.url("dev/known_pairs/opencv/box_in_scene.png"))))
        let hit = try #require(search.search(scene.upright()).first)
        #expect(hit.object == code)
    }

    @Test("A crop's appearance cells are stored with its features; a store written without them still scores appearance")
    func appearanceCellsStoredAtIngestOrMadeLazily() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        let code = try ObjectCode("TAO-2026-203")
        try publishBox(code, in: service)
        let record = try #require(service.store.localFeatures(objectStates: [.published]).first)
        let stored = try FeatureSet(serialized: try service.blobs.get(record.blob.value))
        #expect(stored.appearanceCells?.count == AlignedAppearance.grid * AlignedAppearance.grid)
        let scene = try ImageDecoder.decode([UInt8](Data(contentsOf: SharedData.url("dev/known_pairs/opencv/box_in_scene.png"))))
        let withCells = try #require(LocalSearch(store: service.store, blobs: service.blobs).search(scene.upright()).first)
        let score = try #require(withCells.appearance)
        // The store as an earlier build left it: the same features without the cells (the blob is recorded
        // under its own SHA-256). The cells are then made from the stored crop on the first match, the same ones.
        var older = stored
        older.appearanceCells = nil
        try replaceFeatureBlob(of: record.crop, with: older.serialized(), in: service)
        let search = try LocalSearch(store: service.store, blobs: service.blobs)
        #expect(search.references.first?.features.appearanceCells == nil)
        let lazily = try #require(search.search(scene.upright()).first)
        #expect(lazily.object == code)
        #expect(lazily.appearance == score)
    }

    @Test("A tip photo with GPS EXIF: stored copy has none, original SHA-256 kept, flag set")
    func gpsTipPhoto() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        let photo = SharedData.url("dev/known_pairs/opencv/ela_original.jpg")
        let original = [UInt8](try Data(contentsOf: photo))
        var input = CaseService.TipInput()
        input.photos = [photo.path]
        input.text = "seen in a shop"
        let result = try service.submitTip(input, by: alice)
        let stored = try service.store.tip(result.tipID).content.photos[0]
        #expect(stored.originalSHA256.value == sha256Hex(original))
        #expect(stored.originalHadGPS)
        let working = try service.blobs.get(stored.workingSHA256.value)
        #expect(!ExifSummary.read(from: working).hasGPS)
        #expect(!JPEGSegments(working).contains { $0.marker == 0xE1 })
        // The original's bytes are not kept anywhere in the blob store.
        #expect(!FileManager.default.fileExists(atPath: service.blobs.url(for: stored.originalSHA256.value).path))
    }
}
