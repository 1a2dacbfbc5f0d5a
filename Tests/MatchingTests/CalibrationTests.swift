import ImageCore
import Foundation
import Testing
import Matching

@Suite struct CalibrationTests {
    /// Negatives at distances 100…1099 (one each), positives at 0…199: with 1000 negatives and target 1e-3 one
    /// false positive is allowed, so the threshold is just below the second negative: 100 allowed, 101 not.
    @Test func knownAnswerOnSyntheticData() throws {
        let negatives = (0 ..< 1000).map { LabelledDistance(distance: 100 + $0, isMatch: false) }
        let positives = (0 ..< 200).map { LabelledDistance(distance: $0, isMatch: true) }
        let result = try Calibration.threshold((negatives + positives).shuffled(), targetFalsePositiveRate: 1e-3)
        #expect(result.threshold == 100)
        #expect(result.falsePositives == 1)
        #expect(result.falsePositiveRate == 1e-3)
        #expect(result.truePositives == 101)
        #expect(abs(result.truePositiveRate - 101.0 / 200.0) < 1e-12)
        #expect(!result.isUnderpowered)
        // A stricter target allows none: threshold below the closest negative.
        let strict = try Calibration.threshold(negatives + positives, targetFalsePositiveRate: 1e-4)
        #expect(strict.threshold == 99)
        #expect(strict.falsePositives == 0)
        #expect(strict.isUnderpowered)
    }

    @Test func thresholdMatchesDefinitionOnRandomData() throws {
        var rng = SplitMix64(seed: 99)
        // Two overlapping binomial-like distributions, the usual shape of hash distances.
        let pairs = (0 ..< 5000).map { i -> LabelledDistance in
            let match = i % 5 == 0
            let bits = (0 ..< 4).map { _ in rng.next() }.reduce(0) { $0 + $1.nonzeroBitCount }
            return LabelledDistance(distance: match ? bits / 4 : bits, isMatch: match)
        }
        for target in [0.0, 1e-3, 1e-2, 0.1, 0.5] {
            let r = try Calibration.threshold(pairs, targetFalsePositiveRate: target)
            let neg = pairs.filter { !$0.isMatch }
            func fpr(_ d: Int) -> Double { Double(neg.count { $0.distance <= d }) / Double(neg.count) }
            let expected = (0 ... 256).last { fpr($0) <= target }
            #expect(r.threshold == expected, "target \(target)")
        }
    }

    @Test func refusesDegenerateInput() {
        #expect(throws: MatchingError.noNegatives("pdq")) {
            try Calibration.threshold([LabelledDistance(distance: 3, isMatch: true)], algorithm: "pdq")
        }
        #expect(throws: MatchingError.noPositives("")) {
            try Calibration.threshold([LabelledDistance(distance: 3, isMatch: false)])
        }
        #expect(throws: MatchingError.invalidDistance(-1)) {
            try Calibration.threshold([LabelledDistance(distance: -1, isMatch: false)])
        }
        // Even distance 0 has too many false positives: no threshold.
        let r = try? Calibration.threshold(
            [LabelledDistance(distance: 0, isMatch: false), LabelledDistance(distance: 0, isMatch: true)])
        #expect(r?.threshold == nil)
        #expect(r?.truePositiveRate == 0)
    }

    @Test func policyTiersAndCodableRoundTrip() throws {
        let samples: [HashAlgorithm: [LabelledDistance]] = [
            .pdq: (0 ..< 2000).map { LabelledDistance(distance: $0 < 1000 ? $0 % 40 : 60 + $0 % 100, isMatch: $0 < 1000) },
            .pdq8: (0 ..< 2000).map { LabelledDistance(distance: $0 < 1000 ? $0 % 40 : 60 + $0 % 100, isMatch: $0 < 1000) },
            .phash: (0 ..< 2000).map { LabelledDistance(distance: $0 < 1000 ? $0 % 8 : 14 + $0 % 20, isMatch: $0 < 1000) },
            .dhash: (0 ..< 2000).map { LabelledDistance(distance: $0 < 1000 ? $0 % 8 : 12 + $0 % 20, isMatch: $0 < 1000) },
        ]
        let policy = try MatchPolicy.calibrated(from: samples)
        // 1000 negatives, target 1e-3: one allowed, the 2nd smallest negative distance stays out.
        #expect(policy.thresholds == [.pdq: 59, .pdq8: 59, .phash: 13, .dhash: 11])
        #expect(policy.calibration[.pdq]?.truePositiveRate == 1)

        // pdq and pdq8 are one family: agreement of both is still only a suggestion.
        #expect(policy.assess([.pdq: 10, .pdq8: 4, .phash: 30])?.tier == .suggest)
        #expect(policy.assess([.pdq: 10, .phash: 3])?.tier == .confirm)
        #expect(policy.assess([.pdq8: 0, .dhash: 11])?.agreeing == [.dhash, .pdq8])
        #expect(policy.assess([.pdq: 60, .phash: 14, .dhash: 12]) == nil)
        #expect(policy.assess(["local": 3]) == nil)  // no threshold for it
        let exact = try #require(policy.assess([.pdq: 0]))
        #expect(exact.strength == 1)
        let weak = try #require(policy.assess([.pdq: 59]))
        let two = try #require(policy.assess([.pdq: 59, .phash: 13]))
        #expect(weak.strength < 0.05)
        #expect(two.strength > weak.strength)

        let data = try JSONEncoder().encode(policy)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"pdq8\":59"))
        #expect(try JSONDecoder().decode(MatchPolicy.self, from: data) == policy)
        #expect(HashAlgorithm("phash8").family == "phash")
    }
}

@Suite struct TipClusteringTests {
    @Test func unionFindMergesTransitively() {
        let clusters = TipClusters(tips: [10, 11, 12, 13, 14, 15], links: [(12, 11), (13, 12), (15, 99)])
        #expect(clusters.clusterOf[13] == 11)
        #expect(clusters.clusterOf[10] == 10)
        #expect(clusters.clusterOf[99] == 15)
        #expect(clusters.count == 4)
        #expect(clusters.members[11] == [11, 12, 13])
    }

    @Test func photosWithinRadiusCluster() {
        var rng = SplitMix64(seed: 4)
        let a = randomCode(&rng), b = randomCode(&rng)
        // Tips 1-3 re-send picture a (a few bits of recompression noise), tip 4 has pictures b and a,
        // tip 5 shows b only, tip 6 is unrelated, tip 7 has no photo.
        let photos: [(tip: Int64, code: SIMD4<UInt64>)] = [
            (1, a), (2, flipBits(a, count: 4, using: &rng)), (3, flipBits(a, count: 6, using: &rng)),
            (5, flipBits(b, count: 2, using: &rng)), (6, randomCode(&rng)), (4, b),
        ]
        let clusters = TipClusters(photos: photos, radius: 8, otherTips: [7])
        #expect(clusters.clusterOf == [1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 6, 7: 7])
        let linked = TipClusters(photos: photos + [(4, flipBits(a, count: 1, using: &rng))], radius: 8)
        #expect(linked.clusterOf[5] == 1)
        #expect(linked.count == 2)
    }
}
