// Pillow's `Image.resize(size, LANCZOS)` for 8-bit single-band images, reproduced bit for bit: double
// coefficients from a truncated sinc, normalised, rounded to 22 fractional bits, integer accumulation with
// a rounding bias, an 8-bit intermediate between the two passes, and Pillow 13's choice of pass order.

/// Pillow's `PRECISION_BITS` for 8-bit resampling (32 − 8 − 2).
private let precisionBits = 22

/// Fixed-point Lanczos-3 coefficients for resampling one axis from `inSize` to `outSize` samples.
struct PillowAxisKernel {
    /// First input index of each output sample.
    var start: [Int]
    /// Number of taps of each output sample.
    var count: [Int]
    /// `ksize` coefficients per output sample (only the first `count[x]` are used).
    var coefficients: [Int32]
    /// Stride between output samples in `coefficients`.
    var ksize: Int

    /// Pillow's `precompute_coeffs` followed by `normalize_coeffs_8bpc`.
    init(inSize: Int, outSize: Int) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 3.0 * filterScale
        ksize = Int(support.rounded(.up)) * 2 + 1
        start = [Int](repeating: 0, count: outSize)
        count = [Int](repeating: 0, count: outSize)
        coefficients = [Int32](repeating: 0, count: outSize * ksize)
        var weights = [Double](repeating: 0, count: ksize)
        let ss = 1.0 / filterScale
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            // C's (int) cast truncates toward zero, as Int(_:) does.
            let xmin = max(0, Int(center - support + 0.5))
            let xmax = min(inSize, Int(center + support + 0.5)) - xmin
            var ww = 0.0
            for x in 0..<max(xmax, 0) {
                let w = lanczos3((Double(x + xmin) - center + 0.5) * ss)
                weights[x] = w
                ww += w
            }
            for x in 0..<max(xmax, 0) {
                let w = ww != 0 ? weights[x] / ww : weights[x]
                let scaled = w * Double(1 << precisionBits)
                coefficients[xx * ksize + x] = Int32(w < 0 ? (-0.5 + scaled) : (0.5 + scaled))
            }
            start[xx] = xmin
            count[xx] = max(xmax, 0)
        }
    }
}

/// Pillow's `lanczos_filter`: `sinc(x)·sinc(x/3)` on [−3, 3).
private func lanczos3(_ x: Double) -> Double {
    guard -3.0 <= x && x < 3.0 else { return 0 }
    return sinc(x) * sinc(x / 3)
}

/// Pillow's `sinc_filter`.
private func sinc(_ x: Double) -> Double {
    if x == 0 { return 1 }
    let px = x * Double.pi
    return libmSin(px) / px
}

/// Pillow's `clip8` of an accumulator: `acc >> 22` clamped to 0...255.
@inline(__always)
private func clip8(_ acc: Int32) -> UInt8 {
    let v = acc >> Int32(precisionBits)
    return v < 0 ? 0 : (v > 255 ? 255 : UInt8(truncatingIfNeeded: v))
}

/// Resizes an 8-bit grey plane as Pillow 13's `resize((outWidth, outHeight), Image.LANCZOS)` does.
func pillowResizeLanczos(
    _ src: UnsafeBufferPointer<UInt8>, width: Int, height: Int, outWidth: Int, outHeight: Int
) -> [UInt8] {
    let needH = outWidth != width
    let needV = outHeight != height
    if !needH && !needV { return Array(src) }
    if needH && !needV {
        return horizontalPass(src, width: width, height: height, outWidth: outWidth)
    }
    if needV && !needH {
        return verticalPass(src, width: width, height: height, outHeight: outHeight)
    }
    // Pillow ≥ 13 (python-pillow/Pillow#9549) runs the vertical pass first when it removes rows, more than
    // twice as many as the horizontal pass removes columns; never when it adds rows (8×8 → 32×32 is
    // horizontal first). Matched Pillow 13.0.0 on ~1,850 random geometries where the order shows.
    if outHeight < height && (height - outHeight) > 2 * (width - outWidth) {
        let mid = verticalPass(src, width: width, height: height, outHeight: outHeight)
        return mid.withUnsafeBufferPointer {
            horizontalPass($0, width: width, height: outHeight, outWidth: outWidth)
        }
    }
    let mid = horizontalPass(src, width: width, height: height, outWidth: outWidth)
    return mid.withUnsafeBufferPointer {
        verticalPass($0, width: outWidth, height: height, outHeight: outHeight)
    }
}

/// Pillow's `ImagingResampleHorizontal_8bpc` on one band.
private func horizontalPass(_ src: UnsafeBufferPointer<UInt8>, width: Int, height: Int, outWidth: Int) -> [UInt8] {
    let kernel = PillowAxisKernel(inSize: width, outSize: outWidth)
    var out = [UInt8](repeating: 0, count: outWidth * height)
    kernel.coefficients.withUnsafeBufferPointer { kk in
        out.withUnsafeMutableBufferPointer { dst in
            let s = src.baseAddress!, k = kk.baseAddress!
            for yy in 0..<height {
                let row = s + yy * width
                for xx in 0..<outWidth {
                    let taps = kernel.count[xx]
                    let p = row + kernel.start[xx]
                    let kx = k + xx * kernel.ksize
                    dst[yy * outWidth + xx] = clip8(dotU8(p, kx, taps))
                }
            }
        }
    }
    return out
}

/// Pillow's `ImagingResampleVertical_8bpc` on one band.
private func verticalPass(_ src: UnsafeBufferPointer<UInt8>, width: Int, height: Int, outHeight: Int) -> [UInt8] {
    let kernel = PillowAxisKernel(inSize: height, outSize: outHeight)
    var out = [UInt8](repeating: 0, count: width * outHeight)
    var acc = [Int32](repeating: 0, count: width)
    kernel.coefficients.withUnsafeBufferPointer { kk in
        out.withUnsafeMutableBufferPointer { dst in
            acc.withUnsafeMutableBufferPointer { a in
                let s = src.baseAddress!
                for yy in 0..<outHeight {
                    a.update(repeating: Int32(1 << (precisionBits - 1)))
                    let k = kk.baseAddress! + yy * kernel.ksize
                    let y0 = kernel.start[yy]
                    // Integer sums are exact (no overflow for 8-bit input), so accumulating row by row
                    // across all columns gives Pillow's per-pixel values.
                    for t in 0..<kernel.count[yy] {
                        let c = k[t]
                        let row = s + (y0 + t) * width
                        var x = 0
                        while x < width {
                            a[x] = a[x] &+ Int32(truncatingIfNeeded: row[x]) &* c
                            x &+= 1
                        }
                    }
                    for x in 0..<width { dst[yy * width + x] = clip8(a[x]) }
                }
            }
        }
    }
    return out
}

/// `2^21 + Σ p[t]·k[t]` in wrapping int32, as Pillow accumulates (exact: no overflow for 8-bit input).
@inline(__always)
private func dotU8(_ p: UnsafePointer<UInt8>, _ k: UnsafePointer<Int32>, _ n: Int) -> Int32 {
    // A scalar reduction the optimiser vectorises; integer sums are exact in any order.
    var acc = Int32(1 << (precisionBits - 1))
    var t = 0
    while t < n {
        acc = acc &+ Int32(truncatingIfNeeded: p[t]) &* k[t]
        t &+= 1
    }
    return acc
}
