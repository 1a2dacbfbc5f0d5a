// `MatchingBenchmark compare ...`: the Swift half of Benchmarks/index-vs-faiss.sh.
//
// Generates one dataset from a fixed seed, writes its codes and queries to DIR (raw little-endian bytes, the
// layout faiss's binary indexes take: one code = bits/8 bytes), times HammingIndex256/HammingIndex64 on them
// single-threaded, writes our result sets to DIR/ours.bin for the faiss side to compare with, and prints one
// JSON line of figures. Hamming distance does not depend on bit order, so faiss reading the words as bytes
// sees the same distances.
//
//   compare --dataset random256|clustered256|random64|clustered64 --count N --dir DIR
//           [--queries 2000] [--radius 31|8] [--reps 3] [--brute-queries 200] [--seed 1]
//
// Files: codes.bin (N codes), queries.bin (Q codes; even = an indexed code with random bits flipped, odd = a
// fresh random code), ours.bin (u32 hit count per query, then for all queries in order their hit ids as u32,
// ascending, then the matching distances as u16).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Matching

struct CompareOptions {
    var dataset = "random256"
    var count = 1_000_000
    var queries = 2_000
    var radius: Int?
    var reps = 3
    var bruteQueries = 200
    var seed: UInt64 = 1
    var dir = "/tmp/objtrace-index-vs-faiss"

    init(_ args: [String]) {
        var i = 0
        func value() -> String {
            i += 1
            guard i < args.count else { fail("missing value for \(args[i - 1])") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--dataset": dataset = value()
            case "--count": count = Int(value()) ?? 0
            case "--queries": queries = Int(value()) ?? 0
            case "--radius": radius = Int(value())
            case "--reps": reps = max(1, Int(value()) ?? 1)
            case "--brute-queries": bruteQueries = Int(value()) ?? 0
            case "--seed": seed = UInt64(value()) ?? 1
            case "--dir": dir = value()
            default: fail("unknown argument \(args[i])")
            }
            i += 1
        }
        guard ["random256", "clustered256", "random64", "clustered64"].contains(dataset), count > 0, queries > 0
        else { fail("bad --dataset/--count/--queries") }
        bruteQueries = min(bruteQueries, queries)
    }

    var bits: Int { dataset.hasSuffix("256") ? 256 : 64 }
    var clustered: Bool { dataset.hasPrefix("clustered") }
}

func fail(_ message: String) -> Never {
    let line = "MatchingBenchmark compare: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

/// Resident and peak resident memory of this process, MiB (Linux: /proc/self/statm and getrusage).
func memoryMiB() -> (rss: Double, peak: Double) {
    var rss = 0.0
    if let f = fopen("/proc/self/statm", "r") {
        var line = [CChar](repeating: 0, count: 256)
        if fgets(&line, 256, f) != nil {
            let fields = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }.split(separator: " ")
            if fields.count >= 2, let pages = Double(fields[1]) {
                rss = pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
            }
        }
        fclose(f)
    }
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return (rss, Double(usage.ru_maxrss) / 1024)
}

func writeFile<T>(_ path: String, _ values: [T]) {
    guard let f = fopen(path, "wb") else { fail("cannot write \(path)") }
    let ok = values.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) == $0.count }
    fclose(f)
    if !ok { fail("short write to \(path)") }
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// n distinct random bit positions of a `bits`-bit code, flipped.
func flipWords(_ words: inout [UInt64], at base: Int, bits: Int, count: Int, rng: inout SplitMix64) {
    var chosen: [Int] = []
    while chosen.count < count {
        let p = Int(rng.next() % UInt64(bits))
        if !chosen.contains(p) { chosen.append(p) }
    }
    for p in chosen { words[base + p / 64] ^= 1 << UInt64(p % 64) }
}

