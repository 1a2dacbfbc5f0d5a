import Foundation
public import CaseWork

/// A hypothesis's storage key: the normalised brand, product and country a tip claims (normalisation happens
/// above the store; the store only keeps and compares the values).
public struct ClaimKey: Hashable, Sendable {
    /// Normalised brand, product and country (nil when not claimed).
    public let brand: String?, product: String?, country: String?

    /// A key from normalised values.
    public init(brand: String?, product: String?, country: String?) {
        self.brand = brand
        self.product = product
        self.country = country
    }

    /// Number of claimed fields.
    public var fields: Int { [brand, product, country].count { $0 != nil } }

    /// Whether nothing is claimed.
    public var isEmpty: Bool { fields == 0 }

    /// The stored text: the three values as a JSON array (`["alpro",null,"SE"]`), unambiguous whatever the
    /// values contain; "" when nothing is claimed.
    public var text: String {
        guard !isEmpty else { return "" }
        func quoted(_ v: String?) -> String {
            guard let v else { return "null" }
            var out = "\""
            for scalar in v.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        return "[" + [brand, product, country].map(quoted).joined(separator: ",") + "]"
    }

    /// Every non-empty key whose claimed fields are a subset of this key's with the same values (including
    /// itself): the claims that support this hypothesis. At most 7.
    public var subsets: [ClaimKey] {
        var out: [ClaimKey] = []
        for mask in 1..<8 {
            let k = ClaimKey(brand: mask & 1 != 0 ? brand : nil, product: mask & 2 != 0 ? product : nil,
                             country: mask & 4 != 0 ? country : nil)
            if !k.isEmpty && !out.contains(k) { out.append(k) }
        }
        return out
    }
}

/// One tip's part in an object's evidence, as kept for incremental ranking.
public struct EvidenceRow: Hashable, Sendable {
    /// The tip.
    public var tip: TipID
    /// Its near-duplicate cluster (the smallest tip id in it).
    public var cluster: Int64
    /// Its normalised claims.
    public var key: ClaimKey
    /// Its ranking weight when recorded (decision × visual strength).
    public var weight: Double

    /// A row.
    public init(tip: TipID, cluster: Int64, key: ClaimKey, weight: Double) {
        self.tip = tip
        self.cluster = cluster
        self.key = key
        self.weight = weight
    }
}

/// A hypothesis's running totals for one object.
public struct HypothesisTotal: Hashable, Sendable {
    /// The hypothesis.
    public var key: ClaimKey
    /// Σ over clusters of the cluster's best contribution.
    public var score: Double
    /// Clusters that support it.
    public var clusters: Int

    /// Totals.
    public init(key: ClaimKey, score: Double, clusters: Int) {
        self.key = key
        self.score = score
        self.clusters = clusters
    }
}

/// The counted (strongest) tip of one cluster for one hypothesis.
public struct ClusterBest: Hashable, Sendable {
    /// Its contribution (weight × compatibility).
    public var contribution: Double
    /// The tip.
    public var tip: TipID

    /// A cluster's best.
    public init(contribution: Double, tip: TipID) {
        self.contribution = contribution
        self.tip = tip
    }
}

/// Everything the ranking needs to know about one tip that concerns an object, read in bulk.
public struct EvidenceSource: Hashable, Sendable {
    /// The tip.
    public var tip: TipID
    /// Its state (the analyst's decision).
    public var state: TipState
    /// Raw claims.
    public var brand: String?, product: String?, country: String?
    /// Best match strength of its photos to the object's crops (0 when none).
    public var visualStrength: Double
}

extension CaseStore {
    // MARK: - source data, read in bulk

    private static let concerningTipsCTE = """
        WITH ids(id) AS (
            SELECT id FROM tips WHERE about_object_id = ?1
            UNION SELECT id FROM tips WHERE linked_object_id = ?1
            UNION SELECT tip_id FROM tip_matches WHERE object_id = ?1
            UNION SELECT r.tip_id FROM tip_photo_repeats r JOIN tip_matches m ON m.tip_photo_id = r.photo_id
                  WHERE m.object_id = ?1)
        """

