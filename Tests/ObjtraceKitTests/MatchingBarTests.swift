import Foundation
import ImageCore
import ImageDecoding
import Matching
import ObjtraceKit
import Store
import Testing
import TestSupport

private func hashes(_ relative: String) throws -> MatchHashes {
    try IngestedImage.prepare([UInt8](Data(contentsOf: SharedData.url(relative))), stripMetadata: false).hashes
}

private func reference(_ h: MatchHashes) -> ReferenceImage {
    ReferenceImage(owner: .objectCrop(0), subject: .other("ref"), sha256: "", hashes: h)
}

@Suite("Matching bars on real pairs", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct MatchingBarTests {
    let engine = MatchEngine(policy: DefaultPolicy.policy)

    /// Every dihedral, EXIF and blur/contrast/resize pair of the ThreatExchange bridge set (and the other
    /// EXIF pairs) is a confirm-tier match with the shipped thresholds.
    @Test func bridgeAndExifPairsConfirm() throws {
        let pairs = try SharedData.readTSV("dev/KNOWN_PAIRS.tsv").filter {
            let r = $0["relation"] ?? ""
            return r.hasPrefix("dihedral:") || r.hasPrefix("exif-orientation") || r.hasPrefix("tx-bridge-mod:")
        }
        #expect(pairs.count >= 25)
        for pair in pairs {
            let q = try hashes("dev/" + pair["query"]!), r = try hashes("dev/" + pair["reference"]!)
            let match = engine.judge(q, reference(r))
            #expect(match?.assessment.tier == .confirm, "\(pair["query"]!) (\(pair["relation"]!)): \(String(describing: match?.distances))")
        }
    }

    /// No pair of images from different MANIFEST groups is a confirm-tier match (500 pairs by default,
    /// 2,000 with OBJTRACE_BIG_TESTS=1). `tx_modes` is left out: it holds the bridge photo under another group.
    @Test func differentGroupsNeverConfirm() throws {
        let count = ProcessInfo.processInfo.environment["OBJTRACE_BIG_TESTS"] == "1" ? 2000 : 500
        let negatives = try CalibrationJob.negatives(manifest: SharedData.url("dev/MANIFEST.tsv").path, count: count)
            .filter { !$0.query.contains("formats/tx_modes/") && !$0.reference.contains("formats/tx_modes/") }
        #expect(negatives.count >= count * 9 / 10)
        var cache: [String: MatchHashes] = [:]
        func get(_ path: String) -> MatchHashes? {
            if let h = cache[path] { return h }
            guard let bytes = try? InputFiles.read(path), let h = try? IngestedImage.prepare(bytes, stripMetadata: false).hashes else {
                return nil
            }
            cache[path] = h
            return h
        }
        var confirmed: [String] = [], suggested = 0, judged = 0
        for pair in negatives {
            guard let q = get(pair.query), let r = get(pair.reference) else { continue }
            judged += 1
            switch engine.judge(q, reference(r))?.assessment.tier {
            case .confirm: confirmed.append("\(pair.query) ~ \(pair.reference)")
            case .suggest: suggested += 1
            case nil: break
            }
        }
        #expect(judged >= negatives.count * 9 / 10)
        #expect(confirmed.isEmpty, "false confirm-tier matches: \(confirmed)")
        print("negatives judged: \(judged), suggest-tier false matches: \(suggested), confirm-tier: \(confirmed.count)")
    }

    /// 20 catalogue products; 100 tips made from them by resize, flips/rotations and small crops (fixed
    /// seed), plus every unrelated photo: recall per tier and false matches. Zero false confirm-tier matches.
    @Test func generatedTipsAgainstCatalogue() throws {
        let products = SharedData.files(under: "dev/products/grocery", extensions: ["jpg"])
            .filter { $0.lastPathComponent.contains("_iconic_") } + SharedData.files(under: "dev/products/ukbench", extensions: ["jpg"])
        let catalogue = Array(products.prefix(20))
        #expect(catalogue.count == 20)
        var engine = MatchEngine(policy: DefaultPolicy.policy)
        var uprights: [Raster] = []
        for (i, url) in catalogue.enumerated() {
            let image = try IngestedImage.prepare([UInt8](Data(contentsOf: url)), stripMetadata: false)
            uprights.append(image.upright)
            engine.add(ReferenceImage(owner: .objectCrop(Int64(i)), subject: .other(String(i)), sha256: "", hashes: image.hashes))
        }
        var rng = SeededRandom(seed: 20261129)
        var confirm = 0, suggest = 0, wrong = 0, wrongConfirm = 0, total = 0
        for n in 0..<100 {
            let target = n % uprights.count
            var raster = uprights[target]
            // Small crop (up to 6% per side), resize to 40–90%, then a random dihedral transform.
            let cx = Int(Double(raster.width) * Double.random(in: 0...0.06, using: &rng))
            let cy = Int(Double(raster.height) * Double.random(in: 0...0.06, using: &rng))
            raster = crop(raster, x: cx, y: cy, width: raster.width - 2 * cx, height: raster.height - 2 * cy)
            raster = raster.thumbnail(maxSide: Int(Double(max(raster.width, raster.height)) * Double.random(in: 0.4...0.9, using: &rng)))
            raster = raster.applying(Orientation.allCases[Int.random(in: 0..<8, using: &rng)])
            let matches = engine.match(MatchHashes(upright: raster))
            total += 1
            guard let best = matches.first else { continue }
            if best.reference.subject != .other(String(target)) {
                wrong += 1
                if best.assessment.tier == .confirm { wrongConfirm += 1 }
                continue
            }
            if best.assessment.tier == .confirm { confirm += 1 } else { suggest += 1 }
        }
        var falseConfirm = 0, falseSuggest = 0
        let unrelated = SharedData.files(under: "dev/photos", extensions: ["jpg", "png"])
        for url in unrelated {
            guard let image = try? IngestedImage.prepare([UInt8](Data(contentsOf: url)), stripMetadata: false) else { continue }
            for m in engine.match(image.hashes) { if m.assessment.tier == .confirm { falseConfirm += 1 } else { falseSuggest += 1 } }
        }
        print("generated tips: \(total), confirm \(confirm), suggest \(suggest), wrong object \(wrong) (confirm tier \(wrongConfirm)); unrelated photos \(unrelated.count): false confirm \(falseConfirm), false suggest \(falseSuggest)")
        #expect(falseConfirm == 0)
        #expect(wrongConfirm == 0)
        #expect(wrong <= total / 20)
        #expect(Double(confirm + suggest) / Double(total) >= 0.9)
    }
}

func crop(_ r: Raster, x: Int, y: Int, width: Int, height: Int) -> Raster {
    var out: [UInt8] = []
    out.reserveCapacity(width * height * r.channels)
    for row in y..<(y + height) {
        let start = (row * r.width + x) * r.channels
        out += r.pixels[start..<(start + width * r.channels)]
    }
    return Raster(width: width, height: height, channels: r.channels, pixels: out)
}
