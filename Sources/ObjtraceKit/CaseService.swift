import CaseWork
import Foundation
import ImageDecoding
import Matching
import PerceptualHash
import Store

/// What an analyst can do to the case-work store, as one call per CLI command.
///
/// Each call is one SQLite transaction (store operations nest as savepoints), so a command either happens
/// whole or not at all. Images are decoded, hashed and written to the blob store before the transaction
/// opens; an interrupted command leaves at most an unreferenced blob.
public final class CaseService {
    /// The store.
    public let store: CaseStore
    /// Image copies beside the database.
    public let blobs: BlobStore
    /// Decoder limits for catalogue crops and tip photos.
    public var decodeOptions = DecodeOptions()
    private var engineCache: MatchEngine?
    private var bankCache: [BankHash]?
    private var localCache: LocalSearch?
    /// Whether tip photos are also searched with local features (finds objects that are only part of a photo).
    public var useLocalFeatures = true

    /// The local-feature search over the published catalogue (loaded once).
    public func localSearch() throws -> LocalSearch {
        if let localCache { return localCache }
        let search = try LocalSearch(service: self)
        localCache = search
        return search
    }

    /// Opens the store at `path`; commands other than `init` require an up-to-date schema.
    public init(path: String, requireSchema: Bool = true, durability: CaseStore.Durability = .full) throws {
        store = try CaseStore(path: path, durability: durability)
        blobs = BlobStore(forDatabaseAt: path)
        if requireSchema { try store.checkSchema() }
    }

    /// Creates or migrates the schema; returns the schema version.
    @discardableResult
    public func initialize(by analyst: AnalystID) throws -> Int { try store.migrate(by: analyst) }

    // MARK: - Objects

    /// Adds a draft object with its crop images (each decoded, hashed, stored by SHA-256), in one transaction.
    public func addObject(code: ObjectCode, title: String, category: ObjectCategory, question: String, notes: String,
                          images: [String], by analyst: AnalystID) throws -> (CaseObject, [StoredCrop]) {
        guard !images.isEmpty else { throw InputError("usage: an object needs at least one crop image") }
        var prepared: [(String, IngestedImage)] = []
        for path in images {
            let bytes = try InputFiles.read(path)
            do {
                prepared.append((path, try IngestedImage.prepare(bytes, stripMetadata: false, options: decodeOptions)))
            } catch {
                throw InputError("\(path): \(error)")
            }
        }
        var featureBlobs: [String] = []
        for (_, image) in prepared {
            try blobs.put(image.storedBytes)
            featureBlobs.append(try blobs.put(LocalSearch.features(image.upright).serialized()))
        }
        let result = try store.database.transaction {
            _ = try store.addObject(code: code, title: title, category: category, question: question, notes: notes,
                                    by: analyst)
            var crops: [StoredCrop] = []
            for ((_, image), featureBlob) in zip(prepared, featureBlobs) {
                let crop = try ObjectCrop(sha256: SHA256Hex(image.storedSHA256), width: image.width, height: image.height)
                let records = try image.hashes.records() + [try HashRecord(algo: LocalSearch.recordName, hex: featureBlob)]
                crops.append(try store.addCrop(to: code, crop: crop, storedPath: blobs.url(for: image.storedSHA256).path,
                                               hashes: records, by: analyst))
            }
            return (try store.object(code), crops)
        }
        engineCache = nil
        localCache = nil
        return result
    }

    // MARK: - Tips

    /// A tip as given on the command line or in an import line.
    public struct TipInput: Sendable {
        public var receivedOn: DayDate?
        public var channel: TipChannel = .cli
        public var language: String = "und"
        public var text: String = ""
        public var brand: String?, product: String?, shop: String?, country: String?, city: String?, url: String?
        /// Only when the tipster opted in to being contacted.
        public var contact: String?
        public var object: String?
        /// Paths of attached photos.
        public var photos: [String] = []
        public init() {}
    }

    /// What happened to a submitted tip.
    public struct TipReport: Sendable {
        public var tipID: TipID
        public var outcome: SubmitResult.Outcome
        /// Per photo: SHA-256 of the original, flags, and the matches found.
        public var photos: [PhotoReport]
    }

    /// One submitted photo.
    public struct PhotoReport: Sendable {
        public var path: String
        public var originalSHA256: String
        public var workingSHA256: String
        public var hadGPS: Bool
        public var hadDeviceSerial: Bool
        public var removedMetadata: [String]
        public var matches: [ImageMatch]
        /// Banks (e.g. an allow-list of ubiquitous images) this photo matched; its matches are then suppressed.
        public var bankHits: [String] = []
    }