    /// Every tip that concerns an object (about it, linked to it, or with a photo that matched one of its
    /// crops in either tier) with its state, claims and visual strength, and the near-duplicate links among
    /// them (confirm-tier photo matches between tips, and repeats of an identical photo).
    /// - Complexity: O(t) rows in five indexed queries, independent of the rest of the store.
    public func evidenceSources(of code: ObjectCode) throws -> (tips: [EvidenceSource], links: [(TipID, TipID)]) {
        let row = try objectRowID(code)
        var strength: [Int64: Double] = [:]
        for (tip, s) in try database.query(
            """
            SELECT tip_id, max(strength) FROM tip_matches WHERE object_id = ?1 GROUP BY tip_id
            UNION ALL
            SELECT r.tip_id, max(m.strength) FROM tip_photo_repeats r JOIN tip_matches m ON m.tip_photo_id = r.photo_id
            WHERE m.object_id = ?1 GROUP BY r.tip_id
            """, [row], { ($0.int(0), $0.double(1)) }) {
            strength[tip] = max(strength[tip] ?? 0, s)
        }
        let tips = try database.query(
            Self.concerningTipsCTE + """
            SELECT t.id AS tip, t.state AS state, b.value AS brand, p.value AS product, c.value AS country
            FROM ids JOIN tips t ON t.id = ids.id
            LEFT JOIN tip_claims b ON b.tip_id = t.id AND b.kind = 'brand'
            LEFT JOIN tip_claims p ON p.tip_id = t.id AND p.kind = 'product'
            LEFT JOIN tip_claims c ON c.tip_id = t.id AND c.kind = 'country'
            ORDER BY t.id
            """, [row]
        ) { r throws(StoreError) -> EvidenceSource in
            let id = try r.int("tip"), rawState = try r.text("state")
            guard let state = TipState(rawValue: rawState) else { throw StoreError.integrity("tip \(id): unknown state \(rawState)") }
            return EvidenceSource(tip: TipID(id), state: state, brand: try r.optionalText("brand"),
                                  product: try r.optionalText("product"), country: try r.optionalText("country"),
                                  visualStrength: strength[id] ?? 0)
        }
        let sources = tips
        let links = try database.query(
            Self.concerningTipsCTE + """
            SELECT m.tip_id, m.ref_tip_id FROM tip_matches m
            WHERE m.tier = 'confirm' AND m.ref_tip_id IN (SELECT id FROM ids) AND m.tip_id IN (SELECT id FROM ids)
            UNION ALL
            SELECT r.tip_id, p.tip_id FROM tip_photo_repeats r JOIN tip_photos p ON p.id = r.photo_id WHERE r.tip_id IN (SELECT id FROM ids)
            """, [row]
        ) { (TipID($0.int(0)), TipID($0.int(1))) }
        return (sources, links)
    }

    /// The objects a tip concerns: about, linked, matched (either tier, also through a repeated photo).
    func objectRowsConcerning(tip id: TipID) throws -> [Int64] {
        try database.query(
            """
            SELECT about_object_id FROM tips WHERE id = ?1 AND about_object_id IS NOT NULL
            UNION SELECT linked_object_id FROM tips WHERE id = ?1 AND linked_object_id IS NOT NULL
            UNION SELECT object_id FROM tip_matches WHERE tip_id = ?1 AND object_id IS NOT NULL
            UNION SELECT m.object_id FROM tip_photo_repeats r JOIN tip_matches m ON m.tip_photo_id = r.photo_id
                  WHERE r.tip_id = ?1 AND m.object_id IS NOT NULL
            UNION SELECT object_id FROM object_evidence WHERE tip_id = ?1
            """, [id.rawValue]) { $0.int(0) }
    }

    // MARK: - freshness

    /// Whether the object's incremental aggregates are current (otherwise rebuild them with `replaceEvidence`).
    public func evidenceIsFresh(_ code: ObjectCode) throws -> Bool {
        try database.queryFirst("SELECT 1 FROM evidence_fresh WHERE object_id = ?", [try objectRowID(code)]) { _ in true } ?? false
    }

    /// Marks objects' aggregates stale (an analyst's decision changed a weight, clusters merged, …).
    public func invalidateEvidence(_ codes: [ObjectCode]) throws {
        for code in codes { try database.run("DELETE FROM evidence_fresh WHERE object_id = ?", [try objectRowID(code)]) }
    }

