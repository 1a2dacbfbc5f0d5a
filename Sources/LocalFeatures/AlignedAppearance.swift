public import ImageCore

/// How much the photo region a verified geometry points at looks like the reference: the check that tells two
/// products of one brand apart when they share a logo or a layout (a vanilla from a blueberry yoghurt).
///
/// The reference is divided into a `grid`×`grid` raster of cells; each cell's mean colour on the reference is
/// compared with the mean colour of the same cell warped into the photo with the match's homography (sampled
/// at 4×4 points per cell), so the photo is compared in the reference's frame. Cells that fall outside the
/// photo, and near-white flat cells of the reference (a packshot's margin, which shows whatever surrounds the
/// object in the photo), take no part.
public struct AppearanceScore: Sendable, Equatable, Codable {
    /// Normalised cross-correlation of the cells' chroma (opponent axes, means removed), in [-1, 1]:
    /// invariant to brightness, contrast and a colour cast, sensitive to a different colourway. For a
    /// reference with almost no chroma, the luma correlation.
    public var colour: Double
    /// Normalised cross-correlation of the luma cells, in [-1, 1].
    public var luma: Double
    /// Fraction of the reference's cells that were compared.
    public var compared: Double

    /// Creates a score.
    public init(colour: Double, luma: Double, compared: Double) {
        self.colour = colour
        self.luma = luma
        self.compared = compared
    }
}

/// The aligned-appearance comparison (see `AppearanceScore`).
public enum AlignedAppearance {
    /// Cells per side of the comparison grid.
    public static let grid = 16

    /// The reference's cell colours: the mean RGB of each cell of a `grid`×`grid` division of `reference`
    /// (any resolution of the reference image: cells are fractions of its sides), with a flag for cells that
    /// take part (not near-white and flat).
    /// - Complexity: O(pixels of `reference`).
    public static func referenceCells(_ reference: Raster) -> [(r: Double, g: Double, b: Double, used: Bool)] {
        let g = grid, w = reference.width, h = reference.height, c = reference.channels
        var sums = [Double](repeating: 0, count: g * g * 3)
        var sq = [Double](repeating: 0, count: g * g)
        var counts = [Int](repeating: 0, count: g * g)
        guard w > 0, h > 0 else { return Array(repeating: (0, 0, 0, false), count: g * g) }
        reference.pixels.withUnsafeBufferPointer { px in
            for y in 0..<h {
                let cy = min(g - 1, y * g / h)
                for x in 0..<w {
                    let cx = min(g - 1, x * g / w)
                    let cell = cy * g + cx
                    let i = (y * w + x) * c
                    let r = Double(px[i]), gr = c == 3 ? Double(px[i + 1]) : r, b = c == 3 ? Double(px[i + 2]) : r
                    sums[3 * cell] += r; sums[3 * cell + 1] += gr; sums[3 * cell + 2] += b
                    let l = 0.299 * r + 0.587 * gr + 0.114 * b
                    sq[cell] += l * l
                    counts[cell] += 1
                }
            }
        }
        return (0..<(g * g)).map { k in
            let n = Double(max(1, counts[k]))
            let r = sums[3 * k] / n, gg = sums[3 * k + 1] / n, b = sums[3 * k + 2] / n
            let l = 0.299 * r + 0.587 * gg + 0.114 * b
            let variance = max(0, sq[k] / n - l * l)
            let blank = min(r, gg, b) > 235 && variance < 40
            return (r, gg, b, counts[k] > 0 && !blank)
        }
    }

