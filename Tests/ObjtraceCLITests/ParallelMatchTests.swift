import Foundation
import Testing
import TestSupport

/// `match --local --jobs N` and `tip import --jobs N` work on N threads; output comes in input order.
@Suite("Parallel match and import", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct ParallelMatchTests {
    @Test func twoJobsPrintWhatOneJobPrints() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.publishedCase()
        // Every sample tip (a corrupt one included) twice, so both threads get work and errors stay in place.
        let photos = ["alpro-mirrored-resized.jpg", "corrupt-signature.png", "grocery_natural_Oatly-Oat-Milk_006.jpg",
                      "tropicana-rotated.png", "tx_labelme_q0003.jpg"].map { CLI.sample("tips/" + $0) }
        let one = try cli.run(["match", "--local", "--jobs", "1"] + photos + photos)
        let two = try cli.run(["match", "--local", "--jobs", "2"] + photos + photos)
        #expect(one.outLines.count == 10)
        #expect(two.outLines == one.outLines, "\(two)")
        #expect(two.status == one.status)
        #expect(one.outLines.filter { $0.contains("\"error\"") }.count == 2)
        #expect(one.outLines.contains { $0.contains("\"local\"") || $0.contains("+local") }, "\(one)")
        #expect(try cli.run(["match", "--jobs", "0"] + photos).status != 0)
    }

    @Test func tipImportWithTwoJobsPrintsWhatOneJobPrints() throws {
        var outputs: [[String]] = []
        for jobs in ["1", "2"] {
            let cli = try CLI()
            defer { cli.cleanUp() }
            try cli.publishedCase()
            let names = ["alpro-mirrored-resized.jpg", "grocery_natural_Oatly-Oat-Milk_006.jpg", "tx_labelme_q0003.jpg"]
            for name in names {
                try FileManager.default.copyItem(atPath: CLI.sample("tips/" + name), toPath: cli.dir.appendingPathComponent(name).path)
            }
            let lines = (0..<6).map { i in
                "{\"received\":\"2026-11-30\",\"text\":\"tip \(i)\",\"photos\":[\"\(names[i % names.count])\"]}"
            }
            let file = cli.dir.appendingPathComponent("tips.jsonl")
            try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            #expect(try cli.run(["tip", "import", "--jobs", "0", file.path], analyst: "alice").status != 0)
            let run = try cli.run(["tip", "import", "--jobs", jobs, file.path], analyst: "alice")
            #expect(run.status == 0, "\(run)")
            outputs.append(run.outLines)
        }
        #expect(outputs[0].count == 6)
        #expect(outputs[0] == outputs[1])
    }
}