    /// Submits one tip: photos are metadata-stripped, hashed and auto-matched against published objects' crops
    /// and all earlier tip photos; matches, the queue score and candidate support are recorded in the same
    /// transaction as the tip.
    public func submitTip(_ input: TipInput, importLine: ImportLine? = nil, by analyst: AnalystID) throws -> TipReport {
        var photos: [(String, IngestedImage)] = []
        for path in input.photos {
            let bytes = try InputFiles.read(path)
            do {
                photos.append((path, try IngestedImage.prepare(bytes, stripMetadata: true, options: decodeOptions)))
            } catch {
                throw InputError("\(path): \(error)")
            }
        }
        let today = DayDate(daysSince1970: Int64(Date().timeIntervalSince1970 / 86_400))
        if let day = input.receivedOn, day.daysSince1970 > today.daysSince1970 + 1 {  // + 1: time zones ahead of UTC
            throw InputError("received: \(day) is in the future (today is \(today), UTC)")
        }
        let submission = try TipSubmission(
            receivedOn: input.receivedOn ?? today,
            channel: input.channel, language: input.language, text: input.text,
            claims: TipClaims(brand: input.brand, product: input.product, shop: input.shop, country: input.country,
                              city: input.city, url: input.url),
            photos: try photos.map { _, image in
                TipPhoto(originalSHA256: try SHA256Hex(image.originalSHA256), workingSHA256: try SHA256Hex(image.storedSHA256),
                         originalHadGPS: image.exif.hasGPS, originalHadDeviceSerial: image.exif.hasDeviceSerial)
            },
            contact: try input.contact.map { try ContactConsent.optIn($0) } ?? .declined,
            aboutObject: try input.object.map { try ObjectCode($0) })
        for (_, image) in photos { try blobs.put(image.storedBytes) }
        var engine = try matchEngine()
        var hashesByOriginal: [SHA256Hex: [HashRecord]] = [:]
        for (_, image) in photos { hashesByOriginal[try SHA256Hex(image.originalSHA256)] = try image.hashes.records() }

        let (result, reports, newRefs) = try store.database.transaction { () throws -> (SubmitResult, [PhotoReport], [ReferenceImage]) in
            let result = try store.submitTip(submission, photoHashes: hashesByOriginal, importLine: importLine, by: analyst)
            var reports: [PhotoReport] = []
            var newRefs: [ReferenceImage] = []
            guard result.isNew else {
                return (result, photos.map { path, image in
                    PhotoReport(path: path, originalSHA256: image.originalSHA256, workingSHA256: image.storedSHA256,
                                hadGPS: image.exif.hasGPS, hadDeviceSerial: image.exif.hasDeviceSerial,
                                removedMetadata: image.removedMetadata, matches: [])
                }, [])
            }
            var best = 0.0
            for ((path, image), photoID) in zip(photos, result.photoIDs) {
                let hits = try bankHits(image.hashes)
                // A photo of something on an allow-list (sold everywhere, stock imagery) is no lead: its matches
                // are not recorded and do not raise the tip in the queue.
                let matches = hits.isEmpty ? engine.match(image.hashes) { $0.subject == .tip(result.tipID) } : []
                var rows = matches.map { m in
                    StoredMatch(tipPhotoID: photoID, tipID: result.tipID, reference: m.reference.owner,
                                object: { if case .object(let c) = m.reference.subject { return c } else { return nil } }(),
                                referenceTip: { if case .tip(let t) = m.reference.subject { return t } else { return nil } }(),
                                algos: m.assessment.agreeing.map(\.rawValue), distances: m.distances, transform: m.transform,
                                tier: m.assessment.tier.description, strength: m.assessment.strength)
                }
                if hits.isEmpty, useLocalFeatures { rows = try mergeLocal(rows, photo: image, photoID: photoID, tip: result.tipID) }
                try store.recordMatches(rows, by: analyst)
                for row in rows where row.algos == ["local"] || row.algos.contains("local") {
                    if row.object != nil { best = max(best, row.strength + (row.tier == "confirm" ? 1 : 0)) }
                }
                for m in matches where m.reference.owner.kind == "object_crop" {
                    best = max(best, m.assessment.strength + (m.assessment.tier == .confirm ? 1 : 0))
                }
                reports.append(PhotoReport(path: path, originalSHA256: image.originalSHA256, workingSHA256: image.storedSHA256,
                                           hadGPS: image.exif.hasGPS, hadDeviceSerial: image.exif.hasDeviceSerial,
                                           removedMetadata: image.removedMetadata, matches: matches, bankHits: hits))
                let ref = ReferenceImage(owner: .tipPhoto(photoID), subject: .tip(result.tipID), sha256: image.storedSHA256,
                                         hashes: image.hashes)
                newRefs.append(ref)
            }
            if best > 0 { try store.setMatchScores([result.tipID: best], by: analyst) }
            try refreshCandidates(for: result.tipID, by: analyst)
            return (result, reports, newRefs)
        }
        for ref in newRefs { engine.add(ref) }
        engineCache = engine
        return TipReport(tipID: result.tipID, outcome: result.outcome, photos: reports)
    }

