import Foundation
import Matching
import ObjtraceKit
import Testing

/// What a sheet shows must be what was found: tier classes styled, regions inside the photo, each algorithm
/// once, one score format.
@Suite struct SheetPresentationTests {
    static func page(region: [SheetPoint], algorithms: [HashAlgorithm], tier: MatchTier) -> String {
        let crop = SheetImage(relativePath: "crop.png", sha256: String(repeating: "a", count: 64), width: 400, height: 300,
                              thumbWidth: 200, thumbHeight: 150)
        let tip = SheetImage(relativePath: "tip.png", sha256: String(repeating: "b", count: 64), width: 1000, height: 500,
                             thumbWidth: 200, thumbHeight: 100)
        let match = SheetMatch(tipID: "3", tipImage: tip, cropImage: crop, algorithms: algorithms, distances: [], tier: tier,
                               strength: 0.5, region: region)
        return EvidenceSheet(objectCode: "TAO-2026-001", title: "Evidence", category: "packaging", question: "Q", state: "published",
                             crops: [crop], matches: [match], generatedAt: "2026-12-05T00:00:00Z").html()
    }

    @Test(arguments: [MatchTier.confirm, .suggest])
    func tierClassesHaveStyleRules(tier: MatchTier) {
        let html = Self.page(region: [], algorithms: ["pdq"], tier: tier)
        #expect(html.contains("class=\"match tier-\(tier)\""))
        #expect(html.contains("article.tier-\(tier){"), "the stylesheet has a rule for tier-\(tier)")
    }

    @Test func regionFarOutsideThePhotoIsClippedToIt() throws {
        // As a local-feature estimate can come out: one corner far outside the photo.
        let region = [SheetPoint(x: 54.2, y: -180), SheetPoint(x: 900, y: 40), SheetPoint(x: 1400, y: 460), SheetPoint(x: 60, y: 420)]
        let html = Self.page(region: region, algorithms: ["local"], tier: .suggest)
        let points = try #require(html.firstMatch(of: #/points="([^"]*)"/#)).1
        let xy = points.split(separator: " ").map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(xy.count >= 3)
        for p in xy {
            #expect(p.count == 2 && (0...200).contains(p[0]) && (0...100).contains(p[1]), "\(p) lies on the 200×100 thumbnail")
        }
        let clipped = SheetGeometry.clip(region, width: 1000, height: 500)
        #expect(clipped.allSatisfy { (0...1000).contains($0.x) && (0...500).contains($0.y) })
        #expect(SheetGeometry.clip([SheetPoint(x: -5, y: -5), SheetPoint(x: -1, y: -5), SheetPoint(x: -1, y: -1)], width: 10, height: 10).isEmpty)
    }

    @Test func algorithmsAreListedOnceAndScoresHaveOneFormat() {
        let html = Self.page(region: [], algorithms: ["pdq", "local", "local"], tier: .confirm)
        #expect(html.contains("<tr><th>Algorithms</th><td>pdq, local</td></tr>"))
        #expect(html.contains("<tr><th>Strength</th><td>0.500</td></tr>"))
        #expect(Reports.unique(["local", "pdq", "local"]) == ["local", "pdq"])
        #expect(Reports.score(0.12345) == 0.123)
    }
}
