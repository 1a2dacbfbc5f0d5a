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

/// One cell of a reference's appearance grid: its mean colour, and whether it takes part in the comparison.
public struct AppearanceCell: Sendable, Equatable, Codable {
    /// Mean red, green and blue of the cell's pixels, rounded to the nearest level (the form kept in the store).
    public var r: UInt8, g: UInt8, b: UInt8
    /// False for a near-white flat cell (a packshot's margin) or a cell with no pixels.
    public var used: Bool

    /// Creates a cell.
    public init(r: UInt8, g: UInt8, b: UInt8, used: Bool) {
        self.r = r; self.g = g; self.b = b; self.used = used
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
    public static func referenceCells(_ reference: Raster) -> [AppearanceCell] {
        let g = grid, w = reference.width, h = reference.height, c = reference.channels
        var sums = [Double](repeating: 0, count: g * g * 3)
        var sq = [Double](repeating: 0, count: g * g)
        var counts = [Int](repeating: 0, count: g * g)
        guard w > 0, h > 0 else { return Array(repeating: AppearanceCell(r: 0, g: 0, b: 0, used: false), count: g * g) }
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
            func level(_ v: Double) -> UInt8 { UInt8(min(255, max(0, v.rounded()))) }
            return AppearanceCell(r: level(r), g: level(gg), b: level(b), used: counts[k] > 0 && !blank)
        }
    }

    /// Compares `photo` under `transform` (reference feature pixels → photo pixels; the reference being
    /// `referenceWidth`×`referenceHeight` pixels in the frame its features were extracted in) with the
    /// reference's cells. Nil when fewer than 16 cells can be compared.
    /// - Complexity: O(grid² · 16).
    public static func score(photo: Raster, transform: Homography, referenceWidth: Int, referenceHeight: Int,
                             referenceCells cells: [AppearanceCell]) -> AppearanceScore? {
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
                ref.append((Double(cells[k].r), Double(cells[k].g), Double(cells[k].b)))
                got.append((sr / 16, sg / 16, sb / 16))
            }
        }
        let used = cells.filter(\.used).count
        guard ref.count >= 16 else { return nil }
        return AppearanceScore(colour: colourNCC(ref, got), luma: lumaNCC(ref, got),
                               compared: Double(ref.count) / Double(max(1, used)))
    }

    /// Share of the compared cells left out as occluded: the cells that disagree most after both sides are
    /// standardised (a sticker, a caption or a watermark over part of the object), so that an overlay does not
    /// hide the object's colours. A different colourway disagrees everywhere and stays low.
    public static let trimmed = 0.2

    /// Cross-correlation of the chroma of the cells (opponent axes R−G and (R+G)/2−B, means removed, both
    /// axes together; the `trimmed` worst cells left out): a hue change flips or scrambles it, light and white
    /// balance do not. A reference with almost no chroma (a black-and-white pack) has nothing to compare
    /// there: its luma correlation stands in.
    static func colourNCC(_ a: [(Double, Double, Double)], _ b: [(Double, Double, Double)]) -> Double {
        func chroma(_ v: (Double, Double, Double)) -> [Double] { [v.0 - v.1, (v.0 + v.1) / 2 - v.2] }
        let ca = a.map(chroma), cb = b.map(chroma)
        // Below an rms chroma deviation of 8 levels the reference is essentially grey.
        guard spread(ca) > 64 else { return lumaNCC(a, b) }
        return trimmedNCC(ca, cb)
    }

    /// Mean squared deviation from the mean, over all components.
    static func spread(_ v: [[Double]]) -> Double {
        guard let d = v.first?.count, !v.isEmpty else { return 0 }
        var total = 0.0
        for c in 0..<d {
            let m = v.reduce(0) { $0 + $1[c] } / Double(v.count)
            total += v.reduce(0) { $0 + ($1[c] - m) * ($1[c] - m) }
        }
        return total / Double(v.count)
    }

    /// NCC of two vector sequences (means removed per component), then again without the `trimmed` share of
    /// items whose standardised values disagree most.
    static func trimmedNCC(_ a: [[Double]], _ b: [[Double]]) -> Double {
        func standardised(_ v: [[Double]]) -> [[Double]]? {
            let d = v[0].count, n = Double(v.count)
            var means = [Double](repeating: 0, count: d)
            for x in v { for c in 0..<d { means[c] += x[c] / n } }
            let centred = v.map { x in (0..<d).map { x[$0] - means[$0] } }
            let rms = (centred.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } } / n).squareRoot()
            guard rms > 1e-9 else { return nil }
            return centred.map { $0.map { $0 / rms } }
        }
        func ncc(_ x: [[Double]], _ y: [[Double]]) -> Double {
            guard let sx = standardised(x), let sy = standardised(y) else { return 0 }
            var s = 0.0
            for (p, q) in zip(sx, sy) { for c in p.indices { s += p[c] * q[c] } }
            return s / Double(x.count)
        }
        guard let sa = standardised(a), let sb = standardised(b) else { return 0 }
        let residual = zip(sa, sb).map { p, q in zip(p, q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        let keep = residual.indices.sorted { residual[$0] < residual[$1] }.prefix(max(8, Int(Double(a.count) * (1 - trimmed))))
        return ncc(keep.map { a[$0] }, keep.map { b[$0] })
    }

    static func lumaNCC(_ a: [(Double, Double, Double)], _ b: [(Double, Double, Double)]) -> Double {
        func luma(_ v: (Double, Double, Double)) -> [Double] { [0.299 * v.0 + 0.587 * v.1 + 0.114 * v.2] }
        return trimmedNCC(a.map(luma), b.map(luma))
    }
}
