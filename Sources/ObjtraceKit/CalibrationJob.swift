import Foundation
import ImageCore
import ImageDecoding
public import Matching

/// `objtrace calibrate`: thresholds per algorithm at a target false-positive rate, from labelled pairs.
///
/// Distances are measured exactly as the matcher measures them (query in every dihedral orientation,
/// against the reference as stored), so the calibrated threshold means what the matcher will do with it.
public enum CalibrationJob {
    /// One labelled pair of image paths.
    public struct Pair: Sendable, Equatable {
        public var query: String, reference: String, isMatch: Bool
        public init(query: String, reference: String, isMatch: Bool) {
            self.query = query; self.reference = reference; self.isMatch = isMatch
        }
    }

    /// Reads a TSV with a header naming `query` and `reference` columns and optionally `match` (0/1; absent
    /// means every row is a true pair). Paths are relative to the file's folder.
    public static func readPairs(_ path: String) throws -> [Pair] {
        let text = String(decoding: try InputFiles.read(path), as: UTF8.self)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { throw InputError("\(path): empty pairs file") }
        let header = lines.removeFirst().split(separator: "\t").map(String.init)
        guard let q = header.firstIndex(of: "query"), let r = header.firstIndex(of: "reference") else {
            throw InputError("\(path): header must name 'query' and 'reference' columns")
        }
        let m = header.firstIndex(of: "match")
        return try lines.enumerated().map { n, line in
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count > max(q, r, m ?? 0) else { throw InputError("\(path):\(n + 2): too few columns") }
            func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base.appendingPathComponent(p).path }
            return Pair(query: resolve(cols[q]), reference: resolve(cols[r]), isMatch: m.map { cols[$0] == "1" } ?? true)
        }
    }

    /// Negative pairs from a MANIFEST.tsv (`file`, `group` columns): images of different groups, drawn with a
    /// fixed seed so runs are repeatable. Only JPEG/PNG files are used.
    public static func negatives(manifest path: String, count: Int, seed: UInt64 = 0x5EED) throws -> [Pair] {
        let text = String(decoding: try InputFiles.read(path), as: UTF8.self)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines.removeFirst().split(separator: "\t").map(String.init)
        guard let f = header.firstIndex(of: "file"), let g = header.firstIndex(of: "group") else {
            throw InputError("\(path): MANIFEST needs 'file' and 'group' columns")
        }
        let format = header.firstIndex(of: "format"), notes = header.firstIndex(of: "notes")
        var items: [(String, String)] = []
        for line in lines {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count > max(f, g) else { continue }
            if let format, cols.count > format, !["JPEG", "PNG"].contains(cols[format]) { continue }
            if let notes, cols.count > notes, ["REJECTED", "UNDECODABLE", "PARTIAL"].contains(where: cols[notes].contains) { continue }
            items.append((base.appendingPathComponent(cols[f]).path, cols[g]))
        }
        var rng = SplitMix64(seed: seed)
        var out: [Pair] = []
        var seen = Set<String>()
        var attempts = 0
        while out.count < count && attempts < count * 20 && items.count > 1 {
            attempts += 1
            let a = items[Int(rng.next() % UInt64(items.count))], b = items[Int(rng.next() % UInt64(items.count))]
            guard a.1 != b.1, seen.insert(a.0 + "\t" + b.0).inserted else { continue }
            out.append(Pair(query: a.0, reference: b.0, isMatch: false))
        }
        return out
    }

    /// The distances per algorithm of one pair, as the matcher measures them: the query's best dihedral
    /// transform per algorithm; unreliable inputs are left out as the matcher leaves them out.
    public static func distances(_ query: MatchHashes, _ reference: MatchHashes) -> [String: Int] {
        var best: [String: Int] = [:]
        for d in MatchHashes.distances(query, reference) {
            for (algo, v) in d { best[algo] = min(best[algo] ?? .max, v) }
        }
        return best
    }

    /// Hashes every image once (in parallel) and calibrates; `report` gets per-file errors.
    public static func calibrate(_ pairs: [Pair], targetFalsePositiveRate: Double = 1e-3, jobs: Int = 2,
                                 report: (String) -> Void = { _ in },
                                 inspect: ((Pair, [String: Int]) -> Void)? = nil) throws -> MatchPolicy {
        let paths = Array(Set(pairs.flatMap { [$0.query, $0.reference] })).sorted()
        var hashes: [String: MatchHashes] = [:]
        orderedParallelMap(paths, jobs: jobs, transform: { path -> MatchHashes? in
            guard let bytes = try? InputFiles.read(path), let image = try? IngestedImage.prepare(bytes, stripMetadata: false) else {
                return nil
            }
            return image.hashes
        }, consume: { i, h in
            if let h { hashes[paths[i]] = h } else { report("skipped (cannot decode): \(paths[i])") }
        })
        var samples: [Matching.HashAlgorithm: [LabelledDistance]] = [:]
        for pair in pairs {
            guard let q = hashes[pair.query], let r = hashes[pair.reference] else { continue }
            let d = distances(q, r)
            inspect?(pair, d)
            for (algo, d) in d {
                samples[HashAlgorithm(rawValue: algo), default: []].append(LabelledDistance(distance: d, isMatch: pair.isMatch))
            }
        }
        return try MatchPolicy.calibrated(from: samples, targetFalsePositiveRate: targetFalsePositiveRate)
    }

    /// Why the data cannot support `record`'s threshold, or nil when it can.
    ///
    /// A threshold at false-positive rate r from n negative pairs is only measured when the sample could show
    /// a few false positives at that rate: with n·r < 3, even zero observed false positives do not show the
    /// rate is below r (the rule of three, 95 %), and the threshold is set by the closest negatives alone,
    /// however far they lie (the README's run gave PDQ ≤ 99 that way). Fewer than 10 true pairs cannot show
    /// the true-positive rate either.
    public static func unsupportedReason(_ record: CalibratedThreshold, minimumPositives: Int = 10) -> String? {
        let expected = Double(record.negatives) * record.targetFalsePositiveRate
        if expected < 3 {
            let needed = Int((3 / record.targetFalsePositiveRate).rounded(.up))
            return "\(record.negatives) negative pairs cannot show a false-positive rate of \(record.targetFalsePositiveRate): "
                + "at least \(needed) are needed (or a larger --fpr)"
        }
        if record.positives < minimumPositives {
            return "\(record.positives) true pairs are too few (at least \(minimumPositives))"
        }
        if record.threshold == nil { return "no distance meets the target false-positive rate" }
        return nil
    }

    /// The policy to store: `previous` with each supported calibrated threshold replacing its algorithm's;
    /// unsupported ones keep the previous threshold. Returns the merged policy and the algorithms replaced.
    public static func merge(_ calibrated: MatchPolicy, into previous: MatchPolicy) -> (policy: MatchPolicy, updated: [Matching.HashAlgorithm]) {
        var policy = previous
        var updated: [Matching.HashAlgorithm] = []
        for (algo, record) in calibrated.calibration.sorted(by: { $0.key < $1.key }) where unsupportedReason(record) == nil {
            policy.thresholds[algo] = record.threshold
            policy.calibration[algo] = record
            updated.append(algo)
        }
        return (policy, updated)
    }
}
