public import CaseWork
import Foundation
import ImageCore
import ImageDecoding
import Store
public import Matching
import PerceptualHash

/// The CLI's interop commands: hash lists out and in, VICS export, evidence sheets.
public enum InteropJobs {
    /// The catalogue's hashes (every crop of every object) as hash-list entries labelled with the object code.
    public static func catalogueEntries(_ service: CaseService) throws -> [HashListEntry] {
        try service.store.allHashes(ownerKind: "object_crop").compactMap { h in
            guard ["pdq", "phash", "dhash"].contains(h.record.algo), case .object(let code) = h.subject else { return nil }
            return HashListEntry(label: code.value, algo: h.record.algo, hex: h.record.hex, quality: h.record.quality)
        }
    }

    /// Hash-list entries for files (exact hashes of upright pixels), labelled with their paths.
    public static func fileEntries(_ paths: [String], report: (String) -> Void) -> [HashListEntry] {
        var out: [HashListEntry] = []
        let hasher = ImageHasher(algorithms: [.pdq, .phash, .dhash])
        for entry in InputFiles.expand(paths) {
            switch entry {
            case .unreadable(let path, let reason): report("{\"path\":\(JSONLine.quote(path)),\"error\":\(JSONLine.quote(reason))}")
            case .file(let path):
                do {
                    let r = try hasher.hashResults(try InputFiles.read(path))
                    if let p = r.pdq { out.append(HashListEntry(label: path, algo: "pdq", hex: p.hash.hex, quality: p.quality)) }
                    if let h = r.phash { out.append(HashListEntry(label: path, algo: "phash", hex: h.hex)) }
                    if let h = r.dhash { out.append(HashListEntry(label: path, algo: "dhash", hex: h.hex)) }
                } catch {
                    report("{\"path\":\(JSONLine.quote(path)),\"error\":\(JSONLine.quote(describe(error)))}")
                }
            }
        }
        return out
    }

    /// Reads a hash list or VICS file for `import bank`; per-line problems go to `report`.
    public static func readBank(file: String, format: String, report: (String) -> Void) throws -> [HashListEntry] {
        let bytes = try InputFiles.read(file, maxBytes: 1 << 30)
        if format == "vics" {
            return try VICS.read(bytes).flatMap { record in
                record.pdq.map { HashListEntry(label: record.fileName ?? record.md5, algo: "pdq", hex: $0) }
            }
        }
        guard let listFormat = HashListFormat(rawValue: format) else {
            throw InputError("unknown format '\(format)' (pdq-list, tx, imagehash, csv, vics)")
        }
        let parsed = try listFormat.parseLenient(String(decoding: bytes, as: UTF8.self))
        for e in parsed.errors { report("\(file): \(e)") }
        return parsed.entries
    }

    /// VICS 2.0 JSON of the evidence of one object (its crops and its tips' working copies) or of every
    /// published or identified object. Category 0 (uncategorised: sanitised objects are not abuse material);
    /// Series = the object code.
    public static func vics(_ service: CaseService, object: ObjectCode?) throws -> String {
        let codes = try object.map { [$0] } ?? service.store.objects().filter { $0.state.hasBeenPublished }.map(\.code)
        var media: [VICSMedia] = []
        var seen = Set<String>()
        for code in codes {
            let o = try service.store.object(code)
            var shas = o.crops.map(\.sha256.value)
            for tip in try service.store.tips(linkedTo: code) { shas += tip.content.photos.map(\.workingSHA256.value) }
            for sha in shas where seen.insert(sha).inserted {
                let bytes = try service.blobs.get(sha)
                let d = fileDigests(bytes)
                let upright = try ImageDecoder.decode(bytes).upright()
                media.append(VICSMedia(md5: d.md5, sha1: d.sha1, sha256: d.sha256, fileName: sha, pdq: pdq(upright).hash.hex,
                                       category: 0, series: code.value, width: upright.width, height: upright.height,
                                       mediaSize: bytes.count))
            }
        }
        return try VICS.write(VICSCase(caseNumber: object?.value, media: media))
    }

