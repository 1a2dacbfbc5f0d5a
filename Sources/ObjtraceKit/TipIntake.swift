public import CaseWork
import Foundation
public import ImageDecoding
import ImageCore
import LocalFeatures
import Matching
public import Store

/// Tip intake: photos are decoded, stripped, hashed, checked against the banks and searched with local
/// features before any write lock is taken (`prepare`); the tip, its matches, its queue score, its evidence and
/// its candidate support are then written in one short transaction (`commit`), alone for `tip submit` or many
/// tips to a transaction for `tip import`.
public final class TipIntake {
    let store: CaseStore
    let blobs: BlobStore
    let catalogue: CatalogueIndex
    let ranking: CandidateRanking
    /// Decoder limits for tip photos.
    public var decodeOptions = DecodeOptions()
    /// Whether tip photos are also searched with local features (finds objects that are only part of a photo).
    public var useLocalFeatures = true

    init(store: CaseStore, blobs: BlobStore, catalogue: CatalogueIndex, ranking: CandidateRanking) {
        self.store = store
        self.blobs = blobs
        self.catalogue = catalogue
        self.ranking = ranking
    }

    /// A tip whose photos are ready: everything that needs no write lock is done.
    public struct PreparedTip: Sendable {
        var submission: TipSubmission
        var photos: [PreparedPhoto]
        var importLine: ImportLine?
    }

    /// One photo of a prepared tip (the pixels are not kept: a batch holds only hashes and findings).
    struct PreparedPhoto: Sendable {
        var path: String
        var originalSHA256: String
        var workingSHA256: String
        var hadGPS: Bool
        var hadDeviceSerial: Bool
        var removedMetadata: [String]
        var hashes: MatchHashes
        var records: [HashRecord]
        var banks: [BankKind: [String]]
        var localHits: [LocalSearch.Hit]
    }

    /// One photo after the work that needs neither the store nor the catalogue's caches (reading, decoding,
    /// stripping, hashing and, when a search snapshot was given, the local-feature search), so it can run on
    /// any thread; `prepare(_:processed:importLine:)` finishes it on the store's thread.
    struct ProcessedPhoto: Sendable {
        var path: String
        var originalSHA256: String
        var storedBytes: [UInt8]
        var storedSHA256: String
        var exif: ExifSummary
        var removedMetadata: [String]
        var hashes: MatchHashes
        /// The upright pixels, kept only when the search is left to `prepare` (nil after a speculative search).
        var upright: Raster?
        /// Local hits from a speculative search (discarded when the photo turns out allow-listed or known).
        var localHits: [LocalSearch.Hit]?
    }

    /// The first phase of `prepare`, safe on any thread: checks the date, reads, decodes, strips and hashes
    /// every photo, and with `search` also searches them with local features (speculatively: a photo later
    /// found on an allow-list or already stored drops its hits). Without `search` the pixels are kept for
    /// `prepare` to search only where needed. Touches neither the store nor the blob store.
    /// `read`, when given, holds the bytes of `input.photos` already read (and their SHA-256), in order.
    static func process(_ input: CaseService.TipInput, read: [ImportLineRead.Photo]? = nil, options: DecodeOptions,
                        search: LocalSearch?) throws -> [ProcessedPhoto] {
        let today = DayDate(daysSince1970: Int64(Date().timeIntervalSince1970 / 86_400))
        if let day = input.receivedOn, day.daysSince1970 > today.daysSince1970 + 1 {  // + 1: time zones ahead of UTC
            throw InputError("received: \(day) is in the future (today is \(today), UTC)")
        }
        var photos: [ProcessedPhoto] = []
        for (i, path) in input.photos.enumerated() {
            let known = read.flatMap { i < $0.count ? $0[i] : nil }
            let bytes = try known?.bytes ?? InputFiles.read(path)
            let image: IngestedImage
            do {
                image = try IngestedImage.prepare(bytes, sha256: known?.sha256 ?? sha256Hex(bytes), stripMetadata: true,
                                                  options: options)
            } catch {
                throw InputError("\(path): \(error)")
            }
            photos.append(ProcessedPhoto(path: path, originalSHA256: image.originalSHA256, storedBytes: image.storedBytes,
                                         storedSHA256: image.storedSHA256, exif: image.exif, removedMetadata: image.removedMetadata,
                                         hashes: image.hashes, upright: search == nil ? image.upright : nil,
                                         localHits: search.map { $0.search(image.upright) }))
        }
        return photos
    }