    /// Marks stale the aggregates of every object the tip concerns; runs inside the caller's transaction.
    func invalidateEvidence(ofTip id: TipID) throws {
        for row in try objectRowsConcerning(tip: id) {
            try database.run("DELETE FROM evidence_fresh WHERE object_id = ?", [row])
        }
    }

    /// Replaces an object's evidence and aggregates with a full recomputation and marks them fresh, in one
    /// transaction (derived data: no audit entry).
    public func replaceEvidence(of code: ObjectCode, rows: [EvidenceRow], totals: [HypothesisTotal],
                                bests: [(key: ClaimKey, cluster: Int64, best: ClusterBest)]) throws {
        try database.transaction {
            let object = try objectRowID(code)
            try database.run("DELETE FROM object_evidence WHERE object_id = ?", [object])
            try database.run("DELETE FROM hypothesis_scores WHERE object_id = ?", [object])
            try database.run("DELETE FROM hypothesis_clusters WHERE object_id = ?", [object])
            for r in rows { try insertEvidence(object, r) }
            for t in totals { try writeTotal(object, t) }
            for b in bests { try writeBest(object, b.key, b.cluster, b.best) }
            try database.run("INSERT INTO evidence_fresh (object_id) VALUES (?) ON CONFLICT DO NOTHING", [object])
        }
    }

    // MARK: - incremental updates (inside the intake's transaction)

    /// The clusters of those of `tips` that already are evidence of the object.
    public func evidenceClusters(of code: ObjectCode, tips: [TipID]) throws -> [TipID: Int64] {
        let object = try objectRowID(code)
        var out: [TipID: Int64] = [:]
        for tip in Set(tips) {
            if let c = try database.queryFirst("SELECT cluster_id FROM object_evidence WHERE object_id = ? AND tip_id = ?",
                                               [object, tip.rawValue], { $0.int(0) }) { out[tip] = c }
        }
        return out
    }

    /// Whether any evidence row of the object is in `cluster`.
    public func hasEvidence(of code: ObjectCode, inCluster cluster: Int64) throws -> Bool {
        try database.queryFirst("SELECT 1 FROM object_evidence WHERE object_id = ? AND cluster_id = ? LIMIT 1",
                                [try objectRowID(code), cluster]) { _ in true } ?? false
    }

    /// The tip that owns a stored photo row.
    public func tipOwning(photo photoID: Int64) throws -> TipID? {
        try database.queryFirst("SELECT tip_id FROM tip_photos WHERE id = ?", [photoID]) { TipID($0.int(0)) }
    }

    /// Adds (or replaces) one tip's evidence row.
    public func addEvidence(of code: ObjectCode, _ row: EvidenceRow) throws {
        try insertEvidence(try objectRowID(code), row)
    }

    /// Hypotheses of the object that `key` supports: those claiming at least `key`'s fields with the same values.
    /// - Complexity: O(hypotheses of the object), independent of its number of tips.
    public func hypotheses(of code: ObjectCode, supportedBy key: ClaimKey) throws -> [HypothesisTotal] {
        try database.query(
            """
            SELECT brand, product, country, score, clusters FROM hypothesis_scores
            WHERE object_id = ?1 AND (?2 IS NULL OR brand = ?2) AND (?3 IS NULL OR product = ?3) AND (?4 IS NULL OR country = ?4)
            """, [try objectRowID(code), key.brand, key.product, key.country]
        ) { r in
            HypothesisTotal(key: ClaimKey(brand: r.optionalText(0), product: r.optionalText(1), country: r.optionalText(2)),
                            score: r.double(3), clusters: Int(r.int(4)))
        }
    }

    /// One hypothesis's totals, if the object has it.
    public func hypothesis(of code: ObjectCode, _ key: ClaimKey) throws -> HypothesisTotal? {
        try database.queryFirst("SELECT score, clusters FROM hypothesis_scores WHERE object_id = ? AND hkey = ?",
                                [try objectRowID(code), key.text]) { r in
            HypothesisTotal(key: key, score: r.double(0), clusters: Int(r.int(1)))
        }
    }

