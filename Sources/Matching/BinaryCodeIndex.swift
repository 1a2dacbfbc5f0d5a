import CHammingKernel

/// One search hit: the caller's id and its Hamming distance to the query.
public struct HammingMatch: Hashable, Sendable, Comparable {
    /// The caller-supplied id of the indexed code.
    public var id: Int64
    /// Hamming distance between the query and the indexed code.
    public var distance: Int

    /// Creates a hit.
    public init(id: Int64, distance: Int) {
        self.id = id
        self.distance = distance
    }

    /// Orders by distance, then by id, the order every search returns.
    public static func < (lhs: HammingMatch, rhs: HammingMatch) -> Bool {
        lhs.distance != rhs.distance ? lhs.distance < rhs.distance : lhs.id < rhs.id
    }
}

/// How a search walks the index.
public enum HammingSearchStrategy: Sendable, Hashable {
    /// Picks brute force or multi-index hashing from a cost estimate for this size and radius.
    case automatic
    /// Scans every code with the popcount kernel.
    case bruteForce
    /// Uses the multi-index tables for the indexed part (codes added since the last table build are scanned).
    case multiIndex
}

/// The shared engine behind `HammingIndex256` and `HammingIndex64`: codes of `words` 64-bit words in one
/// contiguous buffer, an id map, per-entry state, and multi-index-hashing tables over a prefix of the buffer.
struct BinaryCodeIndex: Sendable {
    static let live: UInt8 = 0
    static let disabled: UInt8 = 1
    static let removed: UInt8 = 2

    /// Below this many codes a scan is as fast as any table, so no tables are built.
    static let minimumTableSize = 4096

    let words: Int
    var bits: Int { words * 64 }
    /// The radius the table layout is tuned for (it stays exact at every radius).
    var designRadius: Int

    private(set) var codes: [UInt64] = []
    private(set) var ids: [Int64] = []
    private(set) var state: [UInt8] = []
    private(set) var position: [Int64: Int] = [:]
    private(set) var removedCount = 0
    private(set) var disabledCount = 0

    // Multi-index tables over codes[0 ..< indexedCount * words].
    private(set) var indexedCount = 0
    private(set) var subOffset: [UInt32] = []
    private(set) var subLength: [UInt32] = []
    private(set) var bucketOffsets: [UInt32] = []
    private(set) var bucketBase: [Int] = []
    private(set) var entries: [UInt32] = []

    init(words: Int, designRadius: Int) {
        precondition(words == 1 || words == 4, "codes are 64 or 256 bits")
        self.words = words
        self.designRadius = designRadius
    }

    var storedCount: Int { ids.count }
    var count: Int { ids.count - removedCount }
    var pendingCount: Int { ids.count - indexedCount }
    var tableCount: Int { subLength.count }

    // MARK: Mutation

    /// Makes room for `extra` more entries so bulk loads do not rehash the id map repeatedly.
    mutating func reserve(_ extra: Int) {
        guard extra > 0 else { return }
        position.reserveCapacity(position.count + extra)
        ids.reserveCapacity(ids.count + extra)
        state.reserveCapacity(state.count + extra)
        codes.reserveCapacity(codes.count + extra * words)
    }

    mutating func append(id: Int64, code: UnsafeBufferPointer<UInt64>) {
        precondition(code.count == words)
        precondition(ids.count < Int(UInt32.max), "positions are 32-bit")
        if let old = position[id] { markRemoved(old) }
        position[id] = ids.count
        ids.append(id)
        state.append(Self.live)
        codes.append(contentsOf: code)
    }

    /// Rebuilds the tables when the unindexed tail has grown past a fraction of the indexed part.
    mutating func maintain() {
        let threshold = max(Self.minimumTableSize, indexedCount / 16)
        if pendingCount > threshold || removedCount > max(Self.minimumTableSize, storedCount / 4) {
            rebuild()
        }
    }

    private mutating func markRemoved(_ pos: Int) {
        if state[pos] == Self.disabled { disabledCount -= 1 }
        state[pos] = Self.removed
        removedCount += 1
    }

    mutating func remove(id: Int64) -> Bool {
        guard let pos = position.removeValue(forKey: id) else { return false }
        markRemoved(pos)
        maintain()
        return true
    }

