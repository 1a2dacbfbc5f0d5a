public import CaseWork
public import Matching
import Store

/// Candidate identifications of objects: the live ranking for analysts, and the incremental aggregates the
/// intake updates per tip so that a tip's cost does not grow with the number of tips about its object.
///
/// The aggregates (`object_evidence`, `hypothesis_clusters`, `hypothesis_scores`) give, per object and
/// hypothesis, the strongest contribution of every near-duplicate cluster and their sum: exactly
/// `CandidateRanker`'s score. A new tip touches only the hypotheses its claims support and its own cluster.
/// Whatever the intake cannot apply incrementally (an analyst changed a tip's decision or link, two clusters
/// merged) marks the object stale, and the next use rebuilds it from the source tables once.
public final class CandidateRanking {
    let store: CaseStore
    /// Claim normalisation and ranking weights (the same for the live ranking and the aggregates).
    public let ranker = CandidateRanker()
    /// Objects rebuilt from the source tables (observable by tests).
    public private(set) var rebuilds = 0

    init(store: CaseStore) { self.store = store }

    /// The normalised claims key of raw claims.
    func key(brand: String?, product: String?, country: String?) -> ClaimKey {
        let n = ranker.normalizer.normalize(Matching.Claims(brand: brand, product: product, country: country))
        return ClaimKey(brand: n.brand, product: n.product, country: n.country)
    }

    static func decision(_ state: TipState) -> Matching.TipDecision {
        switch state {
        case .relevant, .linked, .referred: .relevant
        case .spam: .spam
        case .duplicate: .irrelevant
        default: .unreviewed
        }
    }

    /// Every tip about the object as the ranker sees it, from the source tables in a few bulk queries.
    private func evidence(_ code: ObjectCode) throws -> [TipEvidence] {
        let (sources, links) = try store.evidenceSources(of: code)
        let clusters = TipClusters(tips: sources.map(\.tip.rawValue), links: links.map { ($0.0.rawValue, $0.1.rawValue) })
        return sources.map { s in
            TipEvidence(tipId: s.tip.rawValue, clusterId: clusters.clusterOf[s.tip.rawValue] ?? s.tip.rawValue,
                        claims: Matching.Claims(brand: s.brand, product: s.product, country: s.country),
                        visualStrength: s.visualStrength, decision: Self.decision(s.state))
        }
    }

    private func verdicts(_ code: ObjectCode) throws -> [NormalizedClaims: HypothesisVerdict] {
        var verdicts: [NormalizedClaims: HypothesisVerdict] = [:]
        for (hypothesis, state) in try store.decidedHypotheses(of: code) {
            let key = NormalizedClaims(brand: hypothesis.brand.map(ClaimText.normalize),
                                       product: hypothesis.product.map(ClaimText.normalize),
                                       country: hypothesis.country?.value)
            if state == .confirmed { verdicts[key] = .confirmed }
            if state == .rejected { verdicts[key] = .rejected }
        }
        return verdicts
    }

    /// The live ranking of an object's candidate identifications, from every tip that concerns it.
    /// - Complexity: O(t) rows in a few queries plus `CandidateRanker.rank`'s O(h · t).
    public func rank(_ code: ObjectCode) throws -> [RankedHypothesis] {
        ranker.rank(try evidence(code), verdicts: try verdicts(code))
    }

    /// Rebuilds the object's aggregates from the source tables if they are stale.
    func ensureFresh(_ code: ObjectCode) throws {
        guard try !store.evidenceIsFresh(code) else { return }
        try rebuild(code)
    }

    /// Recomputes the object's aggregates from the source tables.
    func rebuild(_ code: ObjectCode) throws {
        rebuilds += 1
        let tips = try evidence(code)
        let rows = tips.map { t in
            EvidenceRow(tip: TipID(t.tipId), cluster: t.clusterId,
                        key: key(brand: t.claims.brand, product: t.claims.product, country: t.claims.country),
                        weight: ranker.weight(of: t))
        }
        var totals: [HypothesisTotal] = []
        var bests: [(key: ClaimKey, cluster: Int64, best: ClusterBest)] = []
        for h in ranker.rank(tips, verdicts: try verdicts(code)) where !h.claims.isEmpty {
            let k = ClaimKey(brand: h.claims.brand, product: h.claims.product, country: h.claims.country)
            totals.append(HypothesisTotal(key: k, score: h.score, clusters: h.supportingClusters))
            for item in h.evidence where item.role == .counted {
                bests.append((k, item.clusterId, ClusterBest(contribution: item.contribution, tip: TipID(item.tipId))))
            }
        }
        try store.replaceEvidence(of: code, rows: rows, totals: totals, bests: bests)
    }

