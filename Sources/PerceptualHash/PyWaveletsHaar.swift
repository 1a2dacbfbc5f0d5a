// imagehash's `whash` goes through PyWavelets: a full Haar `wavedec2`, the top LL zeroed, `waverec2`, then a
// partial `wavedec2`. In exact arithmetic the result is "8×8 block means > median", but flat images make
// many blocks tie, and then the float64 rounding of PyWavelets' own operation order decides the bits. So
// this file repeats that order exactly: 2-D transforms run along axis 0 (columns) then axis 1 (rows), and
// each output is `0 + f0·x[odd] + f1·x[even]` (pywt's `downsampling_convolution`) or
// `f_lo·a + f_hi·d` (two `upsampling_convolution_valid_sf` calls into a zeroed buffer).

/// PyWavelets' Haar coefficient (√2/2 rounded to double).
private let h = 0.7071067811865476

/// A row-major float64 plane.
package struct DoublePlane {
    var values: [Double]
    var rows: Int
    var cols: Int

    package init(values: [Double], rows: Int, cols: Int) {
        self.values = values
        self.rows = rows
        self.cols = cols
    }
}

/// One level of 2-D Haar analysis; keys name the axis-0 then axis-1 band ("a" approximation, "d" detail).
private struct HaarLevel {
    var aa: DoublePlane
    var ad: DoublePlane
    var da: DoublePlane
    var dd: DoublePlane
}

/// pywt `dwt` of every line along axis 0 (`approx`) or axis 1, returning approximation and detail.
private func haarAnalyse(_ x: DoublePlane, alongRows: Bool, wantDetail: Bool) -> (DoublePlane, DoublePlane?) {
    let outRows = alongRows ? x.rows : x.rows / 2
    let outCols = alongRows ? x.cols / 2 : x.cols
    var a = [Double](repeating: 0, count: outRows * outCols)
    var d = [Double](repeating: 0, count: wantDetail ? outRows * outCols : 0)
    x.values.withUnsafeBufferPointer { src in
        a.withUnsafeMutableBufferPointer { ap in
            d.withUnsafeMutableBufferPointer { dp in
                var r = 0
                while r < outRows {
                    var c = 0
                    while c < outCols {
                        // Even and odd input samples of this output along the transformed axis.
                        let even: Double, odd: Double
                        if alongRows {
                            even = src[r &* x.cols &+ 2 &* c]
                            odd = src[r &* x.cols &+ 2 &* c &+ 1]
                        } else {
                            even = src[(2 &* r) &* x.cols &+ c]
                            odd = src[(2 &* r &+ 1) &* x.cols &+ c]
                        }
                        let o = r &* outCols &+ c
                        // dec_lo = [h, h], dec_hi = [−h, h]; sum = 0 + f[0]·x[2o+1] + f[1]·x[2o].
                        let lo = h * odd
                        ap[o] = lo + h * even
                        if wantDetail {
                            let hi = -h * odd
                            dp[o] = hi + h * even
                        }
                        c &+= 1
                    }
                    r &+= 1
                }
            }
        }
    }
    return (DoublePlane(values: a, rows: outRows, cols: outCols),
            wantDetail ? DoublePlane(values: d, rows: outRows, cols: outCols) : nil)
}

/// pywt `idwt` of every line along axis 0 or axis 1 from approximation `a` and detail `d`.
private func haarSynthesise(_ a: DoublePlane, _ d: DoublePlane, alongRows: Bool) -> DoublePlane {
    let outRows = alongRows ? a.rows : a.rows * 2
    let outCols = alongRows ? a.cols * 2 : a.cols
    var out = [Double](repeating: 0, count: outRows * outCols)
    a.values.withUnsafeBufferPointer { ap in
        d.values.withUnsafeBufferPointer { dp in
            out.withUnsafeMutableBufferPointer { op in
                var r = 0
                while r < a.rows {
                    var c = 0
                    while c < a.cols {
                        let i = r &* a.cols &+ c
                        let av = ap[i], dv = dp[i]
                        // rec_lo = [h, h], rec_hi = [h, −h]; the approximation is added first.
                        let even = (0 + h * av) + h * dv
                        let odd = (0 + h * av) + (-h) * dv
                        if alongRows {
                            op[r &* outCols &+ 2 &* c] = even
                            op[r &* outCols &+ 2 &* c &+ 1] = odd
                        } else {
                            op[(2 &* r) &* outCols &+ c] = even
                            op[(2 &* r &+ 1) &* outCols &+ c] = odd
                        }
                        c &+= 1
                    }
                    r &+= 1
                }
            }
        }
    }
    return DoublePlane(values: out, rows: outRows, cols: outCols)
}

