import Foundation
import ImageCore
import LocalFeatures
import Testing
import TestSupport

@Suite struct FeatureExtractionTests {
    static let photo = "dev/photos/opencv_fruits.jpg"

    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func extractionIsDeterministicCappedAndSpread() throws {
        let raster = try TestImages.raster(Self.photo)
        let a = FeatureExtractor().extract(raster), b = FeatureExtractor().extract(raster)
        #expect(a == b)
        #expect(a.count > 300 && a.count <= 1000)
        #expect(a.descriptors.count == 4 * a.count && a.mirroredDescriptors.count == 4 * a.count)
        // Several pyramid levels contribute, and every quadrant of the photo holds keypoints.
        #expect(Set(a.keypoints.map(\.level)).count >= 4)
        var quadrants = Set<Int>()
        for k in a.keypoints {
            #expect(k.x >= 0 && k.y >= 0 && k.x < Float(raster.width) && k.y < Float(raster.height))
            quadrants.insert((k.x < Float(raster.width) / 2 ? 0 : 1) + (k.y < Float(raster.height) / 2 ? 0 : 2))
        }
        #expect(quadrants.count == 4)
    }

    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func binaryAndCodableFormsRoundTrip() throws {
        let f = FeatureExtractor().extract(try TestImages.raster(Self.photo))
        let blob = f.serialized()
        #expect(blob.count == 28 + f.count * (21 + 64))
        #expect(try FeatureSet(serialized: blob) == f)
        let json = try JSONEncoder().encode(f)
        #expect(try JSONDecoder().decode(FeatureSet.self, from: json) == f)
        #expect(throws: LocalFeaturesError.self) { try FeatureSet(serialized: Array(blob.dropLast(5))) }
        var bad = blob
        bad[0] = 0x58
        #expect(throws: LocalFeaturesError.self) { try FeatureSet(serialized: bad) }
        #expect(!FeatureSet.isCurrent(bad))
        // A blob from an older extractor generation is recognised as outdated (to be recomputed), not matched.
        #expect(FeatureSet.isCurrent(blob))
        var older = blob
        older[4] -= 1
        #expect(!FeatureSet.isCurrent(older))
        #expect(throws: LocalFeaturesError.self) { try FeatureSet(serialized: older) }
    }

    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func appearanceCellsRideInTheBlobAsAnOptionalTail() throws {
        let raster = try TestImages.raster(Self.photo)
        var f = FeatureExtractor().extract(raster)
        let plain = f.serialized()
        f.appearanceCells = AlignedAppearance.referenceCells(raster)
        let blob = f.serialized()
        #expect(blob.count == plain.count + 4 + 4 * AlignedAppearance.grid * AlignedAppearance.grid)
        #expect(FeatureSet.isCurrent(blob))
        #expect(try FeatureSet(serialized: blob) == f)
        // A blob written without cells still reads, with none.
        #expect(try FeatureSet(serialized: plain).appearanceCells == nil)
        // A cut or padded tail, and a cell count that does not fit the blob, are refused.
        #expect(throws: LocalFeaturesError.self) { try FeatureSet(serialized: Array(blob.dropLast(1))) }
        #expect(throws: LocalFeaturesError.self) { try FeatureSet(serialized: blob + [0]) }
        var lying = blob
        lying[plain.count + 3] = 0x7F
        #expect(throws: LocalFeaturesError.self) { try FeatureSet(serialized: lying) }
        // The cells flag on a blob without the tail.
        var flagged = plain
        flagged[5] |= 2
        #expect(throws: LocalFeaturesError.self) { try FeatureSet(serialized: flagged) }
    }

    /// The mirror-aware descriptor of a keypoint equals the plain descriptor of the same point in the mirrored
    /// image (up to rounding of rotated sample positions), which is what lets a flipped photo match.
    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func mirroredDescriptorsDescribeTheMirroredImage() throws {
        let raster = try TestImages.raster(Self.photo)
        let flipped = raster.applying(.upMirrored)
        let a = FeatureExtractor().extract(raster), b = FeatureExtractor().extract(flipped)
        var index: [Int: Int] = [:]
        for (i, k) in b.keypoints.enumerated() where k.level == 0 { index[Int(k.y.rounded()) * 10_000 + Int(k.x.rounded())] = i }
        var distances: [Int] = []
        for (i, k) in a.keypoints.enumerated() where k.level == 0 {
            let mx = Float(raster.width - 1) - k.x
            guard let j = index[Int(k.y.rounded()) * 10_000 + Int(mx.rounded())] else { continue }
            var d = 0
            for w in 0..<4 { d += (a.mirroredDescriptors[4 * i + w] ^ b.descriptors[4 * j + w]).nonzeroBitCount }
            distances.append(d)
        }
        #expect(distances.count > 100)
        let sorted = distances.sorted()
        // Median a few bits (rounding of rotated samples), far below the ~128 of unrelated descriptors.
        #expect(sorted[sorted.count / 2] <= 12)
    }

    @Test func homographyFitRecoversAKnownTransform() throws {
        let h = Homography([1.1, 0.2, 30, -0.15, 0.95, 12, 0.0004, -0.0002, 1])
        var rng = SplitMix64(seed: 3)
        let src = (0..<20).map { _ in Point2D(x: rng.unit() * 400, y: rng.unit() * 300) }
        let dst = src.map { h.apply($0) }
        let fit = try #require(Homography.fit(src: src, dst: dst, indices: Array(0..<20)))
        for k in 0..<9 { #expect(abs(fit.m[k] - h.m[k]) < 1e-6 * max(1, abs(h.m[k]))) }
        // Collinear points are degenerate.
        let line = (0..<6).map { Point2D(x: Double($0) * 10, y: Double($0) * 5) }
        #expect(Homography.fit(src: line, dst: line.map { h.apply($0) }, indices: Array(0..<6)) == nil)
    }
}