    /// The pictures and tables of an object's sheet: crops, matches (crop beside tip photo, with the local
    /// region) and the candidate ranking. PNG thumbnails are written into `dir`, referenced as `prefix + name`.
    /// `onlyTips` limits the matches to those tips (a referral shows the tips it sends, nothing else).
    static func sheetParts(_ service: CaseService, code: ObjectCode, dir: URL, prefix: String, onlyTips: Set<TipID>? = nil) throws
        -> (crops: [SheetImage], matches: [SheetMatch], candidates: [SheetCandidate])
    {
        let store = service.store
        let o = try store.object(code)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var images: [String: SheetImage] = [:]
        func image(_ sha: String) throws -> SheetImage {
            if let i = images[sha] { return i }
            let decoded = try ImageDecoder.decode(try service.blobs.get(sha)).upright()
            let thumb = decoded.thumbnail(maxSide: 240)
            let name = "\(sha).thumb.png"
            try Data(try PNGEncoder.encode(thumb)).write(to: dir.appendingPathComponent(name))
            let i = SheetImage(relativePath: prefix + name, sha256: sha, width: decoded.width, height: decoded.height,
                               thumbWidth: thumb.width, thumbHeight: thumb.height)
            images[sha] = i
            return i
        }
        let crops = try o.crops.map { try image($0.sha256.value) }
        let cropBySQLID = Dictionary(uniqueKeysWithValues: try store.crops(of: code).map { ($0.id, $0.crop.sha256.value) })
        var matches: [SheetMatch] = []
        for m in try store.matches(object: code) where onlyTips?.contains(m.tipID) ?? true {
            guard case .objectCrop(let cropID) = m.reference, let cropSHA = cropBySQLID[cropID] else { continue }
            let tip = try store.tip(m.tipID)
            guard let photo = try store.storedPhotos(of: m.tipID).first(where: { $0.id == m.tipPhotoID }) else { continue }
            let claims = ClaimKind.allCases.compactMap { k in tip.content.claims[k].map { "\(k.rawValue): \($0)" } }
            let region = m.region.map { text in
                text.split(separator: ";").compactMap { p -> SheetPoint? in
                    let xy = p.split(separator: ",").compactMap { Double($0) }
                    return xy.count == 2 ? SheetPoint(x: xy[0], y: xy[1]) : nil
                }
            }
            matches.append(SheetMatch(tipID: String(m.tipID.rawValue), claim: claims.isEmpty ? nil : claims.joined(separator: "; "),
                                      tipImage: try image(photo.photo.workingSHA256.value), cropImage: try image(cropSHA),
                                      algorithms: Reports.unique(m.algos), distances: m.distances.sorted { $0.key < $1.key }.map {
                                          SheetDistance(algo: $0.key, distance: $0.value)
                                      }, tier: m.tier, strength: m.strength, transform: m.transform, region: region))
        }
        let stored = try store.candidates(of: code)
        let candidates = try service.rankCandidates(code).enumerated().map { i, h in
            let c = stored.first {
                $0.hypothesis.country?.value == h.claims.country && $0.hypothesis.brand.map(ClaimText.normalize) == h.claims.brand
                    && $0.hypothesis.product.map(ClaimText.normalize) == h.claims.product
            }
            return SheetCandidate(rank: i + 1, brand: h.claims.brand, product: h.claims.product, country: h.claims.country,
                                  score: h.score, share: h.share, state: c?.state.rawValue ?? h.verdict?.rawValue ?? "ranked",
                                  supportingTips: h.evidence.filter { $0.role == .counted }.map { String($0.tipId) },
                                  evidence: h.evidence.map { "tip \($0.tipId): \($0.role.rawValue), \(String(format: "%.2f", $0.contribution))" })
        }
        return (crops, matches, candidates)
    }

    /// Writes `index.html` and PNG thumbnails for one object into `folder`; returns the page's path.
    public static func sheet(_ service: CaseService, code: ObjectCode, folder: String) throws -> String {
        let o = try service.store.object(code)
        let dir = URL(fileURLWithPath: folder)
        let (crops, matches, candidates) = try sheetParts(service, code: code, dir: dir, prefix: "")
        let page = EvidenceSheet(objectCode: code.value, title: o.title, category: o.category.rawValue, question: o.question,
                                 state: o.state.rawValue, crops: crops, matches: matches, candidates: candidates,
                                 generatedAt: ISO8601DateFormatter().string(from: Date()))
        let path = dir.appendingPathComponent("index.html")
        try Data(page.html().utf8).write(to: path)
        return path.path
    }

    /// Matches a PDQ hash list (`pdq <hex>` lines as python-threatexchange writes them, or bare hexes) against
    /// the catalogue: one JSON line per hash; nil when the file is not such a list.
    public static func matchHashList(path: String, bytes: [UInt8], engine: CatalogueEngine) -> [String]? {
        guard !ImageFormat.sniff(bytes).isDecodable, let parsed = try? HashListFormat.tx.parseLenient(String(decoding: bytes, as: UTF8.self)),
              !parsed.entries.isEmpty else { return nil }
        return parsed.entries.compactMap { entry in
            guard let hash = Hash256(hex: entry.hex) else { return nil }
            var line = JSONLine()
            line.add("path", path)
            line.add("hash", entry.hex)
            line.add("matches", engine.matchPDQ(hash).compactMap { hit -> JSONLine? in
                guard case .object(let code) = hit.reference.subject else { return nil }
                var m = JSONLine()
                m.add("object", code.value)
                m.add("algo", HashAlgorithm.pdq.rawValue)
                m.add("distance", hit.distance)
                m.add("tier", MatchTier.suggest.description)
                return m
            })
            return line.description
        }
    }
}