    /// The local-feature snapshot `process` may search with in parallel (nil when local features are off).
    func searchSnapshot() throws -> LocalSearch? {
        guard useLocalFeatures else { return nil }
        try catalogue.refresh()
        return try catalogue.localSearch()
    }

    /// Reads, decodes, strips and hashes a tip's photos, stores their working copies in the blob store, checks
    /// them against the banks and searches them with local features. Writes no row.
    public func prepare(_ input: CaseService.TipInput, importLine: ImportLine? = nil) throws -> PreparedTip {
        try prepare(input, processed: try Self.process(input, options: decodeOptions, search: nil), importLine: importLine)
    }

    /// The second phase of `prepare`, on the store's thread: bank checks, the local search where needed (or
    /// the speculative hits kept), working copies into the blob store. Writes no row.
    func prepare(_ input: CaseService.TipInput, processed: [ProcessedPhoto], importLine: ImportLine?) throws -> PreparedTip {
        let today = DayDate(daysSince1970: Int64(Date().timeIntervalSince1970 / 86_400))
        try catalogue.refresh()
        var photos: [PreparedPhoto] = []
        for image in processed {
            let banks = try catalogue.bankHits(image.hashes)
            // A photo already stored shares the earlier photo's matches; no need to search it again.
            let known = try store.tipContainingPhoto(try SHA256Hex(image.originalSHA256)) != nil
            var local: [LocalSearch.Hit] = []
            if useLocalFeatures && banks[.allowList] == nil && !known {
                if let hits = image.localHits {
                    local = hits
                } else if let upright = image.upright {
                    local = try catalogue.localSearch().search(upright)
                }
            }
            try blobs.put(image.storedBytes)
            photos.append(PreparedPhoto(path: image.path, originalSHA256: image.originalSHA256, workingSHA256: image.storedSHA256,
                                        hadGPS: image.exif.hasGPS, hadDeviceSerial: image.exif.hasDeviceSerial,
                                        removedMetadata: image.removedMetadata, hashes: image.hashes,
                                        records: try image.hashes.records(), banks: banks, localHits: local))
        }
        let submission = try TipSubmission(
            receivedOn: input.receivedOn ?? today,
            channel: input.channel, language: input.language, text: input.text,
            claims: TipClaims(brand: input.brand, product: input.product, shop: input.shop, country: input.country,
                              city: input.city, url: input.url),
            photos: try photos.map { p in
                TipPhoto(originalSHA256: try SHA256Hex(p.originalSHA256), workingSHA256: try SHA256Hex(p.workingSHA256),
                         originalHadGPS: p.hadGPS, originalHadDeviceSerial: p.hadDeviceSerial)
            },
            contact: try input.contact.map { try ContactConsent.optIn($0) } ?? .declined,
            aboutObject: try input.object.map { try ObjectCode($0) })
        return PreparedTip(submission: submission, photos: photos, importLine: importLine)
    }

    /// Submits one prepared tip in its own transaction (retried while another process holds the store).
    public func submit(_ tip: PreparedTip, by analyst: AnalystID) throws -> CaseService.TipReport {
        try store.retryingWhenBusy {
            do {
                return try store.database.transaction { try commit(tip, by: analyst) }
            } catch {
                catalogue.reset()  // it may have indexed photos of the rolled-back transaction
                throw error
            }
        }
    }

