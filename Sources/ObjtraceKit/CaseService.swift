public import CaseWork
import Foundation
public import ImageDecoding
import LocalFeatures
public import Matching
import PerceptualHash
public import Store

/// What an analyst can do to the case-work store, as one call per CLI command (and per server request).
///
/// A thin front over services split by job, each owning its cache: `catalogue` (match engine, local-feature
/// search, banks, policy; reloaded when the store's change counters move, whichever process changed them),
/// `intake` (tips, alone or in batches), `ranking` (live candidate ranking and the incremental aggregates the
/// intake keeps). Each call is one SQLite transaction (store operations nest as savepoints), so a command
/// either happens whole or not at all. Images are decoded, hashed and written to the blob store before the
/// transaction opens; an interrupted command leaves at most an unreferenced blob.
public final class CaseService {
    /// The store.
    public let store: CaseStore
    /// Image copies beside the database.
    public let blobs: BlobStore
    /// The indexes tips are matched against.
    public let catalogue: CatalogueIndex
    /// Candidate ranking and its aggregates.
    public let ranking: CandidateRanking
    /// Tip intake.
    public let intake: TipIntake
    /// Decoder limits for catalogue crops and tip photos.
    public var decodeOptions = DecodeOptions() {
        didSet { intake.decodeOptions = decodeOptions }
    }
    /// Whether tip photos are also searched with local features (finds objects that are only part of a photo).
    public var useLocalFeatures: Bool {
        get { intake.useLocalFeatures }
        set { intake.useLocalFeatures = newValue }
    }

    /// Opens the store at `path`; commands other than `init` require an up-to-date schema.
    public init(path: String, requireSchema: Bool = true, durability: CaseStore.Durability = .full) throws {
        store = try StoreFiles.openPrivately(databasePath: path) { try CaseStore(path: path, durability: durability) }
        blobs = BlobStore(forDatabaseAt: path)
        catalogue = CatalogueIndex(store: store, blobs: blobs)
        ranking = CandidateRanking(store: store)
        intake = TipIntake(store: store, blobs: blobs, catalogue: catalogue, ranking: ranking)
        if requireSchema { try store.checkSchema() }
    }

    /// Creates or migrates the schema; returns the schema version.
    @discardableResult
    public func initialize(by analyst: AnalystID) throws -> Int { try store.migrate(by: analyst) }

    /// The local-feature search over the published catalogue (current with the store).
    public func localSearch() throws -> LocalSearch {
        try catalogue.refresh()
        return try catalogue.localSearch()
    }

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
            featureBlobs.append(try blobs.put(LocalSearch.cropFeatures(upright: image.upright, storedBytes: image.storedBytes).serialized()))
        }
        return try store.retryingWhenBusy {
            try store.database.transaction {
                _ = try store.addObject(code: code, title: title, category: category, question: question, notes: notes,
                                        by: analyst)
                var crops: [StoredCrop] = []
                for ((_, image), featureBlob) in zip(prepared, featureBlobs) {
                    let crop = try ObjectCrop(sha256: SHA256Hex(image.storedSHA256), width: image.width, height: image.height)
                    let stored = try store.addCrop(to: code, crop: crop, storedPath: blobs.locator(for: image.storedSHA256),
                                                   hashes: try image.hashes.records(), by: analyst)
                    try store.setLocalFeatures(crop: stored.id, blobSHA256: SHA256Hex(featureBlob))
                    crops.append(stored)
                }
                return (try store.object(code), crops)
            }
        }
    }

    // MARK: - Tips

    /// A tip as given on the command line, in an import line or in a request.
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
        /// Hash matches against crops and earlier tip photos (before local-feature evidence is merged).
        public var matches: [ImageMatch]
        /// Allow-list banks (ubiquitous images) this photo matched; its matches are then suppressed.
        public var bankHits: [String] = []
        /// Watch-list banks this photo matched: flagged, matched as usual.
        public var watchListHits: [String] = []
        /// The matches as recorded for the tip (hash and local-feature evidence merged, one tier rule): what
        /// `tip show`, sheets and dossiers read. For a photo sent before, the earlier photo's matches.
        public var recorded: [StoredMatch] = []
    }

    /// Submits one tip: photos are metadata-stripped, hashed and auto-matched against published objects' crops
    /// and all earlier tip photos; matches, the queue score and candidate support are recorded in the same
    /// transaction as the tip.
    public func submitTip(_ input: TipInput, importLine: ImportLine? = nil, by analyst: AnalystID) throws -> TipReport {
        try intake.submit(try intake.prepare(input, importLine: importLine), by: analyst)
    }

    /// The live ranking of an object's candidate identifications, from every tip that concerns it.
    public func rankCandidates(_ code: ObjectCode) throws -> [RankedHypothesis] { try ranking.rank(code) }

    // MARK: - Matching

    /// Names of the allow-list banks whose hashes `hashes` matches (PDQ in any orientation, or pHash/dHash),
    /// within the policy's thresholds.
    public func bankHits(_ hashes: MatchHashes) throws -> [String] {
        try catalogue.refresh()
        return try catalogue.bankHits(hashes)[.allowList] ?? []
    }

    /// Imports a hash list as a named bank (`allow-list` or `watch-list`).
    public func importBank(name: String, kind: String, entries: [HashListEntry], source: String, by analyst: AnalystID) throws -> Int {
        guard let bankKind = BankKind(rawValue: kind) else {
            throw InputError("unknown bank kind '\(kind)' (\(BankKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return try store.retryingWhenBusy {
            try store.importBank(name: name, kind: bankKind, hashes: entries.map { ($0.algo, $0.hex, $0.label ?? "") },
                                 source: source, by: analyst)
        }
    }

    /// The stored match policy, or the shipped defaults.
    public func matchPolicy() throws -> MatchPolicy {
        try catalogue.refresh()
        return try catalogue.matchPolicy()
    }

    /// Stores a calibrated policy.
    public func setMatchPolicy(_ policy: MatchPolicy, by analyst: AnalystID) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try store.setSetting("match-policy", String(decoding: try encoder.encode(policy), as: UTF8.self), by: analyst)
    }

    /// References: crops of published or identified objects and every tip photo (current with the store).
    public func matchEngine() throws -> CatalogueEngine {
        try catalogue.refresh()
        return try catalogue.matchEngine()
    }
}
