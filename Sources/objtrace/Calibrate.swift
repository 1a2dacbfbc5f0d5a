import ArgumentParser
import Foundation
import Matching
import ObjtraceKit

struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Calibrate match thresholds from labelled pairs and store the ones the data supports.",
        discussion: """
            PAIRS.tsv has a header with 'query' and 'reference' (paths relative to the file) and optionally 'match'
            (0/1; absent = all true pairs). --manifest adds negative pairs drawn from different 'group's.
            A threshold is stored only when the data can support it: at least 3/FPR negative pairs (so the
            false-positive rate is measured, not guessed from the few closest negatives) and 10 true pairs.
            Any other algorithm keeps its previous threshold, and the output says why.
            Exit status: 0 when at least one threshold was stored (or --dry-run), 1 when none could be.
            """)
    @OptionGroup var options: StoreOptions
    @Argument(help: "The labelled pairs (TSV).") var pairs: String
    @Option(help: "A MANIFEST.tsv (file, group) to draw negative pairs from.") var manifest: String?
    @Option(help: "How many negatives to draw.") var negatives: Int = 3000
    @Option(help: "Target false-positive rate.") var fpr: Double = 1e-3
    @Option(help: "Drop pairs where either path contains this text (repeatable), e.g. images a MANIFEST files under another group although they show the same picture.")
    var exclude: [String] = []
    @Flag(help: "Print the policy without storing it.") var dryRun = false
    @Flag(help: "Also print every pair's distances (tab-separated, to stderr).") var verbose = false

    func validate() throws {
        guard fpr > 0, fpr < 1 else { throw ValidationError("--fpr must be between 0 and 1") }
        guard negatives >= 0 else { throw ValidationError("--negatives must be 0 or more") }
    }

    func run() throws {
        var stored = 0
        try caseCommand {
            var all = try CalibrationJob.readPairs(pairs)
            if let manifest { all += try CalibrationJob.negatives(manifest: manifest, count: negatives) }
            all.removeAll { pair in exclude.contains { pair.query.contains($0) || pair.reference.contains($0) } }
            let policy = try CalibrationJob.calibrate(all, targetFalsePositiveRate: fpr, report: report, inspect: verbose ? { pair, d in
                report("\(pair.isMatch ? 1 : 0)\t\(d["pdq"] ?? -1)\t\(d["phash"] ?? -1)\t\(d["dhash"] ?? -1)\t\(pair.query)\t\(pair.reference)")
            } : nil)
            let service = dryRun ? nil : try options.open()
            let previous = try service?.matchPolicy() ?? DefaultPolicy.policy
            let (merged, updated) = CalibrationJob.merge(policy, into: previous)
            var rows: [[String]] = []
            for (algo, record) in policy.calibration.sorted(by: { $0.key < $1.key }) {
                let reason = CalibrationJob.unsupportedReason(record)
                let kept = previous.thresholds[algo].map { "keeps \($0)" } ?? "keeps none"
                if options.json {
                    var line = JSONLine()
                    line.add("algo", algo.rawValue)
                    if let t = record.threshold { line.add("threshold", t) } else { line.addNull("threshold") }
                    line.add("truePositiveRate", Reports.score(record.truePositiveRate))
                    line.add("falsePositiveRate", record.falsePositiveRate)
                    line.add("positives", record.positives)
                    line.add("negatives", record.negatives)
                    line.add("underpowered", reason != nil)
                    line.add("stored", reason == nil && !dryRun)
                    if let reason { line.add("reason", reason) }
                    if reason != nil, let t = previous.thresholds[algo] { line.add("keptThreshold", t) }
                    emit(line.description)
                } else {
                    rows.append([algo.rawValue, record.threshold.map { "≤ \($0)" } ?? "-",
                                 String(format: "%.3f", record.truePositiveRate), String(format: "%.4f", record.falsePositiveRate),
                                 String(record.positives), String(record.negatives),
                                 reason.map { "NOT STORED (\(kept)): \($0)" } ?? (dryRun ? "supported (dry run)" : "stored")])
                }
            }
            if !options.json {
                printLines(TextTable.render(["ALGO", "THRESHOLD", "TPR", "FPR", "POSITIVES", "NEGATIVES", "RESULT"], rows))
            }
            if let service, !updated.isEmpty { try service.setMatchPolicy(merged, by: options.analystID()) }
            stored = dryRun ? max(1, updated.count) : updated.count
            if updated.isEmpty { report("no threshold stored: the data supports none; the previous policy stays") }
        }
        if stored == 0 { throw ExitCode(1) }
    }
}
