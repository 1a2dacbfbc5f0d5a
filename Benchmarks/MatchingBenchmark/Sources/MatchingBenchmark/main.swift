// Queries/s of HammingIndex256 / HammingIndex64 on random and clustered codes, checked against brute force.
// Usage: MatchingBenchmark [count256 = 1000000] [count64 = 10000000]
//        MatchingBenchmark compare ...   (the Swift half of Benchmarks/index-vs-faiss.sh; see Compare.swift)
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Matching

if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "compare" {
    runCompare(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func flip(_ c: SIMD4<UInt64>, _ k: Int, _ rng: inout SplitMix64) -> SIMD4<UInt64> {
    var c = c
    for _ in 0 ..< k { let p = Int.random(in: 0 ..< 256, using: &rng); c[p / 64] ^= 1 << UInt64(p % 64) }
    return c
}

func seconds(_ body: () -> Void) -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

let args = CommandLine.arguments
let n256 = args.count > 1 ? Int(args[1])! : 1_000_000
let n64 = args.count > 2 ? Int(args[2])! : 10_000_000

for clustered in [false, true] {
    var rng = SplitMix64(state: clustered ? 2 : 1)
    let centres = (0 ..< 10_000).map { _ in SIMD4(rng.next(), rng.next(), rng.next(), rng.next()) }
    var codes: [SIMD4<UInt64>] = []
    codes.reserveCapacity(n256)
    for _ in 0 ..< n256 {
        codes.append(clustered ? flip(centres[Int.random(in: 0 ..< centres.count, using: &rng)], Int.random(in: 0 ... 24, using: &rng), &rng)
                               : SIMD4(rng.next(), rng.next(), rng.next(), rng.next()))
    }
    var index = HammingIndex256(designRadius: 31)
    let build = seconds { index.add(contentsOf: codes.enumerated().map { (id: Int64($0.offset), code: $0.element) }) }
    // Half the queries are noisy copies of stored codes (they have hits), half are fresh random codes.
    let queries = (0 ..< 2000).map { i in
        i % 2 == 0 ? flip(codes[Int.random(in: 0 ..< n256, using: &rng)], 12, &rng)
                   : SIMD4(rng.next(), rng.next(), rng.next(), rng.next())
    }
    var hits = 0
    let tAuto = seconds { for q in queries { hits += index.search(q, radius: 31).count } }
    let bruteQueries = queries.prefix(100)
    var bruteHits = 0
    let tBrute = seconds { for q in bruteQueries { bruteHits += index.search(q, radius: 31, strategy: .bruteForce).count } }
    var mismatches = 0
    for q in bruteQueries where index.search(q, radius: 31) != index.search(q, radius: 31, strategy: .bruteForce) {
        mismatches += 1
    }
    var knnHits = 0
    let tKnn = seconds { for q in queries.prefix(200) { knnHits += index.nearest(q, k: 10).count } }
    if !clustered {
        var line = "  sweep (q/s multiIndex / bruteForce / auto):"
        for r in [8, 16, 24, 31, 40, 48, 56, 64] {
            let qs = queries.prefix(r > 40 ? 20 : 100)
            let tm = seconds { for q in qs { _ = index.search(q, radius: r, strategy: .multiIndex) } }
            let tb = seconds { for q in qs.prefix(20) { _ = index.search(q, radius: r, strategy: .bruteForce) } }
            let ta = seconds { for q in qs { _ = index.search(q, radius: r) } }
            line += " r=\(r): \(Int(Double(qs.count) / tm))/\(Int(20 / tb))/\(Int(Double(qs.count) / ta))"
        }
        print(line)
    }
    print("""
        256-bit \(clustered ? "clustered" : "random   ") n=\(n256) tables=\(index.tableCount) build \(String(format: "%.2f", build)) s | \
        r=31 auto: \(Int(Double(queries.count) / tAuto)) q/s (\(hits) hits) | brute: \(Int(Double(bruteQueries.count) / tBrute)) q/s | \
        10-NN: \(Int(200 / tKnn)) q/s | mismatches vs brute: \(mismatches)/\(bruteQueries.count)
        """)
}

do {
    var rng = SplitMix64(state: 3)
    var index = HammingIndex64(designRadius: 8)
    var codes: [UInt64] = []
    codes.reserveCapacity(n64)
    for _ in 0 ..< n64 { codes.append(rng.next()) }
    let build = seconds { index.add(contentsOf: codes.enumerated().map { (id: Int64($0.offset), code: $0.element) }) }
    let queries = (0 ..< 2000).map { i in i % 2 == 0 ? codes[Int.random(in: 0 ..< n64, using: &rng)] ^ 0b1011 : rng.next() }
    var hits = 0
    let tAuto = seconds { for q in queries { hits += index.search(q, radius: 8).count } }
    var mismatches = 0
    let check = queries.prefix(20)
    let tBrute = seconds { for q in check where index.search(q, radius: 8) != index.search(q, radius: 8, strategy: .bruteForce) { mismatches += 1 } }
    print("""
        64-bit random n=\(n64) tables=\(index.tableCount) build \(String(format: "%.2f", build)) s | r=8 auto: \
        \(Int(Double(queries.count) / tAuto)) q/s (\(hits) hits) | brute ≈ \(Int(Double(check.count) / tBrute)) q/s | \
        mismatches vs brute: \(mismatches)/\(check.count)
        """)
}
