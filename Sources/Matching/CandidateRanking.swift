/// An analyst's decision on a single tip.
public enum TipDecision: String, Hashable, Sendable, Codable, CaseIterable {
    /// Not reviewed yet.
    case unreviewed
    /// Reviewed and judged relevant.
    case relevant
    /// Reviewed and judged not relevant to this object (kept, weighs little).
    case irrelevant
    /// Spam: excluded from every score.
    case spam
}

/// An analyst's verdict on a hypothesis, which overrides its score in the ranking.
public enum HypothesisVerdict: String, Hashable, Sendable, Codable {
    /// Confirmed by an analyst: ranked above every unconfirmed hypothesis.
    case confirmed
    /// Rejected by an analyst: ranked below every other hypothesis.
    case rejected
}

/// One tip about one object, as the ranker sees it.
public struct TipEvidence: Hashable, Sendable, Codable {
    /// The tip's id.
    public var tipId: Int64
    /// The near-duplicate cluster it belongs to (see `TipClusters`); tips of one cluster count once.
    public var clusterId: Int64
    /// What the tipster claims.
    public var claims: Claims
    /// Visual match strength of the tip's photo to the object in [0, 1] (0 when it has no matching photo).
    public var visualStrength: Double
    /// The analyst's decision on the tip.
    public var decision: TipDecision

    /// Creates the ranker's view of a tip.
    public init(tipId: Int64, clusterId: Int64, claims: Claims, visualStrength: Double,
                decision: TipDecision = .unreviewed) {
        self.tipId = tipId
        self.clusterId = clusterId
        self.claims = claims
        self.visualStrength = visualStrength
        self.decision = decision
    }
}

/// The weights of the ranking formula (see `CandidateRanker`).
public struct RankingWeights: Hashable, Sendable, Codable {
    /// Decision factor of an unreviewed tip.
    public var unreviewed = 1.0
    /// Decision factor of a tip judged relevant.
    public var relevant = 2.0
    /// Decision factor of a tip judged irrelevant.
    public var irrelevant = 0.25
    /// Visual factor of a tip with no visual match: a text-only tip still counts, but less than a matching photo.
    public var visualFloor = 0.25

    /// The default weights.
    public init() {}

    /// Decision factor for a decision (0 for spam).
    public func factor(_ decision: TipDecision) -> Double {
        switch decision {
        case .unreviewed: unreviewed
        case .relevant: relevant
        case .irrelevant: irrelevant
        case .spam: 0
        }
    }
}

/// One tip's part in one hypothesis's score.
public struct EvidenceItem: Hashable, Sendable, Codable {
    /// Why the tip does or does not add to the score.
    public enum Role: String, Hashable, Sendable, Codable {
        /// The tip is its cluster's strongest support and its contribution is counted.
        case counted
        /// Another tip of the same near-duplicate cluster is counted instead.
        case duplicateInCluster
        /// The tip is spam and excluded.
        case spam
    }

    /// The tip.
    public var tipId: Int64
    /// Its cluster.
    public var clusterId: Int64
    /// Its weight w = decision factor × (floor + (1 − floor) × visual strength).
    public var weight: Double
    /// How fully its claims support the hypothesis (1 = the same claims, k/n = k of the hypothesis's n fields).
    public var compatibility: Double
    /// What it adds to the score: w × compatibility when counted, otherwise 0.
    public var contribution: Double
    /// Why.
    public var role: Role
}

/// A candidate identification of an object's origin with its score and evidence.
public struct RankedHypothesis: Hashable, Sendable, Codable {
    /// The normalised brand/product/country hypothesis.
    public var claims: NormalizedClaims
    /// Σ over supporting clusters of the cluster's best tip contribution.
    public var score: Double
    /// score / Σ scores of all hypotheses that are not rejected (0 for rejected ones).
    public var share: Double
    /// Number of distinct near-duplicate clusters that support it.
    public var supportingClusters: Int
    /// The analyst's verdict, if any.
    public var verdict: HypothesisVerdict?
    /// Every tip whose claims are compatible with it, strongest first.
    public var evidence: [EvidenceItem]
}

