/// Disjoint sets over dense indices with path halving and union by size.
public struct UnionFind: Sendable {
    private var parent: [Int]
    private var size: [Int]

    /// Creates `count` singleton sets.
    public init(count: Int) {
        parent = Array(0 ..< count)
        size = Array(repeating: 1, count: count)
    }

    /// The representative of `x`'s set.
    /// - Complexity: amortised O(α(n)).
    public mutating func find(_ x: Int) -> Int {
        var x = x
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }

    /// Merges the sets of `a` and `b`; returns whether they were separate.
    /// - Complexity: amortised O(α(n)).
    @discardableResult
    public mutating func union(_ a: Int, _ b: Int) -> Bool {
        var ra = find(a), rb = find(b)
        guard ra != rb else { return false }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        parent[rb] = ra
        size[ra] += size[rb]
        return true
    }
}

/// Groups of near-identical tips (the same picture re-sent): each cluster counts as one piece of evidence.
public struct TipClusters: Hashable, Sendable {
    /// Cluster id of every tip: the smallest tip id in its cluster, so ids are stable under re-clustering.
    public private(set) var clusterOf: [Int64: Int64]

    /// Member tip ids per cluster id, sorted.
    public var members: [Int64: [Int64]] {
        var out: [Int64: [Int64]] = [:]
        for (tip, cluster) in clusterOf { out[cluster, default: []].append(tip) }
        return out.mapValues { $0.sorted() }
    }

    /// Number of clusters.
    public var count: Int { Set(clusterOf.values).count }

    /// Clusters `tips` by explicit links (pairs of tip ids judged near-identical); unknown ids in links are added.
    /// - Complexity: O((t + l) α(t)) for t tips and l links.
    public init(tips: some Sequence<Int64>, links: some Sequence<(Int64, Int64)>) {
        var indexOf: [Int64: Int] = [:]
        var ids: [Int64] = []
        func index(_ id: Int64) -> Int {
            if let i = indexOf[id] { return i }
            indexOf[id] = ids.count
            ids.append(id)
            return ids.count - 1
        }
        for tip in tips { _ = index(tip) }
        let pairs = links.map { (index($0.0), index($0.1)) }
        var sets = UnionFind(count: ids.count)
        for (a, b) in pairs { sets.union(a, b) }
        var smallest: [Int: Int64] = [:]
        for (i, id) in ids.enumerated() {
            let root = sets.find(i)
            smallest[root] = min(smallest[root] ?? id, id)
        }
        var clusterOf: [Int64: Int64] = [:]
        for (i, id) in ids.enumerated() { clusterOf[id] = smallest[sets.find(i)]! }
        self.clusterOf = clusterOf
    }

    /// Clusters tips whose photos' 256-bit codes (PDQ) lie within `radius`; a tip may have several photos, and
    /// tips without photos can be passed in `otherTips` to get singleton clusters. Use a tight radius: this is
    /// "the same picture again", not "the same object".
    /// - Complexity: one index build plus one radius search per photo.
    public init(photos: [(tip: Int64, code: HammingIndex256.Code)], radius: Int, otherTips: [Int64] = []) {
        var index = HammingIndex256(designRadius: radius)
        index.add(contentsOf: photos.enumerated().map { (id: Int64($0.offset), code: $0.element.code) })
        var links: [(Int64, Int64)] = []
        for (i, photo) in photos.enumerated() {
            for hit in index.search(photo.code, radius: radius) where hit.id > Int64(i) {
                links.append((photo.tip, photos[Int(hit.id)].tip))
            }
        }
        self.init(tips: photos.map(\.tip) + otherTips, links: links)
    }
}
