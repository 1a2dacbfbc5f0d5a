import Matching
import Testing

/// The one tier rule (issue 16): confirm means the same product, brand-level evidence is said as such.
@Suite struct TierRuleTests {
    static let policy = MatchPolicy(thresholds: [.pdq: 31, .phash: 11, .dhash: 12])
    static let rule = TierRule.default

    @Test func correlatedSixtyFourBitHashesNeverConfirm() throws {
        // Two juice cartons of one brand: dHash 3, pHash 6, PDQ 56 (outside its threshold).
        let pair = try #require(Self.policy.assess([.pdq: 56, .phash: 6, .dhash: 3]))
        #expect(pair.tier == .suggest)
        #expect(pair.agreeing == [.dhash, .phash])
        #expect(Self.policy.assess([.pdq: 20, .phash: 6])?.tier == .confirm)
        #expect(Self.policy.assess([.pdq: 20, .dhash: 40])?.tier == .suggest)
        let v = try #require(Self.rule.verdict(hash: pair, local: nil))
        #expect(v.tier == .suggest && v.level == .product)
    }

    @Test func sixtyFourBitSuggestionsNeedPHash() throws {
        let pair = try #require(Self.policy.assess([.pdq: 90, .phash: 9, .dhash: 10]))
        let phash = try #require(Self.policy.assess([.pdq: 90, .phash: 9, .dhash: 30]))
        let dhash = try #require(Self.policy.assess([.pdq: 90, .phash: 20, .dhash: 8]))
        #expect(Self.rule.verdict(hash: pair, local: nil) != nil)
        #expect(Self.rule.verdict(hash: phash, local: nil) != nil)
        // dHash alone suggests only when very close.
        #expect(Self.rule.verdict(hash: dhash, local: nil) == nil)
        #expect(Self.rule.verdict(hash: Self.policy.assess([.pdq: 90, .phash: 20, .dhash: 4]), local: nil) != nil)
        let pdq = try #require(Self.policy.assess([.pdq: 25]))
        #expect(Self.rule.verdict(hash: pdq, local: nil)?.tier == .suggest)
    }

    @Test func localEvidenceCoveringTheObjectWithItsColoursConfirms() throws {
        let object = LocalEvidence(inliers: 60, score: 60, coverage: 0.6, appearance: 0.9)
        let v = try #require(Self.rule.verdict(hash: nil, local: object))
        #expect(v.tier == .confirm && v.level == .product && v.algorithms == [.local])
        // One logo: many inliers on a small part of the object.
        let logo = LocalEvidence(inliers: 40, score: 12, coverage: 0.08, appearance: 0.9)
        let l = try #require(Self.rule.verdict(hash: nil, local: logo))
        #expect(l.tier == .suggest && l.level == .brand)
        // The same layout in another colourway.
        let flavour = LocalEvidence(inliers: 60, score: 60, coverage: 0.6, appearance: 0.1)
        #expect(Self.rule.verdict(hash: nil, local: flavour)?.level == .brand)
        // Not measurable counts as not shown.
        #expect(Self.rule.verdict(hash: nil, local: LocalEvidence(inliers: 60, score: 60, coverage: 0.6, appearance: nil))?.level == .brand)
        // A hash confirm stays a product confirm whatever local features say.
        let hash = try #require(Self.policy.assess([.pdq: 4, .phash: 2, .dhash: 1]))
        #expect(Self.rule.verdict(hash: hash, local: logo)?.tier == .confirm)
        // ... unless the aligned colours contradict it: the same pack in another colourway.
        let colourway = LocalEvidence(inliers: 600, score: 600, coverage: 1, appearance: -0.45)
        #expect(Self.rule.verdict(hash: hash, local: colourway).map { [$0.tier.description, $0.level.description] } == ["suggest", "brand"])
        #expect(Self.rule.verdict(hash: nil, local: nil) == nil)
    }

    @Test func productMatchesRankAboveBrandMatches() throws {
        let brand = try #require(Self.rule.verdict(hash: nil, local: LocalEvidence(inliers: 200, score: 200, coverage: 0.1, appearance: 0.9)))
        let weak = try #require(Self.rule.verdict(hash: Self.policy.assess([.pdq: 30]), local: nil))
        #expect(weak.strength < brand.strength * 2)
        #expect(MatchVerdict.ranksBefore(weak, brand))
        #expect(!MatchVerdict.ranksBefore(brand, weak))
        #expect(MatchLevel.brand < MatchLevel.product)
    }
}
