import ArgumentParser
import CaseWork
import Foundation
import LocalFeatures
import Matching
import ObjtraceKit
import Store

/// JSON for one match in `match` and `tip submit` output.
enum MatchOutput {
    /// One hash match; `local` is a verified local-feature match of the same object, which makes it confirm-tier
    /// (the rule tip intake records: `TipIntake.mergeLocal`).
    static func json(_ m: ImageMatch, local: LocalSearch.Hit? = nil) -> JSONLine {
        var line = JSONLine()
        switch m.reference.subject {
        case .object(let code): line.add("object", code.value)
        case .tip(let id): line.add("tip", Int(id.rawValue))
        default: break
        }
        line.add("algo", (m.assessment.agreeing.map(\.rawValue) + (local == nil ? [] : ["local"])).joined(separator: "+"))
        var d = JSONLine()
        for (k, v) in m.distances.sorted(by: { $0.key < $1.key }) { d.add(k, v) }
        line.add("distance", m.distances[m.assessment.agreeing.first?.rawValue ?? "pdq"] ?? -1)
        line.add("distances", d)
        line.add("transform", m.transform)
        if let local {
            line.add("inliers", local.match.inliers)
            line.add("region", local.regionText)
        }
        line.add("tier", local == nil ? m.assessment.tier.description : "confirm")
        line.add("strength", (max(m.assessment.strength, local.map { min(1, $0.match.score / 40) } ?? 0) * 1000).rounded() / 1000)
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
                // The tier rule of tip intake: a verified local match confirms the first hash match of the
                // same object, or stands alone as a suggestion.
                var hits = localSearch?.search(image.upright) ?? []
                var out: [JSONLine] = []
                for m in matches {
                    let i = hits.firstIndex { hit in
                        if case .object(let code) = m.reference.subject { return hit.object == code }
                        return false
                    }
                    out.append(MatchOutput.json(m, local: i.map { hits.remove(at: $0) }))
                }
                for hit in hits {
                    var m = JSONLine()
                    m.add("object", hit.object.value)
                    m.add("algo", "local")
                    m.add("inliers", hit.match.inliers)
                    m.add("score", (hit.match.score * 10).rounded() / 10)
                    m.add("mirrored", hit.match.mirrored)
                    m.add("region", hit.regionText)
                    m.add("tier", "suggest")
                    out.append(m)
                }
                line.add("matches", out)
                ok = true
            } catch {
                line.add("error", describe(error))
            }
        }
        return ([line.description], ok)
    }
}
