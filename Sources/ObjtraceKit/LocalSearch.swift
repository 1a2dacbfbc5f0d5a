public import CaseWork
import Foundation
public import ImageCore
import ImageDecoding
public import LocalFeatures
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
    }

    /// A verified local match.
    public struct Hit: Sendable {
        public var object: ObjectCode
        public var cropID: Int64
        public var match: LocalMatch

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
            if FeatureSet.isCurrent(blob) {
                features = try FeatureSet(serialized: blob)
            } else {
                // Written by an older extractor: recompute from the stored crop image (in memory; the store and
                // its audit log are not touched by a read).
                guard let crop = try store.crops(of: entry.object).first(where: { $0.id == entry.crop }) else { continue }
                let image = try ImageDecoder.decode(try blobs.get(crop.crop.sha256.value))
                features = Self.features(image.upright())
            }
            refs.append(Reference(object: entry.object, cropID: entry.crop, features: features))
        }
        references = refs
    }

    /// Verified matches of an upright photo, best first.
    public func search(_ raster: Raster) -> [Hit] {
        search(features: extractor.extract(raster))
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
}
