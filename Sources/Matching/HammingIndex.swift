import CHammingKernel

/// An exact Hamming index over 256-bit codes (PDQ hashes) with radius search, k-nearest, incremental add and
/// delete/disable by the caller's `Int64` ids.
///
/// Codes are kept in one contiguous buffer. Small sets (and, for any set, radii where it is cheaper) are scanned
/// by a hardware-popcount C kernel; large sets also carry multi-index-hashing tables (Norouzi, Punjani & Fleet,
/// "Fast Exact Search in Hamming Space with Multi-Index Hashing", TPAMI 2014): the code is cut into m disjoint
/// substrings, each with a direct-addressed table; a query enumerates, per table, the substring keys within the
/// pigeonhole radius (⌊r/m⌋, refined) and verifies every candidate with its full distance. Both paths return
/// exactly the same hits. Codes added after the last table build are scanned until the tail outgrows 1/16 of the
/// indexed part, then the tables are rebuilt (amortised O(m) per add).
public struct HammingIndex256: Sendable {
    /// A 256-bit code as four 64-bit words (any fixed word order; distance does not depend on it).
    public typealias Code = SIMD4<UInt64>

    var core: BinaryCodeIndex

    /// Creates an empty index whose tables are tuned for queries around `designRadius` (exact at any radius).
    public init(designRadius: Int = 31) {
        core = BinaryCodeIndex(words: 4, designRadius: designRadius)
    }

    /// Number of entries (enabled and disabled), removed ones excluded.
    public var count: Int { core.count }
    /// Whether the index holds no entries.
    public var isEmpty: Bool { core.count == 0 }
    /// Number of multi-index tables currently built (0 while the index is small).
    public var tableCount: Int { core.tableCount }

    /// Hamming distance between two 256-bit codes.
    @inlinable
    public static func distance(_ a: Code, _ b: Code) -> Int {
        let x = a ^ b
        return x[0].nonzeroBitCount + x[1].nonzeroBitCount + x[2].nonzeroBitCount + x[3].nonzeroBitCount
    }

    /// Adds a code under `id`, replacing any code already stored under that id.
    /// - Complexity: amortised O(m) (m = table count); an occasional table rebuild costs O(m·n).
    public mutating func add(id: Int64, code: Code) {
        Self.withWords(code) { core.append(id: id, code: $0) }
        core.maintain()
    }

    /// Adds many codes, rebuilding the tables at most once at the end.
    /// - Complexity: O(k) appends plus at most one O(m·n) table build.
    public mutating func add(contentsOf items: some Sequence<(id: Int64, code: Code)>) {
        core.reserve(items.underestimatedCount)
        for item in items { Self.withWords(item.code) { core.append(id: item.id, code: $0) } }
        core.maintain()
    }

    /// Removes the entry stored under `id`; returns whether there was one.
    /// - Complexity: O(1) amortised (space is reclaimed at the next rebuild).
    @discardableResult
    public mutating func remove(id: Int64) -> Bool { core.remove(id: id) }

    /// Enables or disables (hides from results, keeps stored) the entry under `id`; returns whether it exists.
    /// - Complexity: O(1).
    @discardableResult
    public mutating func setEnabled(_ enabled: Bool, id: Int64) -> Bool { core.setEnabled(enabled, id: id) }

    /// Whether the entry under `id` is enabled; nil when no entry has that id.
    public func isEnabled(id: Int64) -> Bool? { core.isEnabled(id: id) }

    /// The code stored under `id`, if any.
    public func code(for id: Int64) -> Code? {
        guard let pos = core.position[id] else { return nil }
        let w = core.code(at: pos)
        return Code(w[w.startIndex], w[w.startIndex + 1], w[w.startIndex + 2], w[w.startIndex + 3])
    }

    /// Rebuilds the tables over every stored code now (also drops removed entries).
    /// - Complexity: O(m·n + m·2^b) for m tables of b-bit substrings.
    public mutating func rebuild() { core.rebuild() }

    /// All enabled entries within `radius` of `query`, sorted by distance then id.
    /// - Complexity: brute force O(n); multi-index O(Σ_j C(b_j, ≤r_j) · (1 + n/2^b_j)) expected on uniformly
    ///   spread codes, chosen automatically by estimated cost.
    public func search(_ query: Code, radius: Int, strategy: HammingSearchStrategy = .automatic) -> [HammingMatch] {
        Self.withWords(query) { core.search($0.baseAddress!, radius: radius, strategy: strategy) }
    }

