public import CaseWork
import Foundation
public import ImageCore
import ImageDecoding
public import LocalFeatures
public import Matching
public import Store

/// Local-feature matching of photos against the catalogue crops: finds an object that is only part of a
/// photo (on a shelf, in a screenshot, under perspective), which whole-image hashes cannot.
///
/// Each crop's features are extracted once at ingest and kept in the blob store (the store's
/// `local_features` table holds the blob's SHA-256). A query is compared by a cheap descriptor vote against every
/// crop, and only the top `candidates` are verified geometrically (RANSAC).
public struct LocalSearch: Sendable {
    /// One catalogue crop's features.
    public struct Reference: Sendable {
        public var object: ObjectCode
        public var cropID: Int64
        public var features: FeatureSet
        /// SHA-256 of the stored crop image (for the aligned-appearance check).
        var cropSHA256: String = ""
    }

    /// A verified local match.
    public struct Hit: Sendable {
        public var object: ObjectCode
        public var cropID: Int64
        public var match: LocalMatch
        /// The photo region warped into the crop's frame compared with the crop (nil when not measurable).
        public var appearance: AppearanceScore?

        /// The evidence the tier rule judges.
        public var evidence: LocalEvidence {
            LocalEvidence(inliers: match.inliers, score: match.score, coverage: match.coverage, appearance: appearance?.colour)
        }

        /// The matched region on the query photo as `x,y;x,y;…` (pixels of the upright photo).
        public var regionText: String {
            match.region.map { String(format: "%.1f,%.1f", $0.x, $0.y) }.joined(separator: ";")
        }
    }

    /// The references.
    public var references: [Reference]
    /// How many crops to verify per query after the vote.
    public var candidates = 5
    let extractor = FeatureExtractor()
    let matcher = LocalMatcher()
    let blobs: BlobStore
    let cells = CellCache()

    /// Extracts and serialises features of an upright raster.
    public static func features(_ raster: Raster) -> FeatureSet { FeatureExtractor().extract(raster) }

    /// A catalogue crop's features with its aligned-appearance cells, as kept in the store: `upright` is the
    /// decoded crop and `storedBytes` the crop image as stored (the cells are made from it exactly as a match
    /// would make them from the stored crop).
    public static func cropFeatures(upright: Raster, storedBytes: [UInt8]) -> FeatureSet {
        var features = Self.features(upright)
        features.appearanceCells = appearanceCells(storedCrop: storedBytes)
        return features
    }

    /// The aligned-appearance cells of a stored crop image; empty when it cannot be read (its matches then
    /// cannot reach product level). A small copy is enough: a JPEG crop is decoded at a reduced DCT scale.
    static func appearanceCells(storedCrop bytes: [UInt8]) -> [AppearanceCell] {
        guard let small = try? ImageDecoder.decode(bytes, options: DecodeOptions(minShortSide: 4 * AlignedAppearance.grid))
        else { return [] }
        return AlignedAppearance.referenceCells(small.upright())
    }

    /// Loads every published or identified object's crop features from the store.
    public init(store: CaseStore, blobs: BlobStore) throws {
        var refs: [Reference] = []
        for entry in try store.localFeatures(objectStates: [.published, .identified]) {
            let blob = try blobs.get(entry.blob.value)
            let features: FeatureSet
            guard let crop = try store.crops(of: entry.object).first(where: { $0.id == entry.crop }) else { continue }
            if FeatureSet.isCurrent(blob), let stored = try? FeatureSet(serialized: blob) {
                features = stored
            } else {
                // Written by an older extractor, or a layout this build cannot read (a newer build's): recompute
                // from the stored crop image (in memory; the store and its audit log are not touched by a read),
                // so one such crop never takes local matching away from the whole catalogue.
                features = Self.features(try ImageDecoder.decode(try blobs.get(crop.crop.sha256.value)).upright())
            }
            refs.append(Reference(object: entry.object, cropID: entry.crop, features: features,
                                  cropSHA256: crop.crop.sha256.value))
        }
        references = refs
        self.blobs = blobs
    }


    /// Verified matches of a photo's features, best first.
    public func search(features query: FeatureSet) -> [Hit] {
        guard !references.isEmpty else { return [] }
        let ranked = matcher.rankCandidates(query: query, candidates: references.map(\.features), limit: candidates)
        var hits: [Hit] = []
        for (index, _) in ranked {
            let ref = references[index]
            if let m = matcher.match(query: query, reference: ref.features) {
                hits.append(Hit(object: ref.object, cropID: ref.cropID, match: m))
            }
        }
        return hits.sorted { $0.match.score > $1.match.score }
    }

    /// Verified matches of an upright photo with their aligned-appearance scores, best first.
    public func search(_ raster: Raster) -> [Hit] {
        search(features: extractor.extract(raster)).map { hit in
            var hit = hit
            if let ref = references.first(where: { $0.cropID == hit.cropID }) {
                // Kept with the features since they were stored at ingest; made from the stored crop on its first
                // match for a crop stored before that.
                let cells = ref.features.appearanceCells ?? self.cells.cells(of: ref.cropID) {
                    guard let bytes = try? blobs.get(ref.cropSHA256) else { return [] }
                    return Self.appearanceCells(storedCrop: bytes)
                }
                if !cells.isEmpty {
                    hit.appearance = AlignedAppearance.score(
                        photo: raster, transform: hit.match.transform, referenceWidth: ref.features.imageWidth,
                        referenceHeight: ref.features.imageHeight, referenceCells: cells)
                }
            }
            return hit
        }
    }
}

/// The appearance cells of crops stored without them, computed on a crop's first verified match (most crops
/// never match a given batch of photos, so making all of them up front would cost every process a decode per
/// published crop).
final class CellCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byCrop: [Int64: [AppearanceCell]] = [:]

    /// The cells of one crop, made by `make` the first time.
    func cells(of crop: Int64, _ make: () -> [AppearanceCell]) -> [AppearanceCell] {
        lock.lock()
        if let c = byCrop[crop] { lock.unlock(); return c }
        lock.unlock()
        let c = make()
        lock.lock()
        byCrop[crop] = c
        lock.unlock()
        return c
    }
}
