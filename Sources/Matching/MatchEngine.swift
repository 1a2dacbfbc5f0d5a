public import PerceptualHash

/// The hashes kept for every catalogue crop and tip photo, for matching in any orientation: PDQ with its 8
/// dihedral hashes, and pHash and dHash of the image after each of the same 8 transforms.
public struct MatchHashes: Sendable, Equatable {
    /// PDQ of the upright image and its quality.
    public var pdq: PDQHash
    /// The 8 dihedral PDQ hashes (index 0 = `pdq.hash`), in `PDQDihedral` order.
    public var pdqDihedral: [Hash256]
    /// pHash of the image after each dihedral transform (index 0 exact).
    public var phash: [Hash64]
    /// dHash of the image after each dihedral transform (index 0 exact).
    public var dhash: [Hash64]

    /// Names of the 8 dihedral transforms in `PDQDihedral` order, as reported in matches.
    public static let dihedralNames = ["orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"]

    /// Hashes from their parts (8 entries each).
    public init(pdq: PDQHash, pdqDihedral: [Hash256], phash: [Hash64], dhash: [Hash64]) {
        self.pdq = pdq
        self.pdqDihedral = pdqDihedral
        self.phash = phash
        self.dhash = dhash
    }

    /// Whether a 64-bit hash carries enough information to vote: flat or smooth images give hashes with
    /// almost no set (or unset) bits (a flat image's dHash is all zeros), which match every other flat
    /// image. Plays the role PDQ's quality score plays for PDQ.
    public static func isInformative(_ h: Hash64) -> Bool { (8...56).contains(h.popCount) }

    /// The distances of `query` in each of its 8 dihedral transforms to `reference` as stored, per usable
    /// algorithm (PDQ below `minimumPDQQuality` and uninformative 64-bit hashes are left out).
    public static func distances(_ query: MatchHashes, _ reference: MatchHashes, minimumPDQQuality: Int = 50) -> [[String: Int]] {
        let usePDQ = query.pdq.quality >= minimumPDQQuality && reference.pdq.quality >= minimumPDQQuality
        let usePHash = isInformative(query.phash[0]) && isInformative(reference.phash[0])
        let useDHash = isInformative(query.dhash[0]) && isInformative(reference.dhash[0])
        return (0..<8).map { k in
            var d: [String: Int] = [:]
            if usePDQ { d["pdq"] = query.pdqDihedral[k].distance(to: reference.pdq.hash) }
            if usePHash { d["phash"] = query.phash[k].distance(to: reference.phash[0]) }
            if useDHash { d["dhash"] = query.dhash[k].distance(to: reference.dhash[0]) }
            return d
        }
    }
}

/// One judged match of a query against a reference of a `MatchEngine`.
public struct EngineMatch<Metadata: Sendable>: Sendable {
    /// What the matched reference points at (a crop, a photo, a bank entry, …).
    public var reference: Metadata
    /// Distances per algorithm under the best dihedral transform (`pdq`, `phash`, `dhash`).
    public var distances: [String: Int]
    /// The dihedral transform of the query that matched best (`orig`, `rot90`, …).
    public var transform: String
    /// Tier, agreeing algorithms and strength.
    public var assessment: MatchAssessment
}

/// The default thresholds, from `objtrace calibrate --exclude formats/tx_modes/ --manifest dev/MANIFEST.tsv
/// dev/KNOWN_PAIRS.tsv` (54 true pairs, 2,000 negatives from different MANIFEST groups, FPR target 1e-3):
/// pHash 11 (TPR 0.78, 0 false positives), dHash 12 (TPR 0.78, FPR 6e-4). PDQ calibrated to 99 because the
/// dev negatives never come near each other; that says more about a small negative set than about PDQ, so
/// PDQ keeps the reference recommendation of 31. `tx_modes` is excluded because those files are the bridge
/// photo in other colour modes, filed under a different MANIFEST group.
public enum DefaultPolicy {
    /// The shipped thresholds per algorithm.
    public static let thresholds: [String: Int] = ["pdq": 31, "phash": 11, "dhash": 12]

    /// The policy objtrace uses until `objtrace calibrate` stores another.
    public static var policy: MatchPolicy {
        MatchPolicy(thresholds: Dictionary(uniqueKeysWithValues: thresholds.map { (HashAlgorithm(rawValue: $0.key), $0.value) }))
    }
}

