import Foundation
import Testing
import TestSupport

/// `match --local --jobs N` decodes, hashes and searches photos on N threads; lines come out in input order.
@Suite("Parallel match", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
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
}
