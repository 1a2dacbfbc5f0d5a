import Testing
import Matching

@Suite struct RankingTests {
    let ranker = CandidateRanker(normalizer: ClaimNormalizer(brandAliases: AliasTable([(alias: "VW", canonical: "Volkswagen")])))

    @Test func duplicatesCountOnceAndLanguagesMerge() throws {
        let tips = [
            // Three re-sends of one photo (cluster 1) claiming Poland in three spellings: one piece of evidence.
            TipEvidence(tipId: 1, clusterId: 1, claims: Claims(brand: "Acme", country: "Polska"), visualStrength: 0.9),
            TipEvidence(tipId: 2, clusterId: 1, claims: Claims(brand: "ACME", country: "Poland"), visualStrength: 0.8),
            TipEvidence(tipId: 3, clusterId: 1, claims: Claims(brand: "acme", country: "PL"), visualStrength: 0.95),
            // Two independent tips for Germany, weaker photos.
            TipEvidence(tipId: 4, clusterId: 4, claims: Claims(brand: "Acme", country: "Deutschland"), visualStrength: 0.5),
            TipEvidence(tipId: 5, clusterId: 5, claims: Claims(brand: "Acme", country: "Allemagne"), visualStrength: 0.5),
            // Spam claiming France with a perfect photo: excluded.
            TipEvidence(tipId: 6, clusterId: 6, claims: Claims(brand: "Acme", country: "France"), visualStrength: 1, decision: .spam),
        ]
        let ranked = ranker.rank(tips)
        #expect(ranked.map(\.claims) == [
            NormalizedClaims(brand: "acme", country: "DE"), NormalizedClaims(brand: "acme", country: "PL"),
        ])
        let de = ranked[0], pl = ranked[1]
        // w = 1 · (0.25 + 0.75 · v).
        #expect(abs(de.score - 2 * (0.25 + 0.75 * 0.5)) < 1e-12)
        #expect(abs(pl.score - (0.25 + 0.75 * 0.95)) < 1e-12)
        #expect(pl.supportingClusters == 1)
        #expect(de.supportingClusters == 2)
        #expect(pl.evidence.map(\.tipId) == [3, 1, 2])
        #expect(pl.evidence.map(\.role) == [.counted, .duplicateInCluster, .duplicateInCluster])
        #expect(pl.evidence.dropFirst().allSatisfy { $0.contribution == 0 })
        #expect(abs(de.share + pl.share - 1) < 1e-12)
    }

    @Test func analystDecisionsAndVerdicts() {
        let tips = [
            TipEvidence(tipId: 1, clusterId: 1, claims: Claims(brand: "VW", country: "DE"), visualStrength: 0.6),
            TipEvidence(tipId: 2, clusterId: 2, claims: Claims(brand: "Volkswagen", country: "Germany"), visualStrength: 0.6),
            TipEvidence(tipId: 3, clusterId: 3, claims: Claims(brand: "Skoda", country: "CZ"), visualStrength: 0.6, decision: .relevant),
            TipEvidence(tipId: 4, clusterId: 4, claims: Claims(brand: "Seat", country: "ES"), visualStrength: 0.9, decision: .irrelevant),
        ]
        // One relevant tip (factor 2) ties two unreviewed ones; more clusters win the tie.
        let plain = ranker.rank(tips)
        #expect(plain.map { $0.claims.brand } == ["volkswagen", "skoda", "seat"])
        #expect(plain[0].score == plain[1].score)
        // Analysts fix confirmed at the top and rejected at the bottom whatever the score.
        let verdicts: [NormalizedClaims: HypothesisVerdict] = [
            NormalizedClaims(brand: "seat", country: "ES"): .confirmed,
            NormalizedClaims(brand: "volkswagen", country: "DE"): .rejected,
        ]
        let judged = ranker.rank(tips, verdicts: verdicts)
        #expect(judged.map { $0.claims.brand } == ["seat", "skoda", "volkswagen"])
        #expect(judged.last?.share == 0)
        #expect(judged.first?.verdict == .confirmed)
    }

    @Test func vaguerTipsCorroborateSpecificHypotheses() throws {
        let tips = [
            TipEvidence(tipId: 1, clusterId: 1, claims: Claims(brand: "Acme", product: "Rocket", country: "US"), visualStrength: 1),
            TipEvidence(tipId: 2, clusterId: 2, claims: Claims(country: "United States"), visualStrength: 1),
            TipEvidence(tipId: 3, clusterId: 3, claims: Claims(brand: "Acme", country: "Canada"), visualStrength: 1),
        ]
        let ranked = ranker.rank(tips)
        let full = try #require(ranked.first { $0.claims.product == "rocket" })
        // Tip 2 covers 1 of 3 fields; tip 3 conflicts on country and gives nothing.
        #expect(abs(full.score - (1 + 1.0 / 3)) < 1e-12)
        #expect(full.evidence.map(\.tipId) == [1, 2])
        #expect(ranked.first?.claims == full.claims)
        // The vague hypothesis is not inflated by the more specific tip.
        let vague = try #require(ranked.first { $0.claims == NormalizedClaims(country: "US") })
        #expect(vague.score == 1)
        #expect(CandidateRanker.compatibility(NormalizedClaims(brand: "x"), NormalizedClaims(country: "US")) == 0)
    }
}
