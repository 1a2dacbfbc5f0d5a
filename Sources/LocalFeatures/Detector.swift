/// A FAST-9 corner found on one pyramid level, before orientation and description.
struct Corner {
    var x: Int
    var y: Int
    var fastScore: Int
    var harris: Float
}

/// FAST-9 on a radius-3 Bresenham circle, the arc score of Rosten & Drummond, 3x3 non-maximum suppression on
/// that score, then the Harris response (as ORB ranks) for choosing which corners to keep.
enum FastDetector {
    /// The 16 circle offsets (dx, dy), clockwise from the top.
    static let circle: [(Int, Int)] = [
        (0, -3), (1, -3), (2, -2), (3, -1), (3, 0), (3, 1), (2, 2), (1, 3),
        (0, 3), (-1, 3), (-2, 2), (-3, 1), (-3, 0), (-3, -1), (-2, -2), (-1, -3),
    ]

    /// Corners at least `border` pixels from every edge whose FAST score exceeds `threshold`.
    static func detect(_ image: GreyImage, threshold: Int, border: Int) -> [Corner] {
        let w = image.width, h = image.height
        let b = max(border, 4)
        guard w > 2 * b, h > 2 * b else { return [] }
        var offsets = [Int](repeating: 0, count: 25)
        for k in 0..<25 { offsets[k] = circle[k % 16].1 * w + circle[k % 16].0 }
        var score = [Int16](repeating: 0, count: w * h)
        var candidates: [Int] = []
        image.pixels.withUnsafeBufferPointer { px in
            offsets.withUnsafeBufferPointer { off in
                score.withUnsafeMutableBufferPointer { sc in
                    var d = [Int](repeating: 0, count: 25)
                    d.withUnsafeMutableBufferPointer { d in
                        // Loop-invariant offsets as locals: this loop runs over every pixel of every level,
                        // and also has to be tolerable in unoptimised (debug) builds.
                        let o0 = off[0], o4 = off[4], o8 = off[8], o12 = off[12]
                        var y = b - 1
                        while y < h - b + 1 {
                            var p = y * w + b - 1
                            let rowEnd = y * w + w - b + 1
                            let inner = y >= b && y < h - b
                            p -= 1
                            while p + 1 < rowEnd {
                                p += 1
                                let c = Int(px[p])
                                let hi = c + threshold, lo = c - threshold
                                // A 9-arc of 16 contains pixel 0 or pixel 8, and two of the four compass points.
                                let v0 = Int(px[p + o0]), v8 = Int(px[p + o8])
                                if v0 <= hi && v0 >= lo && v8 <= hi && v8 >= lo { continue }
                                let v4 = Int(px[p + o4]), v12 = Int(px[p + o12])
                                var bright = 0, dark = 0
                                if v0 > hi { bright += 1 } else if v0 < lo { dark += 1 }
                                if v4 > hi { bright += 1 } else if v4 < lo { dark += 1 }
                                if v8 > hi { bright += 1 } else if v8 < lo { dark += 1 }
                                if v12 > hi { bright += 1 } else if v12 < lo { dark += 1 }
                                if bright < 2 && dark < 2 { continue }
                                // Bit masks of brighter / darker circle pixels; a corner needs 9 contiguous set bits
                                // (the mask is doubled to 32 bits so that arcs may wrap).
                                var bm: UInt32 = 0, dm: UInt32 = 0
                                var k = 0
                                while k < 16 {
                                    let v = Int(px[p + off[k]])
                                    d[k] = v - c
                                    if v > hi { bm |= 1 << UInt32(k) } else if v < lo { dm |= 1 << UInt32(k) }
                                    k += 1
                                }
                                bm |= bm << 16
                                dm |= dm << 16
                                let runB = bm & (bm >> 1) & (bm >> 2) & (bm >> 3) & (bm >> 4) & (bm >> 5) & (bm >> 6) & (bm >> 7) & (bm >> 8)
                                let runD = dm & (dm >> 1) & (dm >> 2) & (dm >> 3) & (dm >> 4) & (dm >> 5) & (dm >> 6) & (dm >> 7) & (dm >> 8)
                                if runB == 0 && runD == 0 { continue }
                                while k < 25 { d[k] = d[k - 16]; k += 1 }
                                // Arc score: the largest t for which a contiguous 9-arc is all brighter (or all
                                // darker) than the centre by more than t.
                                var best = 0
                                var s = 0
                                while s < 16 {
                                    var mnB = Int.max, mnD = Int.max
                                    var j = s
                                    while j < s + 9 {
                                        let v = d[j]
                                        if v < mnB { mnB = v }
                                        if -v < mnD { mnD = -v }
                                        j += 1
                                    }
                                    if mnB > best { best = mnB }
                                    if mnD > best { best = mnD }
                                    s += 1
                                }
                                if best > threshold {
                                    sc[p] = Int16(best)
                                    let x = p - y * w
                                    if inner && x >= b && x < w - b { candidates.append(p) }
                                }
                            }
                            y += 1
                        }
                    }
                }
            }
        }
        var corners: [Corner] = []
        corners.reserveCapacity(candidates.count / 3)
        score.withUnsafeBufferPointer { sc in
            for p in candidates {
                let s = sc[p]
                // Strict against earlier neighbours, non-strict against later ones: plateaus keep one corner.
                if s <= sc[p - w - 1] || s <= sc[p - w] || s <= sc[p - w + 1] || s <= sc[p - 1] { continue }
                if s < sc[p + 1] || s < sc[p + w - 1] || s < sc[p + w] || s < sc[p + w + 1] { continue }
                corners.append(Corner(x: p % w, y: p / w, fastScore: Int(s), harris: 0))
            }
        }
        harrisResponses(image, &corners)
        return corners
    }

    /// Harris corner response over a 7x7 block of Sobel gradients (k = 0.04), as ORB uses to rank.
    static func harrisResponses(_ image: GreyImage, _ corners: inout [Corner]) {
        let w = image.width
        image.pixels.withUnsafeBufferPointer { px in
            for i in corners.indices {
                let cx = corners[i].x, cy = corners[i].y
                var sxx: Float = 0, syy: Float = 0, sxy: Float = 0
                for y in (cy - 3)...(cy + 3) {
                    for x in (cx - 3)...(cx + 3) {
                        let p = y * w + x
                        let a = Int(px[p - w - 1]), bb = Int(px[p - w]), c = Int(px[p - w + 1])
                        let d = Int(px[p - 1]), f = Int(px[p + 1])
                        let g = Int(px[p + w - 1]), hh = Int(px[p + w]), k = Int(px[p + w + 1])
                        let gx = Float((c + 2 * f + k) - (a + 2 * d + g))
                        let gy = Float((g + 2 * hh + k) - (a + 2 * bb + c))
                        sxx += gx * gx
                        syy += gy * gy
                        sxy += gx * gy
                    }
                }
                // Normalise so that the response does not depend on the 8-bit Sobel gain.
                let norm: Float = 1.0 / (4.0 * 49.0 * 255.0)
                sxx *= norm; syy *= norm; sxy *= norm
                corners[i].harris = sxx * syy - sxy * sxy - 0.04 * (sxx + syy) * (sxx + syy)
            }
        }
    }
}