/// pywt `dwt2`: axis 0, then axis 1 on both halves.
private func haarLevel(_ x: DoublePlane) -> HaarLevel {
    let (a0, d0) = haarAnalyse(x, alongRows: false, wantDetail: true)
    let (aa, ad) = haarAnalyse(a0, alongRows: true, wantDetail: true)
    let (da, dd) = haarAnalyse(d0!, alongRows: true, wantDetail: true)
    return HaarLevel(aa: aa, ad: ad!, da: da, dd: dd!)
}

/// imagehash's whash core on a square power-of-two plane of `pixel / 255`: remove the top Haar LL, then
/// return the LL band at `level` (side `plane.rows >> level`). The whole-plane statement of the algorithm;
/// `whashLowBandBlocked` computes the same values block by block.
package func whashLowBand(_ plane: DoublePlane, level: Int) -> [Double] {
    var approx = haarRemoveTopLL(plane)
    // wavedec2(level) again; only the approximation band is needed.
    for _ in 0..<level {
        let (a0, _) = haarAnalyse(approx, alongRows: false, wantDetail: false)
        approx = haarAnalyse(a0, alongRows: true, wantDetail: false).0
    }
    return approx.values
}

/// pywt `waverec2(wavedec2(plane))` with the top-level LL zeroed (imagehash's `remove_max_haar_ll`).
func haarRemoveTopLL(_ plane: DoublePlane) -> DoublePlane {
    // wavedec2(level = log2 S), keeping every level's details.
    var levels: [HaarLevel] = []
    var current = plane
    while current.rows > 1 {
        let l = haarLevel(current)
        levels.append(l)
        current = l.aa
    }
    // coeffs[0] *= 0, then waverec2 from the coarsest level: axis 1 on both halves, then axis 0.
    var approx = DoublePlane(values: current.values.map { $0 * 0 }, rows: current.rows, cols: current.cols)
    for l in levels.reversed() {
        let a = haarSynthesise(approx, l.ad, alongRows: true)
        let d = haarSynthesise(l.da, l.dd, alongRows: true)
        approx = haarSynthesise(a, d, alongRows: false)
    }
    return approx
}

// The blocked form. Every Haar coefficient at level k depends only on its 2^k × 2^k block, so the 8×8 output
// cell (i, j) needs: the source block's own analysis (for its details), the coarse reconstruction at that
// block's level (from the 8×8 approximation of all blocks), its synthesis down to pixels and their
// re-analysis. Each value is produced by the same float64 expression as in the whole-plane form, so the
// result is bit-identical, with O(block) memory instead of a dozen full-size planes.

/// One 2×2 group `e[row][col]` analysed as pywt `dwt2` does (axis 0, then axis 1): `(aa, ad, da, dd)`.
@inline(__always)
private func haarGroup(_ e00: Double, _ e01: Double, _ e10: Double, _ e11: Double)
    -> (Double, Double, Double, Double) {
    let aLeft = h * e10 + h * e00, aRight = h * e11 + h * e01
    let dLeft = -h * e10 + h * e00, dRight = -h * e11 + h * e01
    return (h * aRight + h * aLeft, -h * aRight + h * aLeft, h * dRight + h * dLeft, -h * dRight + h * dLeft)
}

/// The approximation of one 2×2 group (`haarGroup(…).0`).
@inline(__always)
private func haarGroupApprox(_ e00: Double, _ e01: Double, _ e10: Double, _ e11: Double) -> Double {
    let aLeft = h * e10 + h * e00, aRight = h * e11 + h * e01
    return h * aRight + h * aLeft
}