    /// The counted tip of one cluster for one hypothesis.
    public func clusterBest(of code: ObjectCode, _ key: ClaimKey, cluster: Int64) throws -> ClusterBest? {
        try database.queryFirst(
            "SELECT best, best_tip FROM hypothesis_clusters WHERE object_id = ? AND hkey = ? AND cluster_id = ?",
            [try objectRowID(code), key.text, cluster]) { ClusterBest(contribution: $0.double(0), tip: TipID($0.int(1))) }
    }

    /// The counted tips of every cluster of one hypothesis.
    public func countedTips(of code: ObjectCode, _ key: ClaimKey) throws -> [TipID] {
        try database.query("SELECT best_tip FROM hypothesis_clusters WHERE object_id = ? AND hkey = ? ORDER BY best_tip",
                           [try objectRowID(code), key.text]) { TipID($0.int(0)) }
    }

    /// Sets a cluster's counted tip for a hypothesis.
    public func setClusterBest(of code: ObjectCode, _ key: ClaimKey, cluster: Int64, _ best: ClusterBest) throws {
        try writeBest(try objectRowID(code), key, cluster, best)
    }

    /// Sets a hypothesis's totals.
    public func setHypothesis(of code: ObjectCode, _ total: HypothesisTotal) throws {
        try writeTotal(try objectRowID(code), total)
    }

    /// The object's evidence rows whose claims are exactly one of `keys` (to start a new hypothesis from the
    /// tips that already support it).
    /// - Complexity: O(rows returned).
    public func evidence(of code: ObjectCode, keys: [ClaimKey]) throws -> [EvidenceRow] {
        let object = try objectRowID(code)
        var out: [EvidenceRow] = []
        for key in keys {
            out += try database.query(
                "SELECT tip_id, cluster_id, weight FROM object_evidence WHERE object_id = ? AND hkey = ?", [object, key.text]
            ) { EvidenceRow(tip: TipID($0.int(0)), cluster: $0.int(1), key: key, weight: $0.double(2)) }
        }
        return out
    }

    private func insertEvidence(_ object: Int64, _ r: EvidenceRow) throws {
        try database.run(
            """
            INSERT INTO object_evidence (object_id, tip_id, cluster_id, hkey, fields, weight) VALUES (?,?,?,?,?,?)
            ON CONFLICT (object_id, tip_id) DO UPDATE SET cluster_id = excluded.cluster_id, hkey = excluded.hkey,
                fields = excluded.fields, weight = excluded.weight
            """,
            [object, r.tip.rawValue, r.cluster, r.key.text, r.key.fields, r.weight])
    }

    private func writeTotal(_ object: Int64, _ t: HypothesisTotal) throws {
        try database.run(
            """
            INSERT INTO hypothesis_scores (object_id, hkey, brand, product, country, fields, score, clusters) VALUES (?,?,?,?,?,?,?,?)
            ON CONFLICT (object_id, hkey) DO UPDATE SET score = excluded.score, clusters = excluded.clusters
            """, [object, t.key.text, t.key.brand, t.key.product, t.key.country, t.key.fields, max(0, t.score), t.clusters])
    }

    private func writeBest(_ object: Int64, _ key: ClaimKey, _ cluster: Int64, _ best: ClusterBest) throws {
        try database.run(
            """
            INSERT INTO hypothesis_clusters (object_id, hkey, cluster_id, best, best_tip) VALUES (?,?,?,?,?)
            ON CONFLICT (object_id, hkey, cluster_id) DO UPDATE SET best = excluded.best, best_tip = excluded.best_tip
            """, [object, key.text, cluster, best.contribution, best.tip.rawValue])
    }

    // MARK: - change detection for long-lived processes

    /// The change counters (`catalogue`, `banks`, `settings`), bumped by triggers on every relevant write by
    /// any connection. (`PRAGMA data_version` would miss this connection's own writes, e.g. `object publish`
    /// through the store while a service on the same connection caches the catalogue.)
    public func changeCounters() throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for (k, v) in try database.query("SELECT name, value FROM change_counters", [], { ($0.text(0), $0.int(1)) }) { out[k] = v }
        return out
    }
}
