import CaseWork
import Foundation
import Matching
import ObjtraceKit
import Store
import Testing
import TestSupport

/// `tip import --jobs N` prepares independent lines on N threads and writes in file order: the store and the
/// report must not depend on N.
@Suite("Parallel tip import", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct ParallelIntakeTests {
    let alice = try! AnalystID("alice"), bob = try! AnalystID("bob")

    /// A store with two published objects (one found by hashes, one only by local features).
    private func service() throws -> (CaseService, URL) {
        let (service, dir) = try temporaryService()
        let grocery = SharedData.files(under: "dev/products/grocery").filter { $0.lastPathComponent.contains("_iconic_") }
        let objects = [(try ObjectCode("TAO-2026-601"), SharedData.url("dev/known_pairs/opencv/box.png")),
                       (try ObjectCode("TAO-2026-602"), try #require(grocery.first))]
        for (code, image) in objects {
            _ = try service.addObject(code: code, title: image.lastPathComponent, category: .packaging, question: "?",
                                      notes: "", images: [image.path], by: alice)
            _ = try service.store.approve(code, by: alice)
            _ = try service.store.approve(code, by: bob)
            _ = try service.store.publish(code, by: bob)
        }
        return (service, dir)
    }

    /// Lines with photos (a local-feature match, hash matches, a photo sent twice), text-only lines, a bad
    /// photo and an unknown object, written next to the photos they name.
    private func importFile(in dir: URL) throws -> URL {
        let grocery = SharedData.files(under: "dev/products/grocery").filter { $0.lastPathComponent.contains("_iconic_") }
        let sources = [SharedData.url("dev/known_pairs/opencv/box_in_scene.png")] + grocery.prefix(3)
        var names: [String] = []
        for (i, url) in sources.enumerated() {
            let name = "p\(i)-\(url.lastPathComponent)"
            try FileManager.default.copyItem(at: url, to: dir.appendingPathComponent(name))
            names.append(name)
        }
        try Data("not an image".utf8).write(to: dir.appendingPathComponent("broken.jpg"))
        var lines: [String] = []
        for i in 0..<14 {
            switch i % 7 {
            case 0, 3: lines.append(#"{"received":"2026-11-30","text":"photo \#(i)","brand":"Brand\#(i % 3)","photos":["\#(names[i % names.count])"]}"#)
            case 1: lines.append(#"{"received":"2026-11-30","text":"two photos \#(i)","photos":["\#(names[0])","\#(names[1])"]}"#)
            case 2: lines.append(#"{"received":"2026-11-30","text":"text only \#(i)","object":"TAO-2026-601","country":"PL"}"#)
            case 4: lines.append(#"{"received":"2026-11-30","text":"broken \#(i)","photos":["broken.jpg"]}"#)
            case 5: lines.append(#"{"received":"2026-11-30","text":"draft \#(i)","object":"TAO-2026-999"}"#)
            default: lines.append(#"{"received":"2026-11-30","text":"again \#(i)","photos":["\#(names[2])"]}"#)
            }
        }
        let file = dir.appendingPathComponent("tips.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Every stored match, tip by tip.
    private func matches(_ service: CaseService) throws -> [StoredMatch] {
        let tips = try service.store.database.query("SELECT id FROM tips ORDER BY id") { $0.int(0) }
        return try tips.flatMap { id in try service.store.matches(tip: TipID(Int64(id))) }
    }

    @Test("Two jobs give the one-job report and store, batch boundaries included", arguments: [4, 250])
    func sameOutcomeAsOneJob(batchSize: Int) throws {
        var reports: [[String]] = []
        var stored: [[StoredMatch]] = []
        var summaries: [TipImport.Summary] = []
        for jobs in [1, 2] {
            let (service, dir) = try service()
            defer { try? FileManager.default.removeItem(at: dir) }
            let file = try importFile(in: dir)
            var out: [String] = []
            summaries.append(try TipImport.run(file: file.path, service: service, batchSize: batchSize, jobs: jobs, by: alice) {
                out.append($0)
            })
            // Error lines name the photo's path, which lies in each run's own folder.
            reports.append(out.map { $0.replacingOccurrences(of: dir.path, with: "DIR") })
            stored.append(try matches(service))
            // A re-run skips what was committed, whatever the job count.
            let again = try TipImport.run(file: file.path, service: service, batchSize: batchSize, jobs: jobs, by: alice) { _ in }
            #expect(again.imported == 0 && again.skipped == summaries.last!.imported + summaries.last!.duplicates)
            #expect(try service.store.verifyAudit() == .ok(count: try service.store.auditLog().count))
        }
        #expect(summaries[0] == summaries[1])
        #expect(summaries[0].rejected == 4 && summaries[0].imported + summaries[0].duplicates == 10)
        #expect(reports[0] == reports[1])
        #expect(reports[0].count == 14)
        #expect(stored[0] == stored[1])
        #expect(stored[0].contains { $0.algos == ["local"] }, "the box is found in the scene by local features")
    }
}