    /// The `k` enabled entries nearest to `query`, sorted by distance then id (ties at the k-th distance are
    /// broken by the smaller id).
    /// - Complexity: a growing sequence of radius searches while they are cheaper than a scan, else O(n).
    public func nearest(_ query: Code, k: Int) -> [HammingMatch] {
        Self.withWords(query) { core.nearest($0.baseAddress!, k: k) }
    }

    private static func withWords<R>(_ code: Code, _ body: (UnsafeBufferPointer<UInt64>) -> R) -> R {
        var c = code
        return withUnsafeBytes(of: &c) { raw in body(raw.bindMemory(to: UInt64.self)) }
    }
}

/// An exact Hamming index over 64-bit codes (pHash, dHash), with the same design as `HammingIndex256`.
public struct HammingIndex64: Sendable {
    /// A 64-bit code.
    public typealias Code = UInt64

    var core: BinaryCodeIndex

    /// Creates an empty index whose tables are tuned for queries around `designRadius` (exact at any radius).
    public init(designRadius: Int = 8) {
        core = BinaryCodeIndex(words: 1, designRadius: designRadius)
    }

    /// Number of entries (enabled and disabled), removed ones excluded.
    public var count: Int { core.count }
    /// Whether the index holds no entries.
    public var isEmpty: Bool { core.count == 0 }
    /// Number of multi-index tables currently built (0 while the index is small).
    public var tableCount: Int { core.tableCount }

    /// Hamming distance between two 64-bit codes.
    @inlinable
    public static func distance(_ a: Code, _ b: Code) -> Int { (a ^ b).nonzeroBitCount }

    /// Adds a code under `id`, replacing any code already stored under that id.
    /// - Complexity: amortised O(m) (m = table count); an occasional table rebuild costs O(m·n).
    public mutating func add(id: Int64, code: Code) {
        Self.withWords(code) { core.append(id: id, code: $0) }
        core.maintain()
    }

    /// Adds many codes, rebuilding the tables at most once at the end.
    /// - Complexity: O(k) appends plus at most one O(m·n) table build.
    public mutating func add(contentsOf items: some Sequence<(id: Int64, code: Code)>) {
        core.reserve(items.underestimatedCount)
        for item in items { Self.withWords(item.code) { core.append(id: item.id, code: $0) } }
        core.maintain()
    }

    /// Removes the entry stored under `id`; returns whether there was one.
    /// - Complexity: O(1) amortised (space is reclaimed at the next rebuild).
    @discardableResult
    public mutating func remove(id: Int64) -> Bool { core.remove(id: id) }

    /// Enables or disables (hides from results, keeps stored) the entry under `id`; returns whether it exists.
    /// - Complexity: O(1).
    @discardableResult
    public mutating func setEnabled(_ enabled: Bool, id: Int64) -> Bool { core.setEnabled(enabled, id: id) }

    /// Whether the entry under `id` is enabled; nil when no entry has that id.
    public func isEnabled(id: Int64) -> Bool? { core.isEnabled(id: id) }

    /// The code stored under `id`, if any.
    public func code(for id: Int64) -> Code? {
        core.position[id].map { core.codes[$0] }
    }

    /// Rebuilds the tables over every stored code now (also drops removed entries).
    /// - Complexity: O(m·n + m·2^b) for m tables of b-bit substrings.
    public mutating func rebuild() { core.rebuild() }

    /// All enabled entries within `radius` of `query`, sorted by distance then id.
    /// - Complexity: brute force O(n); multi-index O(Σ_j C(b_j, ≤r_j) · (1 + n/2^b_j)) expected on uniformly
    ///   spread codes, chosen automatically by estimated cost.
    public func search(_ query: Code, radius: Int, strategy: HammingSearchStrategy = .automatic) -> [HammingMatch] {
        Self.withWords(query) { core.search($0.baseAddress!, radius: radius, strategy: strategy) }
    }

    /// The `k` enabled entries nearest to `query`, sorted by distance then id (ties at the k-th distance are
    /// broken by the smaller id).
    /// - Complexity: a growing sequence of radius searches while they are cheaper than a scan, else O(n).
    public func nearest(_ query: Code, k: Int) -> [HammingMatch] {
        Self.withWords(query) { core.nearest($0.baseAddress!, k: k) }
    }

    private static func withWords<R>(_ code: Code, _ body: (UnsafeBufferPointer<UInt64>) -> R) -> R {
        var c = code
        return withUnsafePointer(to: &c) { body(UnsafeBufferPointer(start: $0, count: 1)) }
    }
}
