import ArgumentParser
import CaseWork
import Foundation
import LocalFeatures
import Matching
import ObjtraceKit
import Store

/// JSON for one match in `match` and `tip submit` output.
enum MatchOutput {
    static func json(_ m: ImageMatch) -> JSONLine {
        var line = JSONLine()
        switch m.reference.subject {
        case .object(let code): line.add("object", code.value)
        case .tip(let id): line.add("tip", Int(id.rawValue))
        default: break
        }
        line.add("algo", m.assessment.agreeing.map(\.rawValue).joined(separator: "+"))
        var d = JSONLine()
        for (k, v) in m.distances.sorted(by: { $0.key < $1.key }) { d.add(k, v) }
        line.add("distance", m.distances[m.assessment.agreeing.first?.rawValue ?? "pdq"] ?? -1)
        line.add("distances", d)
        line.add("transform", m.transform)
        line.add("tier", m.assessment.tier.description)
        line.add("strength", (m.assessment.strength * 1000).rounded() / 1000)
        return line
    }
}

struct Match: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ad-hoc query of photos against the published catalogue (no tip is created).",
        discussion: "Prints {\"path\", \"matches\": [{\"object\", \"algo\", \"distance\", \"tier\", …}]} per file.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Also search with local features (finds an object that is only part of the photo).") var local = false
    @Argument(help: "Photos, folders, or PDQ hash lists (tx or pdq-list lines).") var paths: [String]

    func run() throws {
        var ok = 0
        try caseCommand {
            let service = try options.open()
            let engine = try service.matchEngine()
            let localSearch = local ? try service.localSearch() : nil
            for entry in InputFiles.expand(paths) {
                var line = JSONLine()
                switch entry {
                case .unreadable(let path, let reason):
                    line.add("path", path); line.add("error", reason)
                case .file(let path):
                    line.add("path", path)
                    do {
                        let bytes = try InputFiles.read(path)
                        if let lines = InteropJobs.matchHashList(path: path, bytes: bytes, engine: engine) {
                            lines.forEach(emit)
                            ok += 1
                            continue
                        }
                        let image = try IngestedImage.prepare(bytes, stripMetadata: false)
                        let matches = engine.match(image.hashes).filter { $0.reference.owner.kind == "object_crop" }
                        var out = matches.map(MatchOutput.json)
                        for hit in localSearch?.search(image.upright) ?? [] {
                            var m = JSONLine()
                            m.add("object", hit.object.value)
                            m.add("algo", "local")
                            m.add("inliers", hit.match.inliers)
                            m.add("score", (hit.match.score * 10).rounded() / 10)
                            m.add("mirrored", hit.match.mirrored)
                            m.add("region", hit.match.region.map { [String(format: "%.1f", $0.x), String(format: "%.1f", $0.y)].joined(separator: ",") })
                            m.add("tier", "suggest")
                            out.append(m)
                        }
                        line.add("matches", out)
                        ok += 1
                    } catch {
                        line.add("error", describe(error))
                    }
                }
                emit(line.description)
            }
        }
        throw batchExit(succeeded: ok)
    }
}
