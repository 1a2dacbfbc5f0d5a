import CFeatureKernel
import ImageCore
/// The rotated-BRIEF machinery: intensity-centroid orientation and a fixed, seeded 256-pair test pattern.
package enum RotatedBRIEF {
    /// Radius of the orientation disc (a 31-pixel patch, as ORB).
    package static let orientationRadius = 15
    /// Largest |coordinate| of a pattern point before rotation; rotated points stay within 13·√2 < 19.
    package static let patternExtent = 13
    /// Distance from the level's edges a keypoint needs so that every sample is inside the image.
    package static let border = 20

    /// The 256 point pairs (x1, y1, x2, y2), drawn once from a seeded isotropic Gaussian with σ = S/5 for
    /// S = 31 (Calonder et al.'s best-performing "G II" layout), clipped to the patch.
    package static let pattern: [Int8] = {
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
    package static let discHalfWidth: [Int32] = {
        let r = orientationRadius
        return (0...r).map { dy in Int32(Double(r * r - dy * dy).squareRoot().rounded(.down)) }
    }()

    /// The intensity-centroid directions (cos, sin) of the discs around `positions` (row-major pixel indices)
    /// on the unsmoothed level.
    package static func orientations(_ image: GreyImage, positions: [Int32]) -> (cos: [Float], sin: [Float]) {
        let n = positions.count
        var m10 = [Int64](repeating: 0, count: n), m01 = [Int64](repeating: 0, count: n)
        image.pixels.withUnsafeBufferPointer { px in
            ot_feat_moments(px.baseAddress, Int32(image.width), Int32(orientationRadius), discHalfWidth, positions, n,
                            &m10, &m01)
        }
        var cs = [Float](repeating: 1, count: n), ss = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let fx = Float(m10[i]), fy = Float(m01[i])
            let norm = (fx * fx + fy * fy).squareRoot()
            if norm < 1e-6 { continue }
            cs[i] = fx / norm
            ss[i] = fy / norm
        }
        return (cs, ss)
    }

    /// Writes the 4-word descriptors of the keypoints at (xs[i], ys[i]) with directions (cs[i], ss[i]) into
    /// `out[at ..< at + 4 * xs.count]`.
    ///
    /// Samples are bilinear at the exactly rotated pattern points: rounding them to the nearest pixel moves
    /// each sample by up to half a pixel depending on the angle, so the same patch seen at two rotations would
    /// compare slightly different points (most harmful for the many tests between close points).
    /// `mirrored` flips the pattern's y: that equals describing the same point in the left-right mirrored
    /// image (its centroid direction is (−c, s), and the mirror maps R(θ')p onto R(θ)(px, −py)).
    /// `portable` skips the CPU-specific (AVX2) path; both give the same bits.
    package static func describe(_ smoothed: GreyImage, xs: [Int32], ys: [Int32], cos cs: [Float], sin ss: [Float],
                         mirrored: Bool, portable: Bool = false, into out: inout [UInt64], at: Int) {
        let w = smoothed.width, h = smoothed.height, n = xs.count
        precondition(ys.count == n && cs.count == n && ss.count == n && out.count >= at + 4 * n)
        // Keypoints lie at least `border` (20) pixels inside the level and rotated samples (with their bilinear
        // neighbours) within 13·√2 + 1, so the kernel needs no clamping; this keeps a bad caller from reading out
        // of bounds.
        for i in 0..<n {
            let cx = Int(xs[i]), cy = Int(ys[i])
            precondition(cx >= border && cy >= border && cx < w - border && cy < h - border, "keypoint too close to the edge")
        }
        smoothed.pixels.withUnsafeBufferPointer { sm in
            out.withUnsafeMutableBufferPointer { o in
                let kernel = portable ? ot_feat_brief_portable : ot_feat_brief
                kernel(sm.baseAddress, Int32(w), patternF, n, xs, ys, cs, ss, mirrored ? 1 : 0, o.baseAddress! + at)
            }
        }
    }

    /// The pattern as floats, for the rotation.
    package static let patternF: [Float] = pattern.map { Float($0) }
}

/// Round half away from zero without a libm call.
@inline(__always)
package func roundToInt(_ v: Float) -> Int { v >= 0 ? Int(v + 0.5) : -Int(-v + 0.5) }

/// `atan2` without libm (the module is pure): an octant reduction and a minimax polynomial, error < 1e-5 rad.
package func approxAtan2(_ y: Float, _ x: Float) -> Float {
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
