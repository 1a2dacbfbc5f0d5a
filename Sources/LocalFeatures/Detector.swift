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
                        for y in (b - 1)..<(h - b + 1) {
                            for x in (b - 1)..<(w - b + 1) {
                                let p = y * w + x
                                let c = Int(px[p])
                                let hi = c + threshold, lo = c - threshold
                                // A 9-arc covers at least two of the four compass points: a cheap rejection.
                                let v0 = Int(px[p + off[0]]), v4 = Int(px[p + off[4]])
                                let v8 = Int(px[p + off[8]]), v12 = Int(px[p + off[12]])
                                var bright = 0, dark = 0
                                if v0 > hi { bright += 1 } else if v0 < lo { dark += 1 }
                                if v4 > hi { bright += 1 } else if v4 < lo { dark += 1 }
                                if v8 > hi { bright += 1 } else if v8 < lo { dark += 1 }
                                if v12 > hi { bright += 1 } else if v12 < lo { dark += 1 }
                                if bright < 2 && dark < 2 { continue }
                                for k in 0..<16 { d[k] = Int(px[p + off[k]]) - c }
                                for k in 16..<25 { d[k] = d[k - 16] }
                                // Arc score: the largest t for which a contiguous 9-arc is all brighter (or all
                                // darker) than the centre by more than t.
                                var best = 0
                                for s in 0..<16 {
                                    var mnB = Int.max, mnD = Int.max
                                    for j in 0..<9 {
                                        let v = d[s + j]
                                        if v < mnB { mnB = v }
                                        if -v < mnD { mnD = -v }
                                    }
                                    if mnB > best { best = mnB }
                                    if mnD > best { best = mnD }
                                }
                                if best > threshold {
                                    sc[p] = Int16(best)
                                    if y >= b && y < h - b && x >= b && x < w - b { candidates.append(p) }
                                }
                            }
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