    /// Compares `photo` under `transform` (reference feature pixels → photo pixels; the reference being
    /// `referenceWidth`×`referenceHeight` pixels in the frame its features were extracted in) with the
    /// reference's cells. Nil when fewer than 16 cells can be compared.
    /// - Complexity: O(grid² · 16).
    public static func score(photo: Raster, transform: Homography, referenceWidth: Int, referenceHeight: Int,
                             referenceCells cells: [(r: Double, g: Double, b: Double, used: Bool)]) -> AppearanceScore? {
        let g = grid, w = photo.width, h = photo.height, c = photo.channels
        guard cells.count == g * g, w > 0, h > 0, referenceWidth > 0, referenceHeight > 0 else { return nil }
        let cw = Double(referenceWidth) / Double(g), ch = Double(referenceHeight) / Double(g)
        var ref: [(Double, Double, Double)] = [], got: [(Double, Double, Double)] = []
        photo.pixels.withUnsafeBufferPointer { px in
            for k in 0..<(g * g) where cells[k].used {
                let x0 = Double(k % g) * cw - 0.5, y0 = Double(k / g) * ch - 0.5
                var sr = 0.0, sg = 0.0, sb = 0.0
                var inside = true
                sampling: for sy in 0..<4 {
                    for sx in 0..<4 {
                        let p = Point2D(x: x0 + (Double(sx) + 0.5) * cw / 4, y: y0 + (Double(sy) + 0.5) * ch / 4)
                        guard transform.denominator(p) > 0 else { inside = false; break sampling }
                        let q = transform.apply(p)
                        let qx = Int((q.x + 0.5).rounded(.down)), qy = Int((q.y + 0.5).rounded(.down))
                        guard q.x.isFinite, q.y.isFinite, qx >= 0, qy >= 0, qx < w, qy < h else { inside = false; break sampling }
                        let i = (qy * w + qx) * c
                        let r = Double(px[i])
                        sr += r; sg += c == 3 ? Double(px[i + 1]) : r; sb += c == 3 ? Double(px[i + 2]) : r
                    }
                }
                guard inside else { continue }
                ref.append((cells[k].r, cells[k].g, cells[k].b))
                got.append((sr / 16, sg / 16, sb / 16))
            }
        }
        let used = cells.filter(\.used).count
        guard ref.count >= 16 else { return nil }
        return AppearanceScore(colour: colourNCC(ref, got), luma: lumaNCC(ref, got),
                               compared: Double(ref.count) / Double(max(1, used)))
    }

    /// Cross-correlation of the chroma of the cells (opponent axes R−G and (R+G)/2−B, means removed, both
    /// axes together): a hue change flips or scrambles it, light and white balance do not. A reference with
    /// almost no chroma (a black-and-white pack) has nothing to compare there: its luma correlation stands in.
    static func colourNCC(_ a: [(Double, Double, Double)], _ b: [(Double, Double, Double)]) -> Double {
        func chroma(_ v: (Double, Double, Double)) -> (Double, Double) { (v.0 - v.1, (v.0 + v.1) / 2 - v.2) }
        let ca = a.map(chroma), cb = b.map(chroma)
        let n = Double(ca.count)
        func means(_ v: [(Double, Double)]) -> (Double, Double) {
            var m = (0.0, 0.0)
            for x in v { m.0 += x.0; m.1 += x.1 }
            return (m.0 / n, m.1 / n)
        }
        let ma = means(ca), mb = means(cb)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(ca, cb) {
            let p0 = x.0 - ma.0, p1 = x.1 - ma.1, q0 = y.0 - mb.0, q1 = y.1 - mb.1
            sab += p0 * q0 + p1 * q1; saa += p0 * p0 + p1 * p1; sbb += q0 * q0 + q1 * q1
        }
        // Below an rms chroma deviation of 8 levels the reference is essentially grey.
        guard saa / n > 64 else { return lumaNCC(a, b) }
        return sbb > 1e-9 ? sab / (saa * sbb).squareRoot() : 0
    }

    static func lumaNCC(_ a: [(Double, Double, Double)], _ b: [(Double, Double, Double)]) -> Double {
        func luma(_ v: (Double, Double, Double)) -> Double { 0.299 * v.0 + 0.587 * v.1 + 0.114 * v.2 }
        let la = a.map(luma), lb = b.map(luma)
        let n = Double(la.count)
        let ma = la.reduce(0, +) / n, mb = lb.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(la, lb) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        return saa > 1e-9 && sbb > 1e-9 ? sab / (saa * sbb).squareRoot() : 0
    }
}
