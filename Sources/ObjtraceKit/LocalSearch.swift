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
        /// The crop's colour cells for the aligned-appearance check (`AlignedAppearance.referenceCells`); empty
        /// when the crop could not be read.
        var cells: [(r: Double, g: Double, b: Double, used: Bool)] = []
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

    /// Extracts and serialises features of an upright raster.
    public static func features(_ raster: Raster) -> FeatureSet { FeatureExtractor().extract(raster) }

    /// Loads every published or identified object's crop features from the store.
    public init(store: CaseStore, blobs: BlobStore) throws {
        var refs: [Reference] = []
        for entry in try store.localFeatures(objectStates: [.published, .identified]) {
            let blob = try blobs.get(entry.blob.value)
            let features: FeatureSet
            guard let crop = try store.crops(of: entry.object).first(where: { $0.id == entry.crop }) else { continue }
            let cropBytes = try blobs.get(crop.crop.sha256.value)
            if FeatureSet.isCurrent(blob) {
                features = try FeatureSet(serialized: blob)
            } else {
                // Written by an older extractor: recompute from the stored crop image (in memory; the store and
                // its audit log are not touched by a read).
                features = Self.features(try ImageDecoder.decode(cropBytes).upright())
            }
            // The appearance cells need only a small copy: JPEG crops are decoded at a reduced DCT scale.
            let small = try ImageDecoder.decode(cropBytes, options: DecodeOptions(minShortSide: 4 * AlignedAppearance.grid))
            refs.append(Reference(object: entry.object, cropID: entry.crop, features: features,
                                  cells: AlignedAppearance.referenceCells(small.upright())))
        }
        references = refs
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
        let cells = Dictionary(references.map { ($0.cropID, $0) }, uniquingKeysWith: { a, _ in a })
        return search(features: extractor.extract(raster)).map { hit in
            var hit = hit
            if let ref = cells[hit.cropID], !ref.cells.isEmpty {
                hit.appearance = AlignedAppearance.score(
                    photo: raster, transform: hit.match.transform, referenceWidth: ref.features.imageWidth,
                    referenceHeight: ref.features.imageHeight, referenceCells: ref.cells)
            }
            return hit
        }
    }
}