    /// Adds local-feature evidence: a verified local match confirms a suggest-tier hash match of the same
    /// object, or stands alone as a suggest-tier match with the matched region.
    func mergeLocal(_ rows: [StoredMatch], photo: IngestedImage, photoID: Int64, tip: TipID) throws -> [StoredMatch] {
        var rows = rows
        for hit in try localSearch().search(photo.upright) {
            let strength = min(1, hit.match.score / 40)
            if let i = rows.firstIndex(where: { $0.object == hit.object }) {
                let r = rows[i]
                var distances = r.distances
                distances["local-inliers"] = hit.match.inliers
                rows[i] = StoredMatch(tipPhotoID: r.tipPhotoID, tipID: r.tipID, reference: r.reference, object: r.object,
                                      referenceTip: nil, algos: r.algos + ["local"], distances: distances, transform: r.transform,
                                      tier: "confirm", strength: max(r.strength, strength), region: hit.regionText)
            } else {
                rows.append(StoredMatch(tipPhotoID: photoID, tipID: tip, reference: .objectCrop(hit.cropID), object: hit.object,
                                        referenceTip: nil, algos: ["local"], distances: ["local-inliers": hit.match.inliers],
                                        transform: hit.match.mirrored ? "mirrored" : "orig", tier: "suggest", strength: strength,
                                        region: hit.regionText))
            }
        }
        return rows
    }

    /// The objects a tip's claims are stored as candidate support for: the one it names, the one it is linked
    /// to, and those its photos matched in the confirm tier. (Suggest-tier matches still count, weighted by
    /// their strength, in the live ranking of `rankCandidates`, but do not create candidates by themselves.)
    func objectsOf(tip id: TipID) throws -> Set<ObjectCode> {
        let tip = try store.tip(id)
        var out = Set<ObjectCode>()
        if let o = tip.content.aboutObject { out.insert(o) }
        if let o = tip.linkedObject { out.insert(o) }
        for m in try store.matches(tip: id) where m.tier == "confirm" { if let o = m.object { out.insert(o) } }
        return out
    }

    /// Adds the tip's own claim as support to a candidate of every object it concerns, scored by the ranking.
    func refreshCandidates(for id: TipID, by analyst: AnalystID) throws {
        let tip = try store.tip(id)
        let claims = tip.content.claims
        guard claims[.brand] != nil || claims[.product] != nil || claims[.country] != nil else { return }
        for code in try objectsOf(tip: id) {
            let ranking = try rankCandidates(code)
            let normalizer = ClaimNormalizer()
            let mine = normalizer.normalize(Matching.Claims(brand: claims[.brand], product: claims[.product], country: claims[.country]))
            guard let hypothesis = ranking.first(where: { $0.claims == mine }) else { continue }
            let country = try hypothesis.claims.country.flatMap { $0.count == 2 ? try CountryCode($0) : nil }
            guard let h = try? Hypothesis(brand: hypothesis.claims.brand, product: hypothesis.claims.product, country: country) else {
                continue
            }
            let support = hypothesis.evidence.filter { $0.role == .counted }.map { TipID($0.tipId) }
            _ = try store.upsertCandidate(for: code, hypothesis: h, supportingTips: support.isEmpty ? [id] : support,
                                          score: hypothesis.score, by: analyst)
        }
    }

