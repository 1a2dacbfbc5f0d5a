import CFeatureKernel
public import ImageCore

/// Extracts oriented FAST keypoints with rotated-BRIEF descriptors over an image pyramid (ORB-like).
public struct FeatureExtractor: Sendable {
    /// Extraction settings; the defaults suit photos and object crops up to a few megapixels.
    public struct Config: Sendable, Equatable {
        /// Rasters whose longer side exceeds this are area-downscaled first, bounding cost and making
        /// scale-dependent settings mean the same thing for every input.
        public var maxImageSide: Int = 640
        /// Rasters whose longer side is below this are upsampled first, so small crops still have
        /// enough keypoints (their pixels are blurred anyway when shrunk into a larger photo).
        public var minImageSide: Int = 320
        /// Keypoints kept per image, over all levels.
        public var maxKeypoints: Int = 1000
        /// Linear scale step between pyramid levels.
        public var scaleFactor: Double = 1.3
        /// Pyramid levels (1.3^5 ≈ 3.7x scale range with 6).
        public var levels: Int = 6
        /// FAST threshold (grey levels): corners are then ranked by Harris, so a low value only widens the pool.
        public var fastThreshold: Int = 12
        /// Side of the grid cells (level pixels) that spread keypoints over the image.
        public var gridCell: Int = 64
        /// Also compute descriptors of the mirrored image, so a flipped photo matches.
        public var includeMirrored: Bool = true

        /// The default settings.
        public init() {}
    }

    /// The settings in use.
    public let config: Config

    /// Creates an extractor.
    public init(_ config: Config = Config()) { self.config = config }

    /// Keypoints and descriptors of `raster` (grey or RGB); coordinates are in the raster's pixels.
    /// - Complexity: O(pixels) for the pyramid and detection, O(maxKeypoints) for description.
    public func extract(_ raster: Raster) -> FeatureSet {
        var base = GreyImage(raster)
        let longSide = max(raster.width, raster.height)
        var workScale: Float = 1
        if longSide > config.maxImageSide {
            let s = Double(config.maxImageSide) / Double(longSide)
            let nw = max(1, Int((Double(raster.width) * s).rounded()))
            let nh = max(1, Int((Double(raster.height) * s).rounded()))
            base = base.areaResized(width: nw, height: nh)
            workScale = Float(raster.width) / Float(nw)
        } else if longSide > 0 && longSide < config.minImageSide {
            let s = Double(config.minImageSide) / Double(longSide)
            let nw = max(1, Int((Double(raster.width) * s).rounded()))
            let nh = max(1, Int((Double(raster.height) * s).rounded()))
            base = base.bilinearResized(width: nw, height: nh)
            workScale = Float(raster.width) / Float(nw)
        }
        var keypoints: [Keypoint] = []
        var descriptors: [UInt64] = []
        var mirrored: [UInt64] = []

        let levels = max(1, config.levels)
        let factor = 1.0 / config.scaleFactor
        // ORB's per-level budget: a geometric series in the linear scale.
        let first = Double(config.maxKeypoints) * (1 - factor) / (1 - pow(factor, levels))
        var level = base
        var levelScale = 1.0
        let baseTransposed = levels > 1 ? base.transposed() : []
        for l in 0..<levels {
            if l > 0 {
                levelScale *= config.scaleFactor
                let nw = Int((Double(base.width) / levelScale).rounded())
                let nh = Int((Double(base.height) / levelScale).rounded())
                if nw < 2 * RotatedBRIEF.border + 8 || nh < 2 * RotatedBRIEF.border + 8 { break }
                level = base.areaResized(width: nw, height: nh, transposed: baseTransposed)
            }
            let budget = l == levels - 1
                ? config.maxKeypoints - keypoints.count
                : Int((first * pow(factor, l)).rounded())
            if budget <= 0 { continue }
            var corners = FastDetector.detect(level, threshold: config.fastThreshold, border: RotatedBRIEF.border)
            corners = spread(corners, width: level.width, height: level.height, budget: budget)
            if corners.isEmpty { continue }
            let smoothed = level.gaussianBlurredSigma2()
            // Exact per-axis scale of this level back to working pixels, then to source pixels.
            let sx = Double(base.width) / Double(level.width), sy = Double(base.height) / Double(level.height)
            let start = descriptors.count
            descriptors += repeatElement(0, count: 4 * corners.count)
            if config.includeMirrored { mirrored += repeatElement(0, count: 4 * corners.count) }
            let xs = corners.map { Int32($0.x) }, ys = corners.map { Int32($0.y) }
            let dirs = RotatedBRIEF.orientations(level, positions: corners.map { Int32($0.y * level.width + $0.x) })
            RotatedBRIEF.describe(smoothed, xs: xs, ys: ys, cos: dirs.cos, sin: dirs.sin, mirrored: false,
                                  into: &descriptors, at: start)
            if config.includeMirrored {
                RotatedBRIEF.describe(smoothed, xs: xs, ys: ys, cos: dirs.cos, sin: dirs.sin, mirrored: true,
                                      into: &mirrored, at: start)
            }
            for (i, c) in corners.enumerated() {
                let wx = (Double(c.x) + 0.5) * sx - 0.5, wy = (Double(c.y) + 0.5) * sy - 0.5
                keypoints.append(Keypoint(
                    x: Float((wx + 0.5) * Double(workScale) - 0.5),
                    y: Float((wy + 0.5) * Double(workScale) - 0.5),
                    size: Float(31 * levelScale) * workScale,
                    angle: approxAtan2(dirs.sin[i], dirs.cos[i]),
                    response: c.harris,
                    level: UInt8(l)))
            }
        }
        return FeatureSet(imageWidth: raster.width, imageHeight: raster.height, workScale: workScale,
                          keypoints: keypoints, descriptors: descriptors, mirroredDescriptors: mirrored)
    }