/// Matches photos against references with Hamming indexes over PDQ, pHash and dHash, in every dihedral
/// orientation of the query, and judges each candidate with the two-tier `MatchPolicy`. Generic over what a
/// reference points at (like pdq's `MIH256<Metadata>`): the engine knows hashes, not stores.
///
/// Candidates come from radius searches (each algorithm at its own threshold); each candidate is then judged
/// per dihedral transform with the three distances of that same transform, so a rotated photo has to agree in
/// one orientation, not in a different one per algorithm.
public struct MatchEngine<Metadata: Sendable>: Sendable {
    /// The thresholds and tiers.
    public var policy: MatchPolicy
    /// PDQ below this quality is not trusted (the reference recommendation is 50).
    public var minimumPDQQuality = 50
    /// The references' metadata, by insertion order.
    public private(set) var references: [Metadata] = []
    private var hashes: [MatchHashes] = []
    private var pdqIndex = HammingIndex256(designRadius: 31)
    private var phashIndex = HammingIndex64(designRadius: 10)
    private var dhashIndex = HammingIndex64(designRadius: 10)

    /// An empty engine.
    public init(policy: MatchPolicy) {
        self.policy = policy
    }

    /// The number of references.
    public var count: Int { references.count }

    /// Adds one reference (incremental: no rebuild).
    /// - Complexity: amortised O(1) per index.
    public mutating func add(_ metadata: Metadata, hashes h: MatchHashes) {
        let id = Int64(references.count)
        references.append(metadata)
        hashes.append(h)
        pdqIndex.add(id: id, code: Self.code(h.pdq.hash))
        phashIndex.add(id: id, code: h.phash[0].value)
        dhashIndex.add(id: id, code: h.dhash[0].value)
    }

    static func code(_ h: Hash256) -> HammingIndex256.Code {
        HammingIndex256.Code(h.words.0, h.words.1, h.words.2, h.words.3)
    }

    private func threshold(_ name: String) -> Int? { policy.thresholds[HashAlgorithm(rawValue: name)] }

    /// All references that `query` matches in either tier, best first; `excluding` filters references out
    /// (e.g. the query's own tip).
    /// - Complexity: 8 radius searches per algorithm, then O(candidates × 8).
    public func match(_ query: MatchHashes, excluding: (Metadata) -> Bool = { _ in false }) -> [EngineMatch<Metadata>] {
        var candidates = Set<Int64>()
        let usePDQ = query.pdq.quality >= minimumPDQQuality
        for k in 0..<8 {
            if usePDQ, let t = threshold("pdq") {
                for m in pdqIndex.search(Self.code(query.pdqDihedral[k]), radius: t) { candidates.insert(m.id) }
            }
            if let t = threshold("phash") { for m in phashIndex.search(query.phash[k].value, radius: t) { candidates.insert(m.id) } }
            if let t = threshold("dhash") { for m in dhashIndex.search(query.dhash[k].value, radius: t) { candidates.insert(m.id) } }
        }
        var out: [EngineMatch<Metadata>] = []
        for id in candidates.sorted() {
            let i = Int(id)
            if excluding(references[i]) { continue }
            if let best = judge(query, hashes[i], reference: references[i]) { out.append(best) }
        }
        return out.sorted {
            ($0.assessment.tier, $0.assessment.strength) > ($1.assessment.tier, $1.assessment.strength)
        }
    }

    /// References within the PDQ threshold of a bare PDQ hash (e.g. from a shared hash list), nearest first.
    /// One hash family can only ever suggest.
    /// - Complexity: one radius search.
    public func matchPDQ(_ hash: Hash256) -> [(reference: Metadata, distance: Int)] {
        guard let t = threshold("pdq") else { return [] }
        return pdqIndex.search(Self.code(hash), radius: t).map { (references[Int($0.id)], $0.distance) }
    }

    /// The best assessment of `query` against one reference's hashes over the 8 dihedral transforms.
    public func judge(_ query: MatchHashes, _ referenceHashes: MatchHashes, reference: Metadata) -> EngineMatch<Metadata>? {
        var best: EngineMatch<Metadata>?
        for (k, distances) in MatchHashes.distances(query, referenceHashes, minimumPDQQuality: minimumPDQQuality).enumerated() {
            let typed = Dictionary(uniqueKeysWithValues: distances.map { (HashAlgorithm(rawValue: $0.key), $0.value) })
            guard let assessment = policy.assess(typed) else { continue }
            if let b = best, (b.assessment.tier, b.assessment.strength) >= (assessment.tier, assessment.strength) { continue }
            best = EngineMatch(reference: reference, distances: distances, transform: MatchHashes.dihedralNames[k],
                               assessment: assessment)
        }
        return best
    }
}
