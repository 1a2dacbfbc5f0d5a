// Local-feature timing on real files, the Swift half of Benchmarks/features-vs-opencv.sh.
//
//   FeaturesBenchmark extract [--reps N] FILE...
//       Decodes every file first (not timed), then times `FeatureExtractor().extract` per image, best of N
//       passes. One JSON line per file, then a summary line.
//   FeaturesBenchmark search [--reps N] [--candidates K] [--one-stage-vote] --catalogue LIST --queries LIST
//       LIST files hold one image path per line. Extracts the catalogue (timed once), then per query times
//       what `match --local` does after decoding: extract the photo's features, rank every crop by the
//       global vote, verify the top K geometrically. One JSON line per query (best hit), then a summary.
//   FeaturesBenchmark dump OUTDIR FILE...
//       Writes each file's serialized feature set to OUTDIR/<n>.otlf (for comparing two builds' output).
//   FeaturesBenchmark compare OUTDIR FILE...
//       Compares fresh features with those dumped earlier: keypoints in common and descriptor bit changes.
//   FeaturesBenchmark profile [--reps N] FILE...
//       Extraction only, no output: for `valgrind --tool=callgrind`.
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import ImageCore
import ImageDecoding
import LocalFeatures

func fail(_ message: String) -> Never {
    let line = Array("FeaturesBenchmark: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

func readBytes(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { fail("cannot open \(path)") }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return out
}

func load(_ path: String) -> Raster {
    do { return try ImageDecoder.decode(readBytes(path)).upright() } catch { fail("\(path): \(error)") }
}

func lines(_ path: String) -> [String] {
    String(decoding: readBytes(path), as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
/// CPU time of this thread: on a shared, loaded machine it leaves out the time spent waiting for the core.
func cpuNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }

/// A JSON string literal (paths here are plain, but quotes and backslashes are escaped anyway).
func json(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default: out.unicodeScalars.append(c)
        }
    }
    return out + "\""
}

var args = Array(CommandLine.arguments.dropFirst())
guard let mode = args.first else { fail("usage: FeaturesBenchmark extract|search|profile ...") }
args.removeFirst()
var reps = 3, candidates = 5
var matcherConfig = LocalMatcher.Config()
var cataloguePath: String?, queriesPath: String?
var files: [String] = []
var i = 0
while i < args.count {
    switch args[i] {
    case "--reps": i += 1; reps = max(1, Int(args[i]) ?? 3)
    case "--candidates": i += 1; candidates = max(1, Int(args[i]) ?? 5)
    case "--catalogue": i += 1; cataloguePath = args[i]
    case "--queries": i += 1; queriesPath = args[i]
    case "--one-stage-vote": matcherConfig.prefilterAbove = .max
    default: files.append(args[i])
    }
    i += 1
}

let extractor = FeatureExtractor()

switch mode {
case "extract", "profile":
    let rasters = files.map(load)
    if mode == "profile" {
        var total = 0
        for _ in 0..<reps { for r in rasters { total += extractor.extract(r).count } }
        print("keypoints \(total)")
        exit(0)
    }
    _ = extractor.extract(rasters[0])  // warm-up (lazy statics such as the BRIEF pattern)
    var best = [UInt64](repeating: .max, count: rasters.count)
    var bestCPU = [UInt64](repeating: .max, count: rasters.count)
    var bestPass = UInt64.max
    var counts = [Int](repeating: 0, count: rasters.count)
    for _ in 0..<reps {
        let p0 = now()
        for (k, r) in rasters.enumerated() {
            let t0 = now(), c0 = cpuNow()
            counts[k] = extractor.extract(r).count
            bestCPU[k] = min(bestCPU[k], cpuNow() - c0)
            best[k] = min(best[k], now() - t0)
        }
        bestPass = min(bestPass, now() - p0)
    }
    for (k, f) in files.enumerated() {
        print("{\"file\": \(json(f)), \"width\": \(rasters[k].width), \"height\": \(rasters[k].height), \"keypoints\": \(counts[k]), \"ms\": \(ms(best[k])), \"cpu_ms\": \(ms(bestCPU[k]))}")
    }
    print("{\"summary\": \"extract\", \"images\": \(rasters.count), \"best_pass_s\": \(Double(bestPass) / 1e9), \"sum_best_ms\": \(ms(best.reduce(0, +)))}")

case "search":
    guard let cataloguePath, let queriesPath else { fail("search needs --catalogue LIST and --queries LIST") }
    let catalogueFiles = lines(cataloguePath), queryFiles = lines(queriesPath)
    let catalogueRasters = catalogueFiles.map(load), queryRasters = queryFiles.map(load)
    let c0 = now()
    let catalogue = catalogueRasters.map { extractor.extract($0) }
    let buildNs = now() - c0
    let matcher = LocalMatcher(matcherConfig)
    // What LocalSearch.search does for one photo after decoding.
    func search(_ r: Raster) -> (index: Int, match: LocalMatch)? {
        let q = extractor.extract(r)
        var hits: [(Int, LocalMatch)] = []
        for (index, _) in matcher.rankCandidates(query: q, candidates: catalogue, limit: candidates) {
            if let m = matcher.match(query: q, reference: catalogue[index]) { hits.append((index, m)) }
        }
        return hits.max { $0.1.score < $1.1.score }
    }
    _ = search(queryRasters[0])
    var best = [UInt64](repeating: .max, count: queryRasters.count)
    var bestCPU = [UInt64](repeating: .max, count: queryRasters.count)
    var results: [(index: Int, match: LocalMatch)?] = Array(repeating: nil, count: queryRasters.count)
    var bestPass = UInt64.max
    for _ in 0..<reps {
        let p0 = now()
        for (k, r) in queryRasters.enumerated() {
            let t0 = now(), c0 = cpuNow()
            results[k] = search(r)
            bestCPU[k] = min(bestCPU[k], cpuNow() - c0)
            best[k] = min(best[k], now() - t0)
        }
        bestPass = min(bestPass, now() - p0)
    }
    for (k, f) in queryFiles.enumerated() {
        let hit = results[k].map { json(catalogueFiles[$0.index]) } ?? "null"
        let score = results[k]?.match.score ?? 0, inliers = results[k]?.match.inliers ?? 0
        print("{\"query\": \(json(f)), \"hit\": \(hit), \"score\": \(score), \"inliers\": \(inliers), \"ms\": \(ms(best[k])), \"cpu_ms\": \(ms(bestCPU[k]))}")
    }
    print("{\"summary\": \"search\", \"queries\": \(queryRasters.count), \"catalogue\": \(catalogue.count), \"catalogue_build_s\": \(Double(buildNs) / 1e9), \"best_pass_s\": \(Double(bestPass) / 1e9), \"sum_best_ms\": \(ms(best.reduce(0, +)))}")

case "dump", "compare":
    let dir = files.removeFirst()
    var sameSets = 0, common = 0, total = 0, bitDiff = 0, words = 0
    for (k, f) in files.enumerated() {
        let fs = extractor.extract(load(f))
        let path = "\(dir)/\(k).otlf"
        if mode == "dump" {
            let blob = fs.serialized()
            guard let out = fopen(path, "wb") else { fail("cannot write \(path)") }
            _ = blob.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, out) }
            fclose(out)
            continue
        }
        let old: FeatureSet
        do { old = try FeatureSet(serialized: readBytes(path)) } catch { fail("\(path): \(error)") }
        if old.keypoints == fs.keypoints && old.descriptors == fs.descriptors && old.mirroredDescriptors == fs.mirroredDescriptors { sameSets += 1 }
        // Keypoints at the same position and level in both, and how many descriptor bits differ between them.
        var index: [Int: Int] = [:]
        for (j, kp) in old.keypoints.enumerated() { index[Int(kp.level) << 40 | Int(kp.y * 16) << 20 | Int(kp.x * 16)] = j }
        for (j, kp) in fs.keypoints.enumerated() {
            guard let o = index[Int(kp.level) << 40 | Int(kp.y * 16) << 20 | Int(kp.x * 16)] else { continue }
            common += 1
            for w in 0..<4 {
                bitDiff += (old.descriptors[4 * o + w] ^ fs.descriptors[4 * j + w]).nonzeroBitCount
                words += 1
            }
        }
        total += max(old.count, fs.count)
    }
    if mode == "compare" {
        print("identical sets \(sameSets)/\(files.count); keypoints in common \(common)/\(total); descriptor bits changed \(bitDiff) of \(words * 64)")
    }

default:
    fail("unknown mode \(mode)")
}
