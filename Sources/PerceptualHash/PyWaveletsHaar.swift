// imagehash's `whash` goes through PyWavelets: a full Haar `wavedec2`, the top LL zeroed, `waverec2`, then a
// partial `wavedec2`. In exact arithmetic the result is "8×8 block means > median", but flat images make
// many blocks tie, and then the float64 rounding of PyWavelets' own operation order decides the bits. So
// this file repeats that order exactly: 2-D transforms run along axis 0 (columns) then axis 1 (rows), and
// each output is `0 + f0·x[odd] + f1·x[even]` (pywt's `downsampling_convolution`) or
// `f_lo·a + f_hi·d` (two `upsampling_convolution_valid_sf` calls into a zeroed buffer).

/// PyWavelets' Haar coefficient (√2/2 rounded to double).
private let h = 0.7071067811865476

/// A row-major float64 plane.
struct DoublePlane {
    var values: [Double]
    var rows: Int
    var cols: Int
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
/// return the LL band at `level` (side `plane.rows >> level`).
func whashLowBand(_ plane: DoublePlane, level: Int) -> [Double] {
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
    // wavedec2(level) again; only the approximation band is needed.
    for _ in 0..<level {
        let (a0, _) = haarAnalyse(approx, alongRows: false, wantDetail: false)
        approx = haarAnalyse(a0, alongRows: true, wantDetail: false).0
    }
    return approx.values
}