    /// Adds a new tip to an object's aggregates inside the intake's transaction; returns whether the tip is
    /// now the counted tip of its cluster for its own hypothesis.
    ///
    /// - Parameters:
    ///   - linkedTips: tips whose photos the new tip's photos matched in the confirm tier (near-duplicates).
    ///   - repeatedFrom: owners of photos the tip re-sent byte for byte.
    /// - Complexity: O(hypotheses of the object that the tip's claims support) queries, independent of the
    ///   number of tips; a new hypothesis reads the tips with a subset of its claims once.
    @discardableResult
    func add(tip: TipID, claims k: ClaimKey, visualStrength: Double, to code: ObjectCode, linkedTips: [TipID],
             repeatedFrom: [TipID]) throws -> Bool {
        guard try store.evidenceIsFresh(code) else {
            // The rebuild reads the new tip from the source tables (same transaction).
            try rebuild(code)
            return try k.isEmpty ? false : store.clusterBest(of: code, k, cluster: cluster(of: tip, in: code)).map { $0.tip == tip } ?? false
        }
        // The tip's cluster: the clusters of near-duplicate tips that are evidence of this object; a re-sent
        // photo's owner counts even when it is not (as `TipClusters` adds unknown ids from links).
        let known = try store.evidenceClusters(of: code, tips: linkedTips + repeatedFrom)
        var clusters = Set(linkedTips.compactMap { known[$0] })
        for owner in repeatedFrom { clusters.insert(known[owner] ?? owner.rawValue) }
        let target = min(clusters.min() ?? tip.rawValue, tip.rawValue)
        for c in clusters where c != target {
            if try store.hasEvidence(of: code, inCluster: c) {
                // Two clusters merge: renumbering them is the rare case, done by a rebuild.
                try store.invalidateEvidence([code])
                return try add(tip: tip, claims: k, visualStrength: visualStrength, to: code, linkedTips: linkedTips,
                               repeatedFrom: repeatedFrom)
            }
        }
        let w = ranker.weight(of: TipEvidence(tipId: tip.rawValue, clusterId: target, claims: Matching.Claims(),
                                              visualStrength: visualStrength, decision: .unreviewed))
        try store.addEvidence(of: code, EvidenceRow(tip: tip, cluster: target, key: k, weight: w))
        guard !k.isEmpty else { return false }
        var counted = false
        var created = false
        if try store.hypothesis(of: code, k) == nil {
            // A new hypothesis starts with every tip whose claims are a subset of its own (this one included).
            created = true
            var best: [Int64: ClusterBest] = [:]
            for row in try store.evidence(of: code, keys: k.subsets) where row.weight > 0 {
                // (Weight 0 is a spam tip: the ranker never counts it, not even for a cluster of its own.)
                let c = row.weight * Double(row.key.fields) / Double(k.fields)
                if let b = best[row.cluster], b.contribution > c || (b.contribution == c && b.tip < row.tip) { continue }
                best[row.cluster] = ClusterBest(contribution: c, tip: row.tip)
            }
            for (cluster, b) in best { try store.setClusterBest(of: code, k, cluster: cluster, b) }
            try store.setHypothesis(of: code, HypothesisTotal(key: k, score: best.values.reduce(0) { $0 + $1.contribution },
                                                              clusters: best.count))
            counted = best[target]?.tip == tip
        }
        for var h in try store.hypotheses(of: code, supportedBy: k) where !(created && h.key == k) {
            let contribution = w * Double(k.fields) / Double(h.key.fields)
            if let b = try store.clusterBest(of: code, h.key, cluster: target) {
                // Ties go to the smaller tip id, which the new tip never is.
                guard contribution > b.contribution else { continue }
                h.score += contribution - b.contribution
            } else {
                h.score += contribution
                h.clusters += 1
            }
            try store.setClusterBest(of: code, h.key, cluster: target, ClusterBest(contribution: contribution, tip: tip))
            try store.setHypothesis(of: code, h)
            if h.key == k { counted = true }
        }
        return counted
    }

    private func cluster(of tip: TipID, in code: ObjectCode) throws -> Int64 {
        try store.evidenceClusters(of: code, tips: [tip])[tip] ?? tip.rawValue
    }

    /// Adds the tip's claim as support to the stored candidate of its hypothesis for `code`, with the
    /// hypothesis's current score (creating the candidate, with every counted tip, on first use).
    func updateCandidate(tip: TipID, claims k: ClaimKey, counted: Bool, of code: ObjectCode, by analyst: AnalystID) throws {
        guard !k.isEmpty, let total = try store.hypothesis(of: code, k) else { return }
        let country = try k.country.flatMap { $0.count == 2 ? try CountryCode($0) : nil }
        guard let h = try? Hypothesis(brand: k.brand, product: k.product, country: country) else { return }
        var support: [TipID]
        if try store.candidateID(for: code, hypothesis: h) == nil {
            support = try store.countedTips(of: code, k)
            if support.isEmpty { support = [tip] }
        } else {
            support = counted ? [tip] : []
        }
        try store.addCandidateSupport(for: code, hypothesis: h, supportingTips: support, score: total.score, by: analyst)
    }
}