    mutating func setEnabled(_ enabled: Bool, id: Int64) -> Bool {
        guard let pos = position[id] else { return false }
        let newState = enabled ? Self.live : Self.disabled
        if state[pos] != newState {
            disabledCount += enabled ? -1 : 1
            state[pos] = newState
        }
        return true
    }

    func isEnabled(id: Int64) -> Bool? {
        position[id].map { state[$0] == Self.live }
    }

    func code(at pos: Int) -> ArraySlice<UInt64> { codes[pos * words ..< (pos + 1) * words] }

    /// Drops removed entries and rebuilds every table over the whole buffer.
    mutating func rebuild() {
        if removedCount > 0 { compact() }
        let n = ids.count
        indexedCount = n
        guard n >= Self.minimumTableSize else {
            subOffset = []; subLength = []; bucketOffsets = []; bucketBase = []; entries = []
            return
        }
        let m = Self.bestTableCount(bits: bits, count: n, radius: designRadius)
        // Spread the bits as evenly as possible: the first (bits % m) substrings get one extra bit.
        let base = bits / m, extra = bits % m
        var offsets: [UInt32] = [], lengths: [UInt32] = []
        var bit = 0
        for j in 0 ..< m {
            let len = base + (j < extra ? 1 : 0)
            offsets.append(UInt32(bit)); lengths.append(UInt32(len))
            bit += len
        }
        var bases: [Int] = []
        var total = 0
        for len in lengths { bases.append(total); total += (1 << Int(len)) + 1 }
        var buckets = [UInt32](repeating: 0, count: total)
        var ents = [UInt32](repeating: 0, count: m * n)
        // Per table: (key << 32 | position) pairs, LSD radix-sorted on the key in 12-bit digits (histograms stay
        // in L1, all passes stream), then bucket offsets and entries are written in one sequential pass. Direct
        // counting into 2^b buckets would miss the cache on every code.
        var pairs = [UInt64](repeating: 0, count: n)
        var scratch = [UInt64](repeating: 0, count: n)
        var histogram = [Int](repeating: 0, count: 1 << 12)
        codes.withUnsafeBufferPointer { cp in
            for j in 0 ..< m {
                let off = offsets[j], len = lengths[j], b0 = bases[j], size = 1 << Int(len)
                pairs.withUnsafeMutableBufferPointer { pp in
                    for pos in 0 ..< n {
                        let key = ot_substring(cp.baseAddress! + pos * words, off, len)
                        pp[pos] = UInt64(key) << 32 | UInt64(pos)
                    }
                }
                var shift = 32
                while shift < 32 + Int(len) {
                    pairs.withUnsafeBufferPointer { src in
                        scratch.withUnsafeMutableBufferPointer { dst in
                            histogram.withUnsafeMutableBufferPointer { h in
                                h.update(repeating: 0)
                                for v in src { h[Int((v >> UInt64(shift)) & 0xFFF)] += 1 }
                                var running = 0
                                for d in 0 ..< h.count {
                                    let c = h[d]
                                    h[d] = running
                                    running += c
                                }
                                for v in src {
                                    let d = Int((v >> UInt64(shift)) & 0xFFF)
                                    dst[h[d]] = v
                                    h[d] += 1
                                }
                            }
                        }
                    }
                    swap(&pairs, &scratch)
                    shift += 12
                }
                pairs.withUnsafeBufferPointer { sorted in
                    buckets.withUnsafeMutableBufferPointer { bp in
                        ents.withUnsafeMutableBufferPointer { ep in
                            var next = 0
                            let e0 = j * n
                            for i in 0 ..< n {
                                let key = Int(sorted[i] >> 32)
                                while next <= key {
                                    bp[b0 + next] = UInt32(i)
                                    next += 1
                                }
                                ep[e0 + i] = UInt32(truncatingIfNeeded: sorted[i])
                            }
                            while next <= size {
                                bp[b0 + next] = UInt32(n)
                                next += 1
                            }
                        }
                    }
                }
            }
        }
        subOffset = offsets; subLength = lengths; bucketBase = bases; bucketOffsets = buckets; entries = ents
    }

