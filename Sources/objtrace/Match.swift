import ArgumentParser
import CaseWork
import Foundation
import LocalFeatures
import Matching
import ObjtraceKit
import Store

/// JSON for one match in `match` and `tip submit` output: the hash and local-feature evidence and the tier
/// rule's verdict (`JudgedMatch`, the rule tip intake records).
enum MatchOutput {
    static func json(_ j: JudgedMatch) -> JSONLine {
        var line = JSONLine()
        if let o = j.object { line.add("object", o.value) } else if let t = j.referenceTip { line.add("tip", Int(t.rawValue)) }
        line.add("algo", j.verdict.algorithms.map(\.rawValue).joined(separator: "+"))
        if let m = j.hash {
            var d = JSONLine()
            for (k, v) in m.distances.sorted(by: { $0.key < $1.key }) { d.add(k, v) }
            line.add("distance", m.distances[m.assessment.agreeing.first?.rawValue ?? "pdq"] ?? -1)
            line.add("distances", d)
        }
        line.add("transform", j.transform)
        if let local = j.local {
            line.add("inliers", local.match.inliers)
            line.add("score", (local.match.score * 10).rounded() / 10)
            line.add("coverage", (local.match.coverage * 1000).rounded() / 1000)
            if let a = local.appearance { line.add("appearance", (a.colour * 1000).rounded() / 1000) }
            line.add("mirrored", local.match.mirrored)
            line.add("region", local.regionText)
        }
        line.add("tier", j.verdict.tier.description)
        line.add("level", j.verdict.level.description)
        line.add("strength", (j.verdict.strength * 1000).rounded() / 1000)
        return line
    }
}

struct Match: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ad-hoc query of photos against the published catalogue (no tip is created).",
        discussion: "Prints {\"path\", \"matches\": [{\"object\", \"algo\", \"distance\", \"tier\", …}]} per file.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Also search with local features (finds an object that is only part of the photo).") var local = false
    @Option(help: "Worker threads for independent photos (default: all cores); output stays in input order.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Argument(help: "Photos, folders, or PDQ hash lists (tx or pdq-list lines).") var paths: [String]

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        var ok = 0
        try caseCommand {
            let service = try options.open()
            let engine = try service.matchEngine()
            let localSearch = local ? try service.localSearch() : nil
            // Photos are decoded, hashed and searched on `jobs` threads (the engine and the search are immutable
            // snapshots); lines are printed in input order.
            orderedParallelMap(InputFiles.expand(paths), jobs: jobs, transform: { entry in
                Self.matchOne(entry, engine: engine, localSearch: localSearch)
            }, consume: { _, result in
                result.lines.forEach(emit)
                if result.ok { ok += 1 }
            })
        }
        throw batchExit(succeeded: ok)
    }

    /// The output lines of one input and whether it succeeded.
    static func matchOne(_ entry: InputFiles.Entry, engine: CatalogueEngine, localSearch: LocalSearch?) -> (lines: [String], ok: Bool) {
        var line = JSONLine()
        var ok = false
        switch entry {
        case .unreadable(let path, let reason):
            line.add("path", path); line.add("error", reason)
        case .file(let path):
            line.add("path", path)
            do {
                let bytes = try InputFiles.read(path)
                if let lines = InteropJobs.matchHashList(path: path, bytes: bytes, engine: engine) {
                    return (lines, true)
                }
                let image = try IngestedImage.prepare(bytes, stripMetadata: false)
                let matches = engine.match(image.hashes).filter { $0.reference.owner.kind == "object_crop" }
                // The one tier rule tip intake records (`JudgedMatch.judge`).
                let judged = JudgedMatch.judge(hash: matches, local: localSearch?.search(image.upright) ?? [])
                let out = judged.map(MatchOutput.json)
                line.add("matches", out)
                ok = true
            } catch {
                line.add("error", describe(error))
            }
        }
        return ([line.description], ok)
    }
}
