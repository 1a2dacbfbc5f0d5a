import ArgumentParser
import Foundation
import Matching
import ObjtraceKit

struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Calibrate match thresholds from labelled pairs and store them.",
        discussion: """
            PAIRS.tsv has a header with 'query' and 'reference' (paths relative to the file) and optionally 'match'
            (0/1; absent = all true pairs). --manifest adds negative pairs drawn from different 'group's.
            """)
    @OptionGroup var options: StoreOptions
    @Argument var pairs: String
    @Option(help: "A MANIFEST.tsv (file, group) to draw negative pairs from.") var manifest: String?
    @Option(help: "How many negatives to draw.") var negatives: Int = 2000
    @Option(help: "Target false-positive rate.") var fpr: Double = 1e-3
    @Option(help: "Drop pairs where either path contains this text (repeatable), e.g. images a MANIFEST files under another group although they show the same picture.")
    var exclude: [String] = []
    @Flag(help: "Print the policy without storing it.") var dryRun = false
    @Flag(help: "Also print every pair's distances (tab-separated, to stderr).") var verbose = false

    func run() throws {
        try caseCommand {
            var all = try CalibrationJob.readPairs(pairs)
            if let manifest { all += try CalibrationJob.negatives(manifest: manifest, count: negatives) }
            all.removeAll { pair in exclude.contains { pair.query.contains($0) || pair.reference.contains($0) } }
            let policy = try CalibrationJob.calibrate(all, targetFalsePositiveRate: fpr, report: report, inspect: verbose ? { pair, d in
                report("\(pair.isMatch ? 1 : 0)\t\(d["pdq"] ?? -1)\t\(d["phash"] ?? -1)\t\(d["dhash"] ?? -1)\t\(pair.query)\t\(pair.reference)")
            } : nil)
            for (algo, record) in policy.calibration.sorted(by: { $0.key < $1.key }) {
                var line = JSONLine()
                line.add("algo", algo.rawValue)
                if let t = record.threshold { line.add("threshold", t) } else { line.addNull("threshold") }
                line.add("truePositiveRate", (record.truePositiveRate * 1000).rounded() / 1000)
                line.add("falsePositiveRate", record.falsePositiveRate)
                line.add("positives", record.positives)
                line.add("negatives", record.negatives)
                line.add("underpowered", record.isUnderpowered)
                emit(line.description)
            }
            if !dryRun { try options.open().setMatchPolicy(policy, by: options.analystID()) }
        }
    }
}