    private mutating func compact() {
        var newCodes: [UInt64] = []; newCodes.reserveCapacity(count * words)
        var newIds: [Int64] = []; newIds.reserveCapacity(count)
        var newState: [UInt8] = []; newState.reserveCapacity(count)
        for pos in 0 ..< ids.count where state[pos] != Self.removed {
            newCodes.append(contentsOf: code(at: pos))
            newIds.append(ids[pos])
            newState.append(state[pos])
        }
        codes = newCodes; ids = newIds; state = newState
        position = Dictionary(uniqueKeysWithValues: newIds.enumerated().map { ($0.element, $0.offset) })
        removedCount = 0
    }

    // MARK: Cost model

    // Relative costs in units of one sequential 256-bit compare (~11 ns per code in release on the 2-core dev VM,
    // memory-bound): a random bucket lookup and a random candidate fetch + verify. Fitted so the crossover falls
    // where measured on 1M random codes (tables win up to r ≈ 56, a scan wins at r = 64). They only steer the
    // choice; results are exact either way.
    static func scanCost(words: Int) -> Double { words == 4 ? 1.0 : 0.35 }
    static let lookupCost = 6.0
    static let candidateCost = 8.0

    static func binomialSum(_ n: Int, upTo k: Int) -> Double {
        guard k >= 0 else { return 0 }
        var term = 1.0, sum = 1.0
        var i = 0
        while i < min(k, n) {
            term = term * Double(n - i) / Double(i + 1)
            sum += term
            i += 1
        }
        return sum
    }

    /// Estimated cost of a multi-index search with the given substring lengths over n random codes.
    static func multiIndexCost(lengths: [Int], count n: Int, radius: Int) -> Double {
        let m = lengths.count
        let s = radius / m, a = radius % m
        var cost = 0.0
        for (j, len) in lengths.enumerated() {
            let rj = j <= a ? s : s - 1
            guard rj >= 0 else { continue }
            let keys = binomialSum(len, upTo: rj)
            cost += keys * lookupCost + keys * Double(n) / Double(1 << len) * candidateCost
        }
        return cost
    }

    static func lengths(bits: Int, tables m: Int) -> [Int] {
        (0 ..< m).map { bits / m + ($0 < bits % m ? 1 : 0) }
    }

    /// The table count with the lowest estimated cost at the design radius, keeping each substring between
    /// 8 and 24 bits and at most two bits longer than log2(n) so bucket arrays stay proportionate to the data.
    static func bestTableCount(bits: Int, count n: Int, radius: Int) -> Int {
        let log2n = Int.bitWidth - n.leadingZeroBitCount
        var best = max(1, bits / 16), bestCost = Double.infinity
        for m in 1 ... bits / 8 {
            let lens = lengths(bits: bits, tables: m)
            guard let longest = lens.max(), longest <= 24, longest <= max(8, log2n + 2) else { continue }
            let cost = multiIndexCost(lengths: lens, count: n, radius: radius)
            if cost < bestCost { bestCost = cost; best = m }
        }
        return best
    }

    /// Whether the tables beat a scan of the indexed part at this radius.
    func prefersMultiIndex(radius: Int) -> Bool {
        guard tableCount > 0 else { return false }
        let lens = subLength.map { Int($0) }
        return Self.multiIndexCost(lengths: lens, count: indexedCount, radius: radius)
            < Double(indexedCount) * Self.scanCost(words: words)
    }

    // MARK: Search