    /// Writes a prepared tip inside the caller's transaction: the tip (or the existing duplicate), matches
    /// against crops and earlier tip photos, queue score, evidence aggregates and candidate support.
    /// - Complexity: independent of the number of stored tips, apart from the index searches.
    func commit(_ p: PreparedTip, by analyst: AnalystID) throws -> CaseService.TipReport {
        try catalogue.refresh()  // sees photos committed by other processes and earlier in this transaction
        let engine = try catalogue.matchEngine()
        // Hashes of a photo already stored are not stored again (the store keeps the earlier row's).
        var hashes: [SHA256Hex: [HashRecord]] = [:]
        for photo in p.photos { hashes[try SHA256Hex(photo.originalSHA256)] = photo.records }
        let result = try store.submitTip(p.submission, photoHashes: hashes, importLine: p.importLine, by: analyst)
        guard result.isNew else {
            return CaseService.TipReport(tipID: result.tipID, outcome: result.outcome, photos: p.photos.map { photo in
                CaseService.PhotoReport(path: photo.path, originalSHA256: photo.originalSHA256, workingSHA256: photo.workingSHA256,
                                        hadGPS: photo.hadGPS, hadDeviceSerial: photo.hadDeviceSerial,
                                        removedMetadata: photo.removedMetadata, matches: [])
            })
        }
        let tip = result.tipID
        var reports: [CaseService.PhotoReport] = []
        var best = 0.0
        var strength: [ObjectCode: Double] = [:]
        var confirmed: Set<ObjectCode> = []
        var linkedTips: [TipID] = []
        var repeatedFrom: [TipID] = []
        var sharedRows: [StoredMatch]?
        for (photo, photoID) in zip(p.photos, result.photoIDs) {
            var rows: [StoredMatch]
            var matches: [ImageMatch] = []
            if result.repeatedPhotoIDs.contains(photoID) {
                // The same bytes were sent before: the tip shares that photo's matches (reported under its own id).
                if sharedRows == nil { sharedRows = try store.matches(tip: tip) }
                rows = sharedRows!.filter { $0.tipPhotoID == photoID }
                if let owner = try store.tipOwning(photo: photoID), owner != tip { repeatedFrom.append(owner) }
            } else {
                // A photo of something on an allow-list (sold everywhere, stock imagery) is no lead: its matches are
                // not recorded and do not raise the tip in the queue. A watch-list hit is only flagged.
                let suppressed = photo.banks[.allowList] != nil
                matches = suppressed ? [] : engine.match(photo.hashes) { $0.subject == .tip(tip) }
                // The one tier rule (`JudgedMatch.judge`): hash and local-feature evidence per object.
                let judged = JudgedMatch.judge(hash: matches, local: suppressed ? [] : photo.localHits)
                rows = judged.map { Self.row($0, photoID: photoID, tip: tip) }
                try store.recordMatches(rows, by: analyst)
            }
            for row in rows {
                // A brand-level match is evidence for the brand, not a sighting of this product: it is recorded
                // and shown, but gives the object no visual strength, no queue score and no candidate support.
                if let o = row.object, row.level != .brand {
                    best = max(best, row.strength + (row.tier == .confirm ? 1 : 0))
                    strength[o] = max(strength[o] ?? 0, row.strength)
                    if row.tier == .confirm { confirmed.insert(o) }
                }
                if row.tier == .confirm, let other = row.referenceTip, other != tip { linkedTips.append(other) }
            }
            reports.append(CaseService.PhotoReport(
                path: photo.path, originalSHA256: photo.originalSHA256, workingSHA256: photo.workingSHA256,
                hadGPS: photo.hadGPS, hadDeviceSerial: photo.hadDeviceSerial, removedMetadata: photo.removedMetadata,
                matches: matches, bankHits: photo.banks[.allowList] ?? [], watchListHits: photo.banks[.watchList] ?? [],
                recorded: rows))
        }
        if best > 0 { try store.setMatchScores([tip: best], by: analyst) }

        // Evidence and candidates: each object the tip concerns gets the tip in its aggregates; the objects it
        // names or matched in the confirm tier get its claim as candidate support.
        let claims = p.submission.claims
        let key = ranking.key(brand: claims[.brand], product: claims[.product], country: claims[.country])
        let hasClaims = claims[.brand] != nil || claims[.product] != nil || claims[.country] != nil
        var concerned = Set(strength.keys)
        var candidateObjects = confirmed
        if let about = p.submission.aboutObject {
            concerned.insert(about)
            candidateObjects.insert(about)
        }
        for code in concerned.sorted() {
            let counted = try ranking.add(tip: tip, claims: key, visualStrength: strength[code] ?? 0, to: code,
                                          linkedTips: linkedTips, repeatedFrom: repeatedFrom)
            if hasClaims && candidateObjects.contains(code) {
                try ranking.updateCandidate(tip: tip, claims: key, counted: counted, of: code, by: analyst)
            }
        }
        return CaseService.TipReport(tipID: tip, outcome: result.outcome, photos: reports)
    }

    /// The row recorded for one judged match, with its level (a brand-level match is a suggestion whose
    /// strength the rule has already halved).
    static func row(_ j: JudgedMatch, photoID: Int64, tip: TipID) -> StoredMatch {
        var distances = j.hash?.distances ?? [:]
        if let local = j.local { distances["local-inliers"] = local.match.inliers }
        return StoredMatch(tipPhotoID: photoID, tipID: tip, reference: j.reference, object: j.object,
                           referenceTip: j.referenceTip, algos: j.verdict.algorithms, distances: distances,
                           transform: j.transform, tier: j.verdict.tier, strength: j.verdict.strength,
                           region: j.local?.regionText, level: j.verdict.level)
    }
}