/// Ranks candidate identifications (brand?, product?, country?) of one object from its tips.
///
/// Score formula. Every tip t gets a weight w_t = D(decision_t) · (f + (1 − f) · v_t), with v_t its visual match
/// strength, f the visual floor (0.25) and D = 2 for relevant, 1 unreviewed, 0.25 irrelevant; spam tips are
/// excluded. Hypotheses are the distinct normalised claim sets. A tip supports hypothesis H with compatibility
/// c(t, H) = 1 when its normalised claims equal H, |t|/|H| when its claims are a strict subset of H's with equal
/// values (a vaguer tip corroborates a more specific one), else 0 (conflicting or more specific claims; a more
/// specific tip supports its own hypothesis). Tips of one near-duplicate cluster are one piece of evidence: a
/// cluster adds max over its tips of w_t · c(t, H). score(H) = Σ over clusters. Order: analyst-confirmed
/// hypotheses first, rejected ones last, otherwise by score, then number of supporting clusters, then claims.
public struct CandidateRanker: Sendable {
    /// Claim normalisation (countries, brand and product aliases).
    public var normalizer: ClaimNormalizer
    /// Weights of the formula.
    public var weights: RankingWeights

    /// Creates a ranker.
    public init(normalizer: ClaimNormalizer = ClaimNormalizer(), weights: RankingWeights = RankingWeights()) {
        self.normalizer = normalizer
        self.weights = weights
    }

    /// The weight of one tip (0 for spam).
    public func weight(of tip: TipEvidence) -> Double {
        let v = min(max(tip.visualStrength.isFinite ? tip.visualStrength : 0, 0), 1)
        return weights.factor(tip.decision) * (weights.visualFloor + (1 - weights.visualFloor) * v)
    }

    /// How fully claims `t` support hypothesis `h` (see the type's documentation).
    public static func compatibility(_ t: NormalizedClaims, _ h: NormalizedClaims) -> Double {
        let fields: [(String?, String?)] = [(t.brand, h.brand), (t.product, h.product), (t.country, h.country)]
        var shared = 0
        for (a, b) in fields {
            guard let a else { continue }
            guard let b, a == b else { return 0 }
            shared += 1
        }
        let n = h.specifiedCount
        return shared == 0 || n == 0 ? 0 : Double(shared) / Double(n)
    }

    /// Ranks every hypothesis raised by the tips or named in `verdicts`.
    /// - Complexity: O(h · t) for h hypotheses and t tips.
    public func rank(_ tips: [TipEvidence], verdicts: [NormalizedClaims: HypothesisVerdict] = [:])
        -> [RankedHypothesis]
    {
        let normalized = tips.map { normalizer.normalize($0.claims) }
        var hypotheses = Set(verdicts.keys.filter { !$0.isEmpty })
        for (tip, claims) in zip(tips, normalized) where tip.decision != .spam && !claims.isEmpty {
            hypotheses.insert(claims)
        }
        var ranked: [RankedHypothesis] = []
        for h in hypotheses {
            var items: [EvidenceItem] = []
            for (tip, claims) in zip(tips, normalized) {
                let c = Self.compatibility(claims, h)
                guard c > 0 else { continue }
                let w = weight(of: tip)
                items.append(EvidenceItem(
                    tipId: tip.tipId, clusterId: tip.clusterId, weight: w, compatibility: c,
                    contribution: w * c, role: tip.decision == .spam ? .spam : .duplicateInCluster))
            }
            // The strongest tip of each cluster is counted; ties go to the smaller tip id.
            var best: [Int64: Int] = [:]
            for (i, item) in items.enumerated() where item.role != .spam {
                if let j = best[item.clusterId] {
                    let other = items[j]
                    if item.contribution > other.contribution
                        || (item.contribution == other.contribution && item.tipId < other.tipId)
                    {
                        best[item.clusterId] = i
                    }
                } else {
                    best[item.clusterId] = i
                }
            }
            var score = 0.0
            for i in items.indices {
                if best[items[i].clusterId] == i {
                    items[i].role = .counted
                    score += items[i].contribution
                } else {
                    items[i].contribution = 0
                }
            }
            items.sort {
                ($0.contribution, $0.weight * $0.compatibility, -$0.tipId)
                    > ($1.contribution, $1.weight * $1.compatibility, -$1.tipId)
            }
            ranked.append(RankedHypothesis(
                claims: h, score: score, share: 0, supportingClusters: best.count, verdict: verdicts[h],
                evidence: items))
        }
        let total = ranked.filter { $0.verdict != .rejected }.reduce(0) { $0 + $1.score }
        for i in ranked.indices where ranked[i].verdict != .rejected && total > 0 {
            ranked[i].share = ranked[i].score / total
        }
        func group(_ v: HypothesisVerdict?) -> Int { v == .confirmed ? 0 : v == .rejected ? 2 : 1 }
        ranked.sort { a, b in
            if group(a.verdict) != group(b.verdict) { return group(a.verdict) < group(b.verdict) }
            if a.score != b.score { return a.score > b.score }
            if a.supportingClusters != b.supportingClusters { return a.supportingClusters > b.supportingClusters }
            return a.claims < b.claims
        }
        return ranked
    }
}