    /// Raw hits (position, distance) over all stored entries, including disabled and removed ones.
    private func rawSearch(_ query: UnsafePointer<UInt64>, radius: Int, strategy: HammingSearchStrategy)
        -> [(pos: UInt32, distance: UInt16)]
    {
        let useTables: Bool
        switch strategy {
        case .automatic: useTables = prefersMultiIndex(radius: radius)
        case .bruteForce: useTables = false
        case .multiIndex: useTables = tableCount > 0
        }
        var result: [(pos: UInt32, distance: UInt16)] = []
        var capacity = 256
        var index = [UInt32](repeating: 0, count: capacity)
        var dist = [UInt16](repeating: 0, count: capacity)
        codes.withUnsafeBufferPointer { cp in
            guard let base = cp.baseAddress else { return }
            // Each part retries once with an exact-size buffer when the first one was too small.
            func run(_ body: (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt16>, Int) -> Int,
                     offset: Int)
            {
                var found = index.withUnsafeMutableBufferPointer { ip in
                    dist.withUnsafeMutableBufferPointer { dp in body(ip.baseAddress!, dp.baseAddress!, capacity) }
                }
                if found > capacity {
                    capacity = found
                    index = [UInt32](repeating: 0, count: capacity)
                    dist = [UInt16](repeating: 0, count: capacity)
                    found = index.withUnsafeMutableBufferPointer { ip in
                        dist.withUnsafeMutableBufferPointer { dp in body(ip.baseAddress!, dp.baseAddress!, capacity) }
                    }
                }
                for i in 0 ..< found { result.append((index[i] + UInt32(offset), dist[i])) }
            }
            var scanFrom = 0
            if useTables {
                scanFrom = indexedCount
                subOffset.withUnsafeBufferPointer { so in
                    subLength.withUnsafeBufferPointer { sl in
                        bucketOffsets.withUnsafeBufferPointer { bo in
                            bucketBase.withUnsafeBufferPointer { bb in
                                entries.withUnsafeBufferPointer { en in
                                    var tables = ot_mih_tables(
                                        codes: base, count: indexedCount, words: UInt32(words),
                                        tables: UInt32(so.count), sub_offset: so.baseAddress,
                                        sub_length: sl.baseAddress, bucket_offsets: bo.baseAddress,
                                        bucket_base: bb.baseAddress,
                                        entries: en.baseAddress)
                                    run({ ip, dp, cap in
                                        ot_mih_search(&tables, query, Int32(radius), ip, dp, cap, nil)
                                    }, offset: 0)
                                }
                            }
                        }
                    }
                }
            }
            let n = ids.count - scanFrom
            guard n > 0 else { return }
            let start = base + scanFrom * words
            run({ ip, dp, cap in
                words == 4
                    ? ot_scan_within256(start, n, query, Int32(radius), ip, dp, cap)
                    : ot_scan_within64(start, n, query.pointee, Int32(radius), ip, dp, cap)
            }, offset: scanFrom)
        }
        return result
    }

    func search(_ query: UnsafePointer<UInt64>, radius: Int, strategy: HammingSearchStrategy) -> [HammingMatch] {
        guard radius >= 0 else { return [] }
        let r = min(radius, bits)
        var hits: [HammingMatch] = []
        for hit in rawSearch(query, radius: r, strategy: strategy) where state[Int(hit.pos)] == Self.live {
            hits.append(HammingMatch(id: ids[Int(hit.pos)], distance: Int(hit.distance)))
        }
        hits.sort()
        return hits
    }

    func nearest(_ query: UnsafePointer<UInt64>, k: Int) -> [HammingMatch] {
        guard k > 0, count - disabledCount > 0 else { return [] }
        // Grow the radius until k live hits fall inside it: every code at distance <= r is then known, so the
        // first k by (distance, id) are exact. Once a scan is cheaper than the next radius, scan everything.
        var radius = words == 4 ? 16 : 4
        while radius < bits, prefersMultiIndex(radius: radius) {
            let hits = search(query, radius: radius, strategy: .automatic)
            if hits.count >= k { return Array(hits.prefix(k)) }
            radius += max(2, radius / 2)
        }
        return nearestByScan(query, k: k)
    }

    private func nearestByScan(_ query: UnsafePointer<UInt64>, k: Int) -> [HammingMatch] {
        let n = ids.count
        var dist = [UInt16](repeating: 0, count: n)
        codes.withUnsafeBufferPointer { cp in
            dist.withUnsafeMutableBufferPointer { dp in
                if words == 4 {
                    ot_distances256(cp.baseAddress!, n, query, dp.baseAddress!)
                } else {
                    ot_distances64(cp.baseAddress!, n, query.pointee, dp.baseAddress!)
                }
            }
        }
        // A histogram finds the cut-off distance in O(n); only entries up to it are sorted.
        var histogram = [Int](repeating: 0, count: bits + 1)
        for pos in 0 ..< n where state[pos] == Self.live { histogram[Int(dist[pos])] += 1 }
        var cutoff = 0, seen = 0
        while cutoff < bits, seen + histogram[cutoff] < k {
            seen += histogram[cutoff]
            cutoff += 1
        }
        var hits: [HammingMatch] = []
        for pos in 0 ..< n where state[pos] == Self.live && Int(dist[pos]) <= cutoff {
            hits.append(HammingMatch(id: ids[pos], distance: Int(dist[pos])))
        }
        hits.sort()
        return Array(hits.prefix(k))
    }
}
