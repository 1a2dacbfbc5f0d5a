/// A point in pixel coordinates.
public struct Point2D: Sendable, Hashable, Codable {
    /// Column (pixels).
    public var x: Double
    /// Row (pixels).
    public var y: Double

    /// Creates a point.
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// A 3x3 planar projective transform (row-major, `m[8]` normalised to 1 when possible).
public struct Homography: Sendable, Hashable, Codable {
    /// The nine entries, row-major.
    public var m: [Double]

    /// Wraps nine row-major entries.
    public init(_ m: [Double]) {
        precondition(m.count == 9, "a homography has nine entries")
        self.m = m
    }

    /// The identity.
    public static let identity = Homography([1, 0, 0, 0, 1, 0, 0, 0, 1])

    /// The image of `p` (undefined, i.e. non-finite, for points on the line at infinity).
    @inlinable public func apply(_ p: Point2D) -> Point2D {
        let w = m[6] * p.x + m[7] * p.y + m[8]
        return Point2D(x: (m[0] * p.x + m[1] * p.y + m[2]) / w, y: (m[3] * p.x + m[4] * p.y + m[5]) / w)
    }

    /// The projective denominator at `p` (positive where `p` maps to the visible side).
    @inlinable public func denominator(_ p: Point2D) -> Double { m[6] * p.x + m[7] * p.y + m[8] }

    /// Whether the transform reverses orientation (a mirror) at `p`: the sign of its Jacobian determinant.
    public func isMirroring(at p: Point2D) -> Bool { jacobian(at: p).det < 0 }

    /// The 2x2 Jacobian (a, b; c, d) at `p` and its determinant.
    func jacobian(at p: Point2D) -> (a: Double, b: Double, c: Double, d: Double, det: Double) {
        let w = denominator(p)
        let u = (m[0] * p.x + m[1] * p.y + m[2]) / w, v = (m[3] * p.x + m[4] * p.y + m[5]) / w
        let a = (m[0] - u * m[6]) / w, b = (m[1] - u * m[7]) / w
        let c = (m[3] - v * m[6]) / w, d = (m[4] - v * m[7]) / w
        return (a, b, c, d, a * d - b * c)
    }

    /// A similarity (optionally reflecting: `z' = a·conj(z) + t`) as a homography.
    static func similarity(a re: Double, _ im: Double, tx: Double, ty: Double, mirrored: Bool) -> Homography {
        if mirrored { return Homography([re, im, tx, im, -re, ty, 0, 0, 1]) }
        return Homography([re, -im, tx, im, re, ty, 0, 0, 1])
    }

    /// The least-squares homography mapping `src[i]` to `dst[i]` for the given indices (normalised DLT with
    /// Hartley conditioning, h33 = 1); nil when the points are degenerate.
    package static func fit(src: [Point2D], dst: [Point2D], indices: [Int]) -> Homography? {
        guard indices.count >= 4 else { return nil }
        let ns = Conditioning(points: src, indices: indices), nd = Conditioning(points: dst, indices: indices)
        guard ns.scale.isFinite, nd.scale.isFinite else { return nil }
        var ata = [Double](repeating: 0, count: 64), atb = [Double](repeating: 0, count: 8)
        for i in indices {
            let x = (src[i].x - ns.cx) * ns.scale, y = (src[i].y - ns.cy) * ns.scale
            let u = (dst[i].x - nd.cx) * nd.scale, v = (dst[i].y - nd.cy) * nd.scale
            let r1: [Double] = [x, y, 1, 0, 0, 0, -u * x, -u * y]
            let r2: [Double] = [0, 0, 0, x, y, 1, -v * x, -v * y]
            for a in 0..<8 {
                atb[a] += r1[a] * u + r2[a] * v
                for b in 0..<8 { ata[a * 8 + b] += r1[a] * r1[b] + r2[a] * r2[b] }
            }
        }
        guard let h = solve8(ata, atb) else { return nil }
        // Undo the conditioning: H = Td^-1 · Hn · Ts.
        let hn = [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]
        let ts = [ns.scale, 0, -ns.scale * ns.cx, 0, ns.scale, -ns.scale * ns.cy, 0, 0, 1]
        let tdInv = [1 / nd.scale, 0, nd.cx, 0, 1 / nd.scale, nd.cy, 0, 0, 1]
        var r = mul3(tdInv, mul3(hn, ts))
        guard r[8].magnitude > 1e-12 else { return nil }
        let s = 1 / r[8]
        for k in 0..<9 { r[k] *= s }
        guard r.allSatisfy({ $0.isFinite }) else { return nil }
        return Homography(r)
    }
}

/// Hartley normalisation: centroid to the origin, mean distance √2.
struct Conditioning {
    var cx = 0.0, cy = 0.0, scale = 1.0

    init(points: [Point2D], indices: [Int]) {
        for i in indices { cx += points[i].x; cy += points[i].y }
        cx /= Double(indices.count); cy /= Double(indices.count)
        var d = 0.0
        for i in indices {
            let dx = points[i].x - cx, dy = points[i].y - cy
            d += (dx * dx + dy * dy).squareRoot()
        }
        d /= Double(indices.count)
        scale = d > 1e-9 ? 2.0.squareRoot() / d : .infinity
    }
}

func mul3(_ a: [Double], _ b: [Double]) -> [Double] {
    var r = [Double](repeating: 0, count: 9)
    for i in 0..<3 { for j in 0..<3 { r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j] } }
    return r
}

/// Gaussian elimination with partial pivoting on an 8x8 system; nil when (near) singular.
func solve8(_ a0: [Double], _ b0: [Double]) -> [Double]? {
    var a = a0, b = b0
    let n = 8
    var maxAbs = 0.0
    for v in a { maxAbs = max(maxAbs, v.magnitude) }
    let eps = max(1e-12, maxAbs * 1e-11)
    for col in 0..<n {
        var piv = col
        for r in (col + 1)..<n where a[r * n + col].magnitude > a[piv * n + col].magnitude { piv = r }
        if a[piv * n + col].magnitude < eps { return nil }
        if piv != col {
            for k in 0..<n { a.swapAt(col * n + k, piv * n + k) }
            b.swapAt(col, piv)
        }
        let inv = 1 / a[col * n + col]
        for r in (col + 1)..<n {
            let f = a[r * n + col] * inv
            if f == 0 { continue }
            for k in col..<n { a[r * n + k] -= f * a[col * n + k] }
            b[r] -= f * b[col]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for r in stride(from: n - 1, through: 0, by: -1) {
        var s = b[r]
        for k in (r + 1)..<n { s -= a[r * n + k] * x[k] }
        x[r] = s / a[r * n + r]
    }
    return x
}

/// Twice the signed area of a polygon (positive when counter-clockwise in a y-up frame).
func signedArea2(_ p: [Point2D]) -> Double {
    var s = 0.0
    for i in p.indices {
        let a = p[i], b = p[(i + 1) % p.count]
        s += a.x * b.y - b.x * a.y
    }
    return s
}

/// Whether a quadrilateral is strictly convex (all turns of one sign), with that sign.
func convexTurnSign(_ q: [Point2D]) -> Int {
    var sign = 0
    for i in 0..<q.count {
        let a = q[i], b = q[(i + 1) % q.count], c = q[(i + 2) % q.count]
        let cross = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x)
        let s = cross > 0 ? 1 : (cross < 0 ? -1 : 0)
        if s == 0 { return 0 }
        if sign == 0 { sign = s } else if s != sign { return 0 }
    }
    return sign
}