    /// The corners by descending Harris response, ties in their original order (a stable sort), by sorting
    /// plain integer keys: the response's bits mapped to an order-preserving integer, then the index.
    static func strongestFirst(_ corners: [Corner]) -> [Corner] {
        var keys = [UInt64](unsafeUninitializedCapacity: corners.count) { buf, count in
            for (i, c) in corners.enumerated() {
                let bits = (c.harris == 0 ? Float(0) : c.harris).bitPattern
                let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
                buf[i] = UInt64(~ordered) << 32 | UInt64(i)
            }
            count = corners.count
        }
        var scratch = [UInt64](unsafeUninitializedCapacity: keys.count) { _, count in count = keys.count }
        ot_feat_sort_u64(&keys, keys.count, &scratch)
        return keys.map { corners[Int($0 & 0xFFFF_FFFF)] }
    }

    /// Keeps the `budget` strongest corners (Harris), allowing each grid cell at most twice its fair share in
    /// a first pass so that one textured region cannot take them all; leftovers fill in by strength.
    func spread(_ corners: [Corner], width: Int, height: Int, budget: Int) -> [Corner] {
        let sorted = Self.strongestFirst(corners)
        if corners.count <= budget { return sorted }
        let cell = max(16, config.gridCell)
        let cols = max(1, width / cell), rows = max(1, height / cell)
        let cap = max(1, (2 * budget + cols * rows - 1) / (cols * rows))
        var perCell = [Int](repeating: 0, count: cols * rows)
        var taken = [Bool](repeating: false, count: sorted.count)
        var out: [Corner] = []
        out.reserveCapacity(budget)
        for (i, c) in sorted.enumerated() where out.count < budget {
            let cx = min(cols - 1, c.x * cols / width), cy = min(rows - 1, c.y * rows / height)
            if perCell[cy * cols + cx] < cap {
                perCell[cy * cols + cx] += 1
                taken[i] = true
                out.append(c)
            }
        }
        for (i, c) in sorted.enumerated() where out.count < budget && !taken[i] { out.append(c) }
        return out
    }
}

/// `x^n` for a small non-negative integer `n` (no libm in a pure module).
func pow(_ x: Double, _ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<max(0, n) { r *= x }
    return r
}
