/// A hashing algorithm whose distances a policy judges ("pdq", "pdq8", "phash", "dhash", "local", ...).
///
/// Open-ended so new algorithms need no change here. An algorithm name ending in "8" is the minimum over the 8
/// dihedral transforms of its base algorithm and belongs to the same family: `pdq8` and `pdq` are not
/// independent evidence.
public struct HashAlgorithm: RawRepresentable, Hashable, Comparable, Sendable, Codable, CodingKeyRepresentable,
    CustomStringConvertible, ExpressibleByStringLiteral
{
    /// The algorithm's name.
    public let rawValue: String

    /// Creates an algorithm from its name.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Creates an algorithm from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// PDQ (256-bit).
    public static let pdq: HashAlgorithm = "pdq"
    /// PDQ, minimum distance over the 8 dihedral transforms.
    public static let pdq8: HashAlgorithm = "pdq8"
    /// imagehash pHash (64-bit).
    public static let phash: HashAlgorithm = "phash"
    /// imagehash dHash (64-bit).
    public static let dhash: HashAlgorithm = "dhash"
    /// Local-feature verification, given as a distance-like score (smaller = more similar).
    public static let local: HashAlgorithm = "local"

    /// The independence family: dihedral variants share their base algorithm's family.
    public var family: String {
        rawValue.count > 1 && rawValue.hasSuffix("8") ? String(rawValue.dropLast()) : rawValue
    }

    /// The name.
    public var description: String { rawValue }
    /// Orders by name.
    public static func < (lhs: HashAlgorithm, rhs: HashAlgorithm) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Encodes as a dictionary key.
    public var codingKey: any CodingKey { AlgorithmKey(stringValue: rawValue) }
    /// Decodes from a dictionary key.
    public init?<T: CodingKey>(codingKey: T) { self.rawValue = codingKey.stringValue }

    private struct AlgorithmKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A labelled distance: one (query, reference) pair, its distance under one algorithm, and the truth.
public struct LabelledDistance: Hashable, Sendable, Codable {
    /// The pair's distance.
    public var distance: Int
    /// Whether the pair shows the same picture/object.
    public var isMatch: Bool

    /// Creates a labelled distance.
    public init(distance: Int, isMatch: Bool) {
        self.distance = distance
        self.isMatch = isMatch
    }
}

/// A threshold chosen for a target false-positive rate, with the rates it achieves on the calibration data.
public struct CalibratedThreshold: Hashable, Sendable, Codable {
    /// Largest distance d with FPR(distance ≤ d) ≤ target; nil when even d = 0 exceeds the target.
    public var threshold: Int?
    /// The target false-positive rate.
    public var targetFalsePositiveRate: Double
    /// Achieved false-positive rate at the threshold (0 when there is none).
    public var falsePositiveRate: Double
    /// Achieved true-positive rate at the threshold (0 when there is none).
    public var truePositiveRate: Double
    /// Number of matching pairs.
    public var positives: Int
    /// Number of non-matching pairs.
    public var negatives: Int
    /// Non-matching pairs within the threshold.
    public var falsePositives: Int
    /// Matching pairs within the threshold.
    public var truePositives: Int

    /// Whether there are too few negatives to resolve the target: one false positive would already exceed it,
    /// so the threshold is set by the closest negative alone.
    public var isUnderpowered: Bool { Double(negatives) * targetFalsePositiveRate < 1 }
}

/// Threshold calibration from labelled pairs.
public enum Calibration {
    /// The largest distance d such that FPR(distance ≤ d) ≤ `targetFalsePositiveRate`, with its TPR.
    ///
    /// FPR(d) = #{negatives with distance ≤ d} / #negatives, TPR(d) likewise over positives. FPR is monotone in
    /// d, so the answer is the distance just below the first one whose FPR exceeds the target (capped at the
    /// largest distance seen, beyond which nothing changes).
    /// - Complexity: O(p log p) for p pairs.
    public static func threshold(
        _ pairs: some Sequence<LabelledDistance>, targetFalsePositiveRate target: Double = 1e-3,
        algorithm: String = ""
    ) throws(MatchingError) -> CalibratedThreshold {
        guard target >= 0, target <= 1 else { throw .invalidTarget(target) }
        var negatives: [Int] = [], positives: [Int] = []
        for pair in pairs {
            guard pair.distance >= 0 else { throw .invalidDistance(pair.distance) }
            if pair.isMatch { positives.append(pair.distance) } else { negatives.append(pair.distance) }
        }
        guard !negatives.isEmpty else { throw .noNegatives(algorithm) }
        guard !positives.isEmpty else { throw .noPositives(algorithm) }
        negatives.sort()
        positives.sort()
        // The largest number of false positives the target allows.
        let allowed = Int((target * Double(negatives.count)).rounded(.down) + 1e-9)
        let threshold: Int?
        if allowed >= negatives.count {
            threshold = max(negatives.last!, positives.last!)
        } else {
            // The (allowed+1)-th closest negative must stay outside: d < negatives[allowed].
            let d = negatives[allowed] - 1
            threshold = d >= 0 ? d : nil
        }
        func countAtMost(_ sorted: [Int], _ d: Int) -> Int {
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid] <= d { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        let fp = threshold.map { countAtMost(negatives, $0) } ?? 0
        let tp = threshold.map { countAtMost(positives, $0) } ?? 0
        return CalibratedThreshold(
            threshold: threshold, targetFalsePositiveRate: target,
            falsePositiveRate: Double(fp) / Double(negatives.count),
            truePositiveRate: Double(tp) / Double(positives.count),
            positives: positives.count, negatives: negatives.count, falsePositives: fp, truePositives: tp)
    }
}

/// How strongly a pair matches under a policy.
public enum MatchTier: Int, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Some evidence agrees (one hash family, pHash with dHash, or a brand-level local match).
    case suggest = 1
    /// The same product: PDQ and a second family agree, or local features cover the object and its aligned
    /// appearance matches (`TierRule`).
    case confirm = 2

    /// Orders suggest before confirm.
    public static func < (lhs: MatchTier, rhs: MatchTier) -> Bool { lhs.rawValue < rhs.rawValue }
    /// "suggest" or "confirm".
    public var description: String { self == .confirm ? "confirm" : "suggest" }
}

/// The verdict of a policy on one pair's distances.
public struct MatchAssessment: Hashable, Sendable, Codable {
    /// The tier reached.
    public var tier: MatchTier
    /// Algorithms whose distance was within their threshold, sorted by name.
    public var agreeing: [HashAlgorithm]
    /// Visual match strength in [0, 1]: see `MatchPolicy.assess`.
    public var strength: Double
}

/// Per-algorithm thresholds and the two-tier rule, saved by the store.
public struct MatchPolicy: Hashable, Sendable, Codable {
    /// Distance thresholds: a distance ≤ threshold counts as agreement.
    public var thresholds: [HashAlgorithm: Int]
    /// The calibration behind each threshold, when it was calibrated.
    public var calibration: [HashAlgorithm: CalibratedThreshold]

    /// Creates a policy from explicit thresholds.
    public init(thresholds: [HashAlgorithm: Int], calibration: [HashAlgorithm: CalibratedThreshold] = [:]) {
        self.thresholds = thresholds
        self.calibration = calibration
    }

    /// Calibrates every algorithm's threshold at the target false-positive rate. An algorithm for which no
    /// distance meets the target gets no threshold (it can never agree) but keeps its calibration record.
    public static func calibrated(
        from samples: [HashAlgorithm: [LabelledDistance]], targetFalsePositiveRate: Double = 1e-3
    ) throws(MatchingError) -> MatchPolicy {
        var thresholds: [HashAlgorithm: Int] = [:], records: [HashAlgorithm: CalibratedThreshold] = [:]
        for (algorithm, pairs) in samples {
            let record = try Calibration.threshold(
                pairs, targetFalsePositiveRate: targetFalsePositiveRate, algorithm: algorithm.rawValue)
            records[algorithm] = record
            if let t = record.threshold { thresholds[algorithm] = t }
        }
        return MatchPolicy(thresholds: thresholds, calibration: records)
    }

    /// Judges one pair from its distances per algorithm (algorithms without a threshold are ignored).
    ///
    /// Tier: `confirm` when PDQ agrees and the agreeing algorithms span at least two families, `suggest` when
    /// anything agrees otherwise, nil for nothing. pHash and dHash both threshold the low frequencies of the
    /// same luma: on look-alike packs of one brand they agree together while PDQ does not (issue 16), so
    /// their agreement alone suggests and never confirms.
    /// Strength: per agreeing algorithm s = 1 − d / (t + 1) (1 at distance 0, near 0 at the threshold); per
    /// family the best s; combined as 1 − Π(1 − s_family), so independent agreement raises it.
    /// - Complexity: O(a) for a algorithms.
    public func assess(_ distances: [HashAlgorithm: Int]) -> MatchAssessment? {
        var agreeing: [HashAlgorithm] = []
        var bestByFamily: [String: Double] = [:]
        for (algorithm, d) in distances {
            guard let t = thresholds[algorithm], d >= 0, d <= t else { continue }
            agreeing.append(algorithm)
            let s = 1 - Double(d) / Double(t + 1)
            bestByFamily[algorithm.family] = max(bestByFamily[algorithm.family] ?? 0, s)
        }
        guard !agreeing.isEmpty else { return nil }
        let strength = 1 - bestByFamily.values.reduce(1.0) { $0 * (1 - $1) }
        return MatchAssessment(
            tier: bestByFamily.count >= 2 && bestByFamily[HashAlgorithm.pdq.family] != nil ? .confirm : .suggest,
            agreeing: agreeing.sorted(), strength: strength)
    }
}
