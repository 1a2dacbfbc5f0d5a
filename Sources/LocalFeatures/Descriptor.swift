import ImageCore
/// The rotated-BRIEF machinery: intensity-centroid orientation and a fixed, seeded 256-pair test pattern.
enum RotatedBRIEF {
    /// Radius of the orientation disc (a 31-pixel patch, as ORB).
    static let orientationRadius = 15
    /// Largest |coordinate| of a pattern point before rotation; rotated points stay within 13·√2 < 19.
    static let patternExtent = 13
    /// Distance from the level's edges a keypoint needs so that every sample is inside the image.
    static let border = 20

    /// The 256 point pairs (x1, y1, x2, y2), drawn once from a seeded isotropic Gaussian with σ = S/5 for
    /// S = 31 (Calonder et al.'s best-performing "G II" layout), clipped to the patch.
    static let pattern: [Int8] = {
        var rng = SplitMix64(seed: 0x0B7E_ACE5_B21E_F256)
        func gaussian() -> Double {
            // Irwin–Hall: the sum of 12 uniforms minus 6 is a unit Gaussian to within a few percent.
            var s = 0.0
            for _ in 0..<12 { s += rng.unit() }
            return s - 6.0
        }
        func coordinate() -> Int8 {
            while true {
                let v = (gaussian() * 31.0 / 5.0).rounded()
                if abs(v) <= Double(patternExtent) { return Int8(v) }
            }
        }
        var out: [Int8] = []
        out.reserveCapacity(1024)
        while out.count < 1024 {
            let x1 = coordinate(), y1 = coordinate(), x2 = coordinate(), y2 = coordinate()
            if x1 == x2 && y1 == y2 { continue }
            out += [x1, y1, x2, y2]
        }
        return out
    }()

    /// Half-widths of the orientation disc per row offset.
    static let discHalfWidth: [Int] = {
        let r = orientationRadius
        return (0...r).map { dy in Int(Double(r * r - dy * dy).squareRoot().rounded(.down)) }
    }()

    /// The intensity-centroid direction (cos, sin) of the disc around (cx, cy) on the unsmoothed level.
    static func orientation(_ image: GreyImage, x cx: Int, y cy: Int) -> (Float, Float) {
        let w = image.width, r = orientationRadius
        var m10 = 0, m01 = 0
        image.pixels.withUnsafeBufferPointer { px in
            discHalfWidth.withUnsafeBufferPointer { half in
                for dy in -r...r {
                    let hw = half[abs(dy)]
                    let row = (cy + dy) * w + cx
                    var rowSum = 0
                    for dx in -hw...hw {
                        let v = Int(px[row + dx])
                        m10 += dx * v
                        rowSum += v
                    }
                    m01 += dy * rowSum
                }
            }
        }
        let fx = Float(m10), fy = Float(m01)
        let norm = (fx * fx + fy * fy).squareRoot()
        if norm < 1e-6 { return (1, 0) }
        return (fx / norm, fy / norm)
    }

    /// Writes the 4-word descriptor of the keypoint at (cx, cy) with direction (c, s) into `out[at..<at+4]`.
    ///
    /// `mirrored` flips the pattern's y: that equals describing the same point in the left-right mirrored
    /// image (its centroid direction is (−c, s), and the mirror maps R(θ')p onto R(θ)(px, −py)).
    static func describe(_ smoothed: UnsafeBufferPointer<UInt8>, width w: Int, height h: Int,
                         x cx: Int, y cy: Int, cos c: Float, sin s: Float, mirrored: Bool,
                         into out: UnsafeMutableBufferPointer<UInt64>, at: Int) {
        // Keypoints lie at least `border` (20) pixels inside the level and rotated samples (with their bilinear
        // neighbours) within 13·√2 + 1, so no clamping is needed; the guard keeps a bad caller from reading out of bounds.
        precondition(cx >= border && cy >= border && cx < w - border && cy < h - border, "keypoint too close to the edge")
        let ySign: Float = mirrored ? -1 : 1
        let fcx = Float(cx), fcy = Float(cy)
        // Bilinear samples at the exactly rotated pattern points: rounding them to the nearest pixel moves
        // each sample by up to half a pixel depending on the angle, so the same patch seen at two rotations
        // would compare slightly different points (most harmful for the many tests between close points).
        @inline(__always) func sample(_ px: Float, _ py: Float) -> Float {
            let fx = px + fcx, fy = py + fcy
            let x0 = Int(fx), y0 = Int(fy)  // positive coordinates: truncation is floor
            let tx = fx - Float(x0), ty = fy - Float(y0)
            let p = y0 * w + x0
            let a = Float(smoothed[p]), b = Float(smoothed[p + 1])
            let c2 = Float(smoothed[p + w]), d = Float(smoothed[p + w + 1])
            return (a + (b - a) * tx) + ((c2 + (d - c2) * tx) - (a + (b - a) * tx)) * ty
        }
        patternF.withUnsafeBufferPointer { pat in
            var word = 0
            while word < 4 {
                var bits: UInt64 = 0
                var bit = 0
                while bit < 64 {
                    let k = (word * 64 + bit) * 4
                    let x1 = pat[k], y1 = pat[k + 1] * ySign, x2 = pat[k + 2], y2 = pat[k + 3] * ySign
                    let va = sample(c * x1 - s * y1, s * x1 + c * y1)
                    let vb = sample(c * x2 - s * y2, s * x2 + c * y2)
                    if va < vb { bits |= 1 << UInt64(bit) }
                    bit += 1
                }
                out[at + word] = bits
                word += 1
            }
        }
    }

    /// The pattern as floats, for the rotation.
    static let patternF: [Float] = pattern.map { Float($0) }
}

/// Round half away from zero without a libm call.
@inline(__always)
func roundToInt(_ v: Float) -> Int { v >= 0 ? Int(v + 0.5) : -Int(-v + 0.5) }

/// `atan2` without libm (the module is pure): an octant reduction and a minimax polynomial, error < 1e-5 rad.
func approxAtan2(_ y: Float, _ x: Float) -> Float {
    let ax = abs(x), ay = abs(y)
    if ax == 0 && ay == 0 { return 0 }
    let a = min(ax, ay) / max(ax, ay)
    let s = a * a
    var r = ((-0.046_496_474_9 * s + 0.159_314_22) * s - 0.327_622_764) * s * a + a
    if ay > ax { r = 1.570_796_33 - r }
    if x < 0 { r = 3.141_592_65 - r }
    if y < 0 { r = -r }
    return r
}
