import CaseWork
import Foundation
import ImageCore
import ImageDecoding
import Matching
import ObjtraceKit
import Store
import TestSupport
import Testing

private func hashes(_ relative: String) throws -> MatchHashes {
    try IngestedImage.prepare([UInt8](Data(contentsOf: SharedData.url(relative))), stripMetadata: false).hashes
}

private func reference(_ h: MatchHashes) -> ReferenceImage {
    ReferenceImage(owner: .objectCrop(0), subject: .other("ref"), sha256: "", hashes: h)
}

@Suite("Matching bars on real pairs", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct MatchingBarTests {
    let engine = CatalogueEngine(policy: DefaultPolicy.policy)

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

    /// Issue 6's end-to-end bar: 20 catalogue products; 500 tips made from them as a re-shared photo is made
    /// (small uneven crop, resize to 40–90 %, a random flip/rotation, JPEG re-compression at quality 50–95;
    /// fixed seed), each run through the real ingest path (JPEG bytes → decode → hashes); plus 500 unrelated
    /// photos (crops, resizes, flips and re-compressions of the dev photos and of products from other MANIFEST
    /// groups). Recall per tier and false matches are printed; zero false confirm-tier matches.
    @Test func generatedTipsAgainstCatalogue() throws {
        let products = SharedData.files(under: "dev/products/grocery", extensions: ["jpg"])
            .filter { $0.lastPathComponent.contains("_iconic_") } + SharedData.files(under: "dev/products/ukbench", extensions: ["jpg"])
        let catalogue = Array(products.prefix(20))
        #expect(catalogue.count == 20)
        let groups = try Dictionary(SharedData.readTSV("dev/MANIFEST.tsv").map { ($0["file"]!, $0["group"]!) }, uniquingKeysWith: { a, _ in a })
        func group(_ url: URL) -> String { groups[url.path.components(separatedBy: "/dev/").last!] ?? url.path }
        let catalogueGroups = Set(catalogue.map(group))

        var engine = CatalogueEngine(policy: DefaultPolicy.policy)
        var uprights: [Raster] = []
        for (i, url) in catalogue.enumerated() {
            let image = try IngestedImage.prepare([UInt8](Data(contentsOf: url)), stripMetadata: false)
            uprights.append(image.upright)
            engine.add(ReferenceImage(owner: .objectCrop(Int64(i)), subject: .other(String(i)), sha256: "", hashes: image.hashes))
        }
        var rng = SeededRandom(seed: 20261201)
        /// A re-shared copy: crop `crop` of each side at most (independently), resize, dihedral, JPEG.
        func reshare(_ source: Raster, crop maxCrop: Double, scale: ClosedRange<Double>, quality: ClosedRange<Int>) throws -> IngestedImage {
            let l = Int(Double(source.width) * rng.uniform(0, maxCrop)), r = Int(Double(source.width) * rng.uniform(0, maxCrop))
            let t = Int(Double(source.height) * rng.uniform(0, maxCrop)), b = Int(Double(source.height) * rng.uniform(0, maxCrop))
            var raster = crop(source, x: l, y: t, width: source.width - l - r, height: source.height - t - b)
            let side = Double(max(raster.width, raster.height)) * rng.uniform(scale.lowerBound, scale.upperBound)
            raster = raster.thumbnail(maxSide: max(16, Int(side)))
            raster = raster.applying(Orientation.allCases[rng.below(8)])
            let q = quality.lowerBound + rng.below(quality.count)
            return try IngestedImage.prepare(JPEGEncoder.encode(raster, quality: q), stripMetadata: false)
        }

        var confirm = 0, suggest = 0, wrong = 0, wrongConfirm = 0, missed = 0
        let tipCount = 500
        for n in 0..<tipCount {
            let target = n % uprights.count
            let tip = try reshare(uprights[target], crop: 0.06, scale: 0.4...0.9, quality: 50...95)
            // The tier rule on hash evidence alone (what tip intake records when local features find nothing).
            guard let best = JudgedMatch.judge(hash: engine.match(tip.hashes), local: []).first, let hash = best.hash
            else { missed += 1; continue }
            if hash.reference.subject != .other(String(target)) {
                wrong += 1
                if best.verdict.tier == .confirm { wrongConfirm += 1 }
                continue
            }
            if best.verdict.tier == .confirm { confirm += 1 } else { suggest += 1 }
        }

        // Unrelated: every dev photo and every product outside the catalogue's groups, as re-shared copies.
        let others = (SharedData.files(under: "dev/photos", extensions: ["jpg", "png"])
            + SharedData.files(under: "dev/products", extensions: ["jpg", "png"]))
            .filter { !catalogueGroups.contains(group($0)) }
        let sources = others.compactMap { url in
            (try? IngestedImage.prepare([UInt8](Data(contentsOf: url)), stripMetadata: false)).map { (url.lastPathComponent, $0.upright) }
        }
        #expect(sources.count >= 60)
        var falseConfirm: [String] = [], falseSuggest = 0
        let unrelatedCount = 500
        for n in 0..<unrelatedCount {
            let (name, source) = sources[n % sources.count]
            let photo = try reshare(source, crop: 0.2, scale: 0.3...1.0, quality: 40...95)
            for m in JudgedMatch.judge(hash: engine.match(photo.hashes), local: []) {
                if m.verdict.tier == .confirm { falseConfirm.append("\(name) ~ \(String(describing: m.hash?.reference.subject))") } else { falseSuggest += 1 }
            }
        }
        let recall = Double(confirm + suggest) / Double(tipCount)
        print("generated tips: \(tipCount): confirm \(confirm), suggest \(suggest), no match \(missed), wrong object \(wrong) (confirm tier \(wrongConfirm)), recall \(recall); unrelated photos \(unrelatedCount) from \(sources.count) sources: false confirm \(falseConfirm.count), false suggest \(falseSuggest)")
        #expect(falseConfirm.isEmpty, "false confirm-tier matches: \(falseConfirm)")
        #expect(wrongConfirm == 0)
        #expect(wrong <= tipCount / 50)
        // Hash evidence alone (issue 16): dHash alone at distance 5–12 no longer suggests (on the dev products it
        // named another product 9 times in 10), so some of these small re-shares are found only by local
        // features, which this test leaves out; `Benchmarks/match_quality.py` measures the whole rule.
        #expect(recall >= 0.8)
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