    /// The live ranking of an object's candidate identifications, from every tip that concerns it.
    public func rankCandidates(_ code: ObjectCode) throws -> [RankedHypothesis] {
        var tipIDs = Set<TipID>()
        for t in try store.tips(linkedTo: code) { tipIDs.insert(t.id) }
        let matches = try store.matches(object: code)
        var strength: [TipID: Double] = [:]
        for m in matches { tipIDs.insert(m.tipID); strength[m.tipID] = max(strength[m.tipID] ?? 0, m.strength) }
        for t in try store.tips(about: code) { tipIDs.insert(t.id) }
        // Near-identical photos sent by several tips count once: link tips whose photos matched each other in
        // the confirm tier.
        var links: [(Int64, Int64)] = []
        for id in tipIDs {
            for m in try store.matches(tip: id) where m.tier == "confirm" {
                if let other = m.referenceTip, tipIDs.contains(other) { links.append((id.rawValue, other.rawValue)) }
            }
        }
        let clusters = TipClusters(tips: tipIDs.map(\.rawValue), links: links)
        var evidence: [TipEvidence] = []
        for id in tipIDs.sorted() {
            let tip = try store.tip(id)
            let c = tip.content.claims
            let decision: Matching.TipDecision
            switch tip.state {
            case .relevant, .linked, .referred: decision = .relevant
            case .spam: decision = .spam
            case .duplicate: decision = .irrelevant
            default: decision = .unreviewed
            }
            evidence.append(TipEvidence(tipId: id.rawValue, clusterId: clusters.clusterOf[id.rawValue] ?? id.rawValue,
                                        claims: Matching.Claims(brand: c[.brand], product: c[.product], country: c[.country]),
                                        visualStrength: strength[id] ?? 0, decision: decision))
        }
        var verdicts: [NormalizedClaims: HypothesisVerdict] = [:]
        for candidate in try store.candidates(of: code) {
            let key = NormalizedClaims(brand: candidate.hypothesis.brand.map(ClaimText.normalize),
                                       product: candidate.hypothesis.product.map(ClaimText.normalize),
                                       country: candidate.hypothesis.country?.value)
            if candidate.state == .confirmed { verdicts[key] = .confirmed }
            if candidate.state == .rejected { verdicts[key] = .rejected }
        }
        return CandidateRanker().rank(evidence, verdicts: verdicts)
    }

    // MARK: - Matching

    /// Names of the banks whose hashes `hashes` matches (PDQ in any orientation, or pHash/dHash), within the
    /// policy's thresholds.
    /// - Complexity: O(bank hashes); banks are small allow-/watch-lists.
    public func bankHits(_ hashes: MatchHashes) throws -> [String] {
        if bankCache == nil { bankCache = try store.bankHashes() }
        let policy = try matchPolicy()
        func t(_ a: String) -> Int { policy.thresholds[Matching.HashAlgorithm(rawValue: a)] ?? -1 }
        var hits = Set<String>()
        for b in bankCache ?? [] where !hits.contains(b.bank) {
            switch b.algo {
            case "pdq":
                guard hashes.pdq.quality >= 50, let h = Hash256(hex: b.hex) else { continue }
                if hashes.pdqDihedral.contains(where: { $0.distance(to: h) <= t("pdq") }) { hits.insert(b.bank) }
            case "phash", "dhash":
                guard let h = Hash64(hex: b.hex) else { continue }
                let mine = b.algo == "phash" ? hashes.phash : hashes.dhash
                guard MatchEngine.isInformative(mine[0]), MatchEngine.isInformative(h) else { continue }
                if mine.contains(where: { $0.distance(to: h) <= t(b.algo) }) { hits.insert(b.bank) }
            default:
                continue
            }
        }
        return hits.sorted()
    }

    /// Imports a hash list as a named bank.
    public func importBank(name: String, kind: String, entries: [HashListEntry], source: String, by analyst: AnalystID) throws -> Int {
        bankCache = nil
        return try store.importBank(name: name, kind: kind, hashes: entries.map { ($0.algo, $0.hex, $0.label ?? "") },
                                    source: source, by: analyst)
    }

    /// The stored match policy, or the shipped defaults.
    public func matchPolicy() throws -> MatchPolicy {
        if let json = try store.setting("match-policy"), let data = json.data(using: .utf8) {
            return try JSONDecoder().decode(MatchPolicy.self, from: data)
        }
        return DefaultPolicy.policy
    }

    /// Stores a calibrated policy.
    public func setMatchPolicy(_ policy: MatchPolicy, by analyst: AnalystID) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try store.setSetting("match-policy", String(decoding: try encoder.encode(policy), as: UTF8.self), by: analyst)
        engineCache = nil
    }

    /// References: crops of published or identified objects and every tip photo.
    public func matchEngine() throws -> MatchEngine {
        if let engineCache { return engineCache }
        var records: [HashOwner: (Subject, String, [String: String], Int)] = [:]
        var order: [HashOwner] = []
        for h in try store.allHashes(objectStates: [.published, .identified]) {
            if records[h.owner] == nil { order.append(h.owner); records[h.owner] = (h.subject, h.imageSHA256.value, [:], 0) }
            records[h.owner]!.2[h.record.algo] = h.record.hex
            if h.record.algo == "pdq" { records[h.owner]!.3 = h.record.quality ?? 0 }
        }
        var engine = MatchEngine(policy: try matchPolicy())
        for owner in order {
            let (subject, sha, recs, quality) = records[owner]!
            if let hashes = MatchHashes(records: recs, quality: quality) {
                engine.add(ReferenceImage(owner: owner, subject: subject, sha256: sha, hashes: hashes))
            }
        }
        engineCache = engine
        return engine
    }
}