/// pywt `idwt2` of one coefficient set (axis 1 on both halves, then axis 0): `(o00, o01, o10, o11)`.
@inline(__always)
private func haarGroupSynthesis(_ aa: Double, _ ad: Double, _ da: Double, _ dd: Double)
    -> (Double, Double, Double, Double) {
    let aLeft = (0 + h * aa) + h * ad, aRight = (0 + h * aa) + (-h) * ad
    let dLeft = (0 + h * da) + h * dd, dRight = (0 + h * da) + (-h) * dd
    return ((0 + h * aLeft) + h * dLeft, (0 + h * aRight) + h * dRight,
            (0 + h * aLeft) + (-h) * dLeft, (0 + h * aRight) + (-h) * dRight)
}

/// Replaces the `n×n` plane at `src` by its `n/2 × n/2` approximation at `dst`.
@inline(__always)
private func haarApproxPlane(_ src: UnsafePointer<Double>, side n: Int, _ dst: UnsafeMutablePointer<Double>) {
    let m = n / 2
    for r in 0..<m {
        let top = src + 2 * r * n, bottom = top + n
        for c in 0..<m {
            dst[r * m + c] = haarGroupApprox(top[2 * c], top[2 * c + 1], bottom[2 * c], bottom[2 * c + 1])
        }
    }
}

/// `whashLowBand` of the `side×side` plane `grey / 255`, bit-identical, computed one output cell at a time.
/// - Complexity: O(side²) time, O((side >> 3)²) memory.
package func whashLowBandBlocked(_ grey: UnsafePointer<UInt8>, side: Int, level: Int) -> [Double] {
    let block = 1 << level
    let cells = side / block  // 8 except for images under 8 pixels, which imagehash upsamples to 8
    // Approximation pyramids of one block: level k at offset pyramidOffset(k), side block >> k.
    var offsets = [0]
    for k in 0...level { offsets.append(offsets[k] + (block >> k) * (block >> k)) }
    let source = UnsafeMutablePointer<Double>.allocate(capacity: offsets[level + 1])
    let rebuilt = UnsafeMutablePointer<Double>.allocate(capacity: offsets[level + 1])
    defer { source.deallocate(); rebuilt.deallocate() }

    /// The source block's approximations at levels 0 (pixels / 255) through `level`.
    func analyseBlock(_ bi: Int, _ bj: Int) {
        for r in 0..<block {
            let row = grey + (bi * block + r) * side + bj * block
            for c in 0..<block { source[r * block + c] = Double(row[c]) / 255 }
        }
        for k in 0..<level {
            haarApproxPlane(source + offsets[k], side: block >> k, source + offsets[k + 1])
        }
    }

    // Pass 1: the approximation of every block at `level`, then the coarse top-LL removal on that grid.
    var coarse = [Double](repeating: 0, count: cells * cells)
    for bi in 0..<cells {
        for bj in 0..<cells {
            analyseBlock(bi, bj)
            coarse[bi * cells + bj] = source[offsets[level]]
        }
    }
    let coarseRebuilt = haarRemoveTopLL(DoublePlane(values: coarse, rows: cells, cols: cells)).values

    // Pass 2: per block, synthesise from the coarse value down to pixels with the block's own details, then
    // analyse the rebuilt pixels back up to one value.
    var out = [Double](repeating: 0, count: cells * cells)
    for bi in 0..<cells {
        for bj in 0..<cells {
            analyseBlock(bi, bj)
            rebuilt[offsets[level]] = coarseRebuilt[bi * cells + bj]
            var k = level
            while k > 0 {
                let n = block >> k  // side at level k; level k − 1 has side 2n
                let fine = source + offsets[k - 1], parent = rebuilt + offsets[k], child = rebuilt + offsets[k - 1]
                for r in 0..<n {
                    for c in 0..<n {
                        let f = fine + 2 * r * (2 * n) + 2 * c
                        let (_, ad, da, dd) = haarGroup(f[0], f[1], f[2 * n], f[2 * n + 1])
                        let (o00, o01, o10, o11) = haarGroupSynthesis(parent[r * n + c], ad, da, dd)
                        let o = child + 2 * r * (2 * n) + 2 * c
                        o[0] = o00; o[1] = o01; o[2 * n] = o10; o[2 * n + 1] = o11
                    }
                }
                k -= 1
            }
            for k in 0..<level {
                haarApproxPlane(rebuilt + offsets[k], side: block >> k, rebuilt + offsets[k + 1])
            }
            out[bi * cells + bj] = rebuilt[offsets[level]]
        }
    }
    return out
}