func runCompare(_ args: [String]) {
    let o = CompareOptions(args)
    let w = o.bits / 64
    let radius = o.radius ?? (o.bits == 256 ? 31 : 8)
    let t0 = now()

    // Codes: uniform, or near-copies of 4,096 random centres (each code = a centre with 0...24 (256-bit) or
    // 0...6 (64-bit) distinct bits flipped), the shape of real photo hashes: re-sent and re-encoded pictures.
    var rng = SplitMix64(state: o.seed &* 0x1000 &+ UInt64(o.bits) &+ (o.clustered ? 7 : 0))
    let centreCount = 4_096
    let maxFlips = o.bits == 256 ? 24 : 6
    var centres = [UInt64](repeating: 0, count: centreCount * w)
    for i in centres.indices { centres[i] = rng.next() }
    var codes = [UInt64](repeating: 0, count: o.count * w)
    for i in 0 ..< o.count {
        if o.clustered {
            let c = Int(rng.next() % UInt64(centreCount))
            for k in 0 ..< w { codes[i * w + k] = centres[c * w + k] }
            flipWords(&codes, at: i * w, bits: o.bits, count: Int(rng.next() % UInt64(maxFlips + 1)), rng: &rng)
        } else {
            for k in 0 ..< w { codes[i * w + k] = rng.next() }
        }
    }
    // Queries: even = an indexed code with 0...20 (256-bit) or 0...5 (64-bit) bits flipped (has hits);
    // odd = a fresh random code (the usual "nothing like this is indexed").
    let queryFlips = o.bits == 256 ? 20 : 5
    var queries = [UInt64](repeating: 0, count: o.queries * w)
    for q in 0 ..< o.queries {
        if q % 2 == 0 {
            let src = Int(rng.next() % UInt64(o.count))
            for k in 0 ..< w { queries[q * w + k] = codes[src * w + k] }
            flipWords(&queries, at: q * w, bits: o.bits, count: Int(rng.next() % UInt64(queryFlips + 1)), rng: &rng)
        } else {
            for k in 0 ..< w { queries[q * w + k] = rng.next() }
        }
    }
    writeFile(o.dir + "/codes.bin", codes)
    writeFile(o.dir + "/queries.bin", queries)
    let genSeconds = Double(now() - t0) / 1e9

    // One search function per width, so the timed loop is the public API and nothing else.
    let before = memoryMiB()
    let buildStart = now()
    var tables = 0
    let search: (Int, HammingSearchStrategy) -> [HammingMatch]
    if w == 4 {
        var index = HammingIndex256(designRadius: radius)
        func code(_ words: [UInt64], _ i: Int) -> SIMD4<UInt64> {
            SIMD4(words[4 * i], words[4 * i + 1], words[4 * i + 2], words[4 * i + 3])
        }
        index.add(contentsOf: (0 ..< o.count).lazy.map { i in (id: Int64(i), code: code(codes, i)) })
        tables = index.tableCount
        let qs = (0 ..< o.queries).map { q in code(queries, q) }
        let frozen = index
        search = { q, s in frozen.search(qs[q], radius: radius, strategy: s) }
    } else {
        var index = HammingIndex64(designRadius: radius)
        index.add(contentsOf: (0 ..< o.count).lazy.map { i in (id: Int64(i), code: codes[i]) })
        tables = index.tableCount
        let qs = queries
        let frozen = index
        search = { q, s in frozen.search(qs[q], radius: radius, strategy: s) }
    }
    let buildSeconds = Double(now() - buildStart) / 1e9
    let after = memoryMiB()
    codes = []

    // Automatic strategy (multi-index for these sizes): best of `reps` passes over all queries.
    var best = Double.infinity
    var hits = 0
    for _ in 0 ..< o.reps {
        var h = 0
        let s = now()
        for q in 0 ..< o.queries { h += search(q, .automatic).count }
        best = min(best, Double(now() - s) / 1e9)
        hits = h
    }
    // Brute force: one pass over the first `bruteQueries` queries (half hits, half misses), checked equal.
    var bruteSeconds = 0.0
    var mismatches = 0
    if o.bruteQueries > 0 {
        var brute: [[HammingMatch]] = []
        let s = now()
        for q in 0 ..< o.bruteQueries { brute.append(search(q, .bruteForce)) }
        bruteSeconds = Double(now() - s) / 1e9
        for q in 0 ..< o.bruteQueries where brute[q] != search(q, .automatic) { mismatches += 1 }
    }

    // Result sets for the faiss side: ids ascending per query.
    var counts: [UInt32] = [], ids: [UInt32] = [], dists: [UInt16] = []
    var hitQueryHits = 0
    for q in 0 ..< o.queries {
        let r = search(q, .automatic).sorted { $0.id < $1.id }
        counts.append(UInt32(r.count))
        if q % 2 == 0 { hitQueryHits += r.count }
        for m in r { ids.append(UInt32(m.id)); dists.append(UInt16(m.distance)) }
    }
    guard let f = fopen(o.dir + "/ours.bin", "wb") else { fail("cannot write ours.bin") }
    counts.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, f) }
    ids.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, f) }
    dists.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, f) }
    fclose(f)

    let end = memoryMiB()
    func num(_ x: Double) -> String { x.isFinite ? String(Double(Int(x * 1000)) / 1000) : "null" }
    print("""
        {"dataset": "\(o.dataset)", "count": \(o.count), "bits": \(o.bits), "radius": \(radius), \
        "queries": \(o.queries), "tables": \(tables), "generate_s": \(num(genSeconds)), \
        "build_s": \(num(buildSeconds)), "auto_qps": \(num(Double(o.queries) / best)), \
        "brute_queries": \(o.bruteQueries), \
        "brute_qps": \(o.bruteQueries > 0 ? num(Double(o.bruteQueries) / bruteSeconds) : "null"), \
        "hits": \(hits), "hit_query_hits": \(hitQueryHits), "mismatches_vs_brute": \(mismatches), \
        "rss_before_build_mib": \(num(before.rss)), "rss_after_build_mib": \(num(after.rss)), \
        "index_mib": \(num(after.rss - before.rss)), "peak_rss_mib": \(num(end.peak))}
        """)
}
