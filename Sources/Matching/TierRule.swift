/// What a match is evidence for: the very product, or only its brand (a shared logo or product line).
public enum MatchLevel: String, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Evidence for the brand only: a verified local match on part of the object (a logo shared by the
    /// brand's products) or one whose aligned appearance differs (another flavour of the same line).
    case brand
    /// Evidence for this product.
    case product

    /// Orders brand before product.
    public static func < (lhs: MatchLevel, rhs: MatchLevel) -> Bool { lhs == .brand && rhs == .product }
    /// "brand" or "product".
    public var description: String { rawValue }
}

/// Local-feature evidence for one (photo, catalogue object) pair as the tier rule judges it: a verified
/// geometry (`LocalFeatures.LocalMatch`) and its aligned-appearance score.
public struct LocalEvidence: Hashable, Sendable, Codable {
    /// Geometrically consistent correspondences.
    public var inliers: Int
    /// The matcher's score (inliers discounted when they cover little of the object).
    public var score: Double
    /// Fraction (0–1) of the visible reference cells that hold an inlier: spread over the object, or one logo.
    public var coverage: Double
    /// Colour cross-correlation of the photo region warped into the reference's frame with the reference
    /// (`LocalFeatures.AppearanceScore.colour`); nil when it could not be measured.
    public var appearance: Double?

    /// Creates local evidence.
    public init(inliers: Int, score: Double, coverage: Double, appearance: Double?) {
        self.inliers = inliers
        self.score = score
        self.coverage = coverage
        self.appearance = appearance
    }
}

/// The verdict of the tier rule on one (photo, reference) pair.
public struct MatchVerdict: Hashable, Sendable, Codable {
    /// Confirm or suggest.
    public var tier: MatchTier
    /// Product or brand.
    public var level: MatchLevel
    /// Strength in [0, 1] (hash strength, local strength, the larger; halved at brand level).
    public var strength: Double
    /// The evidence that agreed: hash algorithms, plus `local` for a verified local match.
    public var algorithms: [HashAlgorithm]

    /// Orders verdicts for display and ranking: product before brand, then confirm before suggest, then strength.
    public static func ranksBefore(_ a: MatchVerdict, _ b: MatchVerdict) -> Bool {
        (a.level, a.tier, a.strength) > (b.level, b.tier, b.strength)
    }
}

/// THE tier rule: how hash agreement and local-feature evidence combine into a tier and a level. `match`,
/// `tip submit`/`tip import` (which record it), `tip show`, sheets and dossiers (which print what was recorded)
/// all go through `verdict`.
///
/// - Hashes confirm only when PDQ agrees and a second family does too (`MatchPolicy.assess`): pHash and dHash
///   are computed from the same low-frequency luma and agree together on look-alike packs, so their agreement
///   alone is one piece of evidence, not two.
/// - A verified local match is product-level when its inliers cover the object (`productCoverage`) and the
///   photo region, warped into the reference's frame, has the reference's colours (`productAppearance`);
///   otherwise it is brand-level: a logo or a layout the brand's products share.
/// - Confirm: hash confirm, or a product-level local match (alone or with any hash agreement). A hash confirm
///   whose aligned colours anti-correlate (`colourContradiction`) is the same pack in another colourway:
///   brand level.
/// - Suggest at product level: a hash suggestion (one family, or pHash+dHash) that local features do not
///   contradict; at brand level: a brand-level local match.
/// - A hash suggestion without PDQ needs pHash, or dHash alone at strength ≥ `dHashAloneStrength` (distance ≤ 4
///   at the shipped threshold 12): at distance 5–12 dHash alone suggested another product in 269 of 295 cases
///   on the development set, at ≤ 4 in 1 of 11.
public struct TierRule: Hashable, Sendable, Codable {
    /// Least inlier coverage of a product-level local match.
    public var productCoverage: Double
    /// Least aligned colour correlation of a product-level local match.
    public var productAppearance: Double
    /// Aligned colour correlation below which a hash confirm is contradicted (another colourway of the pack).
    public var colourContradiction: Double
    /// Least strength (`MatchPolicy.assess`) of a suggestion by dHash alone.
    public var dHashAloneStrength: Double = 0.65

    /// Creates a rule.
    public init(productCoverage: Double = TierRule.default.productCoverage,
                productAppearance: Double = TierRule.default.productAppearance,
                colourContradiction: Double = TierRule.default.colourContradiction) {
        self.productCoverage = productCoverage
        self.productAppearance = productAppearance
        self.colourContradiction = colourContradiction
    }

    private init(coverage: Double, appearance: Double, contradiction: Double) {
        self.productCoverage = coverage
        self.productAppearance = appearance
        self.colourContradiction = contradiction
    }

    /// The shipped thresholds, chosen on the calibration half of `Benchmarks/match_quality.py` (see README).
    public static let `default` = TierRule(coverage: 0.25, appearance: 0.5, contradiction: 0)

    /// The level a verified local match supports.
    public func level(_ local: LocalEvidence) -> MatchLevel {
        guard local.coverage >= productCoverage, let a = local.appearance, a >= productAppearance else { return .brand }
        return .product
    }

    /// The verdict on one pair from its hash assessment (nil when no hash agreed) and its local evidence (nil
    /// when none was verified).
    /// Nil when neither supports a match.
    public func verdict(hash: MatchAssessment?, local: LocalEvidence?) -> MatchVerdict? {
        var algorithms = hash?.agreeing ?? []
        let localStrength = local.map { min(1, $0.score / 40) } ?? 0
        if local != nil { algorithms.append(.local) }
        let hashStrength = hash?.strength ?? 0
        let strength = max(hashStrength, localStrength)
        if let hash, hash.tier == .confirm {
            // PDQ, pHash and dHash see only luma: the same pack in another colourway passes them all.
            if let a = local?.appearance, a < colourContradiction {
                return MatchVerdict(tier: .suggest, level: .brand, strength: strength / 2, algorithms: algorithms)
            }
            return MatchVerdict(tier: .confirm, level: .product, strength: strength, algorithms: algorithms)
        }
        if let local {
            if level(local) == .product {
                return MatchVerdict(tier: .confirm, level: .product, strength: strength, algorithms: algorithms)
            }
            if hash != nil && hash!.agreeing.contains(where: { $0.family == HashAlgorithm.pdq.family }) {
                // PDQ within its threshold plus a local geometry: the product, though not confirmed.
                return MatchVerdict(tier: .suggest, level: .product, strength: strength, algorithms: algorithms)
            }
            return MatchVerdict(tier: .suggest, level: .brand, strength: strength / 2, algorithms: algorithms)
        }
        guard let hash else { return nil }
        let families = Set(hash.agreeing.map(\.family))
        if !families.contains(HashAlgorithm.pdq.family) {
            // Without PDQ: pHash must agree, or dHash alone very closely.
            guard families.contains(HashAlgorithm.phash.family) || hash.strength >= dHashAloneStrength else { return nil }
        }
        return MatchVerdict(tier: .suggest, level: .product, strength: hashStrength, algorithms: algorithms)
    }
}
