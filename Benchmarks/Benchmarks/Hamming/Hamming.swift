// Matching's exact Hamming indexes: radius 31 over random 256-bit codes (PDQ's usual match radius) and
// radius 8 over random 64-bit codes, multi-index hashing against a brute-force scan.
//
// 1M codes by default; OBJTRACE_BENCH_BIG=1 makes it 10M (about 1 GB for the 256-bit index, minutes to build).
import Benchmark
import BenchSupport
import Matching

/// Codes and queries, built on first use from a fixed seed.
enum Corpus {
    /// Indexed codes per index.
    static let size = BenchData.flag("OBJTRACE_BENCH_BIG") ? 10_000_000 : 1_000_000
    /// Distinct queries cycled through by the benchmarks.
    static let queryCount = 1_000
    /// The label shown in benchmark names.
    static let label = size >= 10_000_000 ? "10M" : "1M"

    /// Half the queries are indexed codes with 0...(2·radius/3) random bits flipped (a near-duplicate look-up
    /// that has hits); half are fresh random codes (the common "nothing published looks like this" case).
    static func nearQuery<C>(_ code: C, flips: Int, flip: (inout C, Int) -> Void, rng: inout SplitMix64) -> C {
        var out = code
        for _ in 0..<flips { flip(&out, Int.random(in: 0..<Int.max, using: &rng)) }
        return out
    }

    /// A 1M/10M-code 256-bit index (tables built) and its queries.
    static let index256: (HammingIndex256, [HammingIndex256.Code]) = {
        var rng = SplitMix64(seed: 0x0b7_2ace_0256)
        var index = HammingIndex256(designRadius: 31)
        var kept: [HammingIndex256.Code] = []
        index.add(contentsOf: (0..<size).lazy.map { i in
            let code = HammingIndex256.Code(rng.next(), rng.next(), rng.next(), rng.next())
            return (id: Int64(i), code: code)
        })
        index.rebuild()
        var qrng = SplitMix64(seed: 0x0b7_2ace_0257)
        for q in 0..<queryCount {
            if q % 2 == 0, let base = index.code(for: Int64(qrng.next() % UInt64(size))) {
                kept.append(nearQuery(base, flips: Int(qrng.next() % 21), flip: { c, r in
                    let bit = r % 256
                    c[bit / 64] ^= 1 << UInt64(bit % 64)
                }, rng: &qrng))
            } else {
                kept.append(HammingIndex256.Code(qrng.next(), qrng.next(), qrng.next(), qrng.next()))
            }
        }
        return (index, kept)
    }()

    /// A 1M/10M-code 64-bit index (tables built) and its queries.
    static let index64: (HammingIndex64, [HammingIndex64.Code]) = {
        var rng = SplitMix64(seed: 0x0b7_2ace_0064)
        var index = HammingIndex64(designRadius: 8)
        index.add(contentsOf: (0..<size).lazy.map { i in (id: Int64(i), code: rng.next()) })
        index.rebuild()
        var qrng = SplitMix64(seed: 0x0b7_2ace_0065)
        var kept: [HammingIndex64.Code] = []
        for q in 0..<queryCount {
            if q % 2 == 0, let base = index.code(for: Int64(qrng.next() % UInt64(size))) {
                kept.append(nearQuery(base, flips: Int(qrng.next() % 6), flip: { c, r in c ^= 1 << UInt64(r % 64) }, rng: &qrng))
            } else {
                kept.append(qrng.next())
            }
        }
        return (index, kept)
    }()
}

/// Which query comes next; kept across iterations so that one-query iterations still walk the whole set.
final class QueryCursor: @unchecked Sendable {
    // Benchmarks run their iterations on one thread, one benchmark at a time.
    private var position = 0

    /// The next index into a query set of `count` queries.
    func next(_ count: Int) -> Int {
        defer { position = (position + 1) % count }
        return position
    }
}

let benchmarks: @Sendable () -> Void = {
    // One iteration = 1,000 queries (the whole query set), reported per query (scaled metrics, marked *).
    let perQuery = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident],
        warmupIterations: 1,
        scalingFactor: .kilo,
        maxDuration: .seconds(10),
        maxIterations: 10
    )
    // A scan of 1M/10M codes per query is slow: fewer queries, one per inner iteration.
    let scan = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(5),
        maxIterations: 50
    )

    for (strategy, name, configuration) in [(HammingSearchStrategy.automatic, "index", perQuery), (.bruteForce, "scan", scan)] {
        let cursor256 = QueryCursor(), cursor64 = QueryCursor()
        Benchmark("256-bit r31 \(Corpus.label) \(name)", configuration: configuration) { benchmark in
            let (index, queries) = Corpus.index256
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(index.search(queries[cursor256.next(queries.count)], radius: 31, strategy: strategy).count)
            }
        }
        Benchmark("64-bit r8 \(Corpus.label) \(name)", configuration: configuration) { benchmark in
            let (index, queries) = Corpus.index64
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(index.search(queries[cursor64.next(queries.count)], radius: 8, strategy: strategy).count)
            }
        }
    }
}
