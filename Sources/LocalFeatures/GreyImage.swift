import ImageCore

/// An 8-bit single-channel working image (row-major, no padding).
struct GreyImage {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Luma of a raster (BT.601 weights in 8.8 fixed point, as JPEG's YCbCr uses).
    init(_ raster: Raster) {
        width = raster.width
        height = raster.height
        if raster.channels == 1 {
            pixels = raster.pixels
            return
        }
        let n = raster.width * raster.height
        var out = [UInt8](repeating: 0, count: n)
        raster.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let r = UInt32(src[3 * i]), g = UInt32(src[3 * i + 1]), b = UInt32(src[3 * i + 2])
                    dst[i] = UInt8(truncatingIfNeeded: (77 * r + 150 * g + 29 * b + 128) >> 8)
                }
            }
        }
        pixels = out
    }

    /// Area-averaging resize to `newWidth` x `newHeight` (downscaling only; each output pixel is the exact
    /// area-weighted mean of the source pixels it covers, which is also the anti-alias blur).
    func areaResized(width newWidth: Int, height newHeight: Int) -> GreyImage {
        let xTaps = AreaTaps(source: width, target: newWidth)
        let yTaps = AreaTaps(source: height, target: newHeight)
        // Horizontal pass into floats, then vertical pass.
        var tmp = [Float](repeating: 0, count: newWidth * height)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        pixels.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { t in
                xTaps.index.withUnsafeBufferPointer { xi in
                    xTaps.weight.withUnsafeBufferPointer { xw in
                        xTaps.start.withUnsafeBufferPointer { xs in
                            for y in 0..<height {
                                let row = y * width
                                for x in 0..<newWidth {
                                    var acc: Float = 0
                                    var k = xs[x]
                                    let e = xs[x + 1]
                                    while k < e { acc += Float(src[row + xi[k]]) * xw[k]; k += 1 }
                                    t[y * newWidth + x] = acc
                                }
                            }
                        }
                    }
                }
            }
            tmp.withUnsafeBufferPointer { t in
                out.withUnsafeMutableBufferPointer { dst in
                    yTaps.index.withUnsafeBufferPointer { yi in
                        yTaps.weight.withUnsafeBufferPointer { yw in
                            yTaps.start.withUnsafeBufferPointer { ys in
                                for y in 0..<newHeight {
                                    for x in 0..<newWidth {
                                        var acc: Float = 0.5
                                        var k = ys[y]
                                        let e = ys[y + 1]
                                        while k < e { acc += t[yi[k] * newWidth + x] * yw[k]; k += 1 }
                                        dst[y * newWidth + x] = acc >= 255 ? 255 : (acc <= 0 ? 0 : UInt8(acc))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return GreyImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// Separable Gaussian blur with σ ≈ 2 (9 integer taps summing to 256), edges replicated.
    ///
    /// Fixed integer taps, unrolled: this runs on every pyramid level, and also has to be tolerable in
    /// unoptimised (debug) builds.
    func gaussianBlurredSigma2() -> GreyImage {
        let w = width, h = height
        guard w >= 9, h >= 9 else { return self }
        var tmp = [UInt16](repeating: 0, count: w * h)
        var out = [UInt8](repeating: 0, count: w * h)
        // exp(-i²/8) scaled to 256: 7, 17, 32, 47, 50 (centre), symmetric.
        pixels.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { t in
                var y = 0
                while y < h {
                    let row = y * w
                    var x = 0
                    while x < w {
                        var acc: UInt32
                        if x >= 4 && x < w - 4 {
                            let p = row + x
                            acc = 7 * (UInt32(src[p - 4]) + UInt32(src[p + 4]))
                                + 17 * (UInt32(src[p - 3]) + UInt32(src[p + 3]))
                                + 32 * (UInt32(src[p - 2]) + UInt32(src[p + 2]))
                                + 47 * (UInt32(src[p - 1]) + UInt32(src[p + 1])) + 50 * UInt32(src[p])
                        } else {
                            acc = 0
                            for i in -4...4 {
                                let sx = x + i < 0 ? 0 : (x + i >= w ? w - 1 : x + i)
                                acc += UInt32(Self.taps[i + 4]) * UInt32(src[row + sx])
                            }
                        }
                        // Carry 4 fractional bits between the passes (255 · 16 fits UInt16).
                        t[row + x] = UInt16((acc + 8) >> 4)
                        x += 1
                    }
                    y += 1
                }
            }
            tmp.withUnsafeBufferPointer { t in
                out.withUnsafeMutableBufferPointer { dst in
                    var y = 0
                    while y < h {
                        let interior = y >= 4 && y < h - 4
                        var x = 0
                        while x < w {
                            var acc: UInt32
                            let p = y * w + x
                            if interior {
                                acc = 7 * (UInt32(t[p - 4 * w]) + UInt32(t[p + 4 * w]))
                                    + 17 * (UInt32(t[p - 3 * w]) + UInt32(t[p + 3 * w]))
                                    + 32 * (UInt32(t[p - 2 * w]) + UInt32(t[p + 2 * w]))
                                    + 47 * (UInt32(t[p - w]) + UInt32(t[p + w])) + 50 * UInt32(t[p])
                            } else {
                                acc = 0
                                for i in -4...4 {
                                    let sy = y + i < 0 ? 0 : (y + i >= h ? h - 1 : y + i)
                                    acc += UInt32(Self.taps[i + 4]) * UInt32(t[sy * w + x])
                                }
                            }
                            // 256 (taps) · 16 (carried fraction) = 4096.
                            let v = (acc + 2048) >> 12
                            dst[p] = UInt8(v > 255 ? 255 : v)
                            x += 1
                        }
                        y += 1
                    }
                }
            }
        }
        return GreyImage(width: w, height: h, pixels: out)
    }

    static let taps: [UInt16] = [7, 17, 32, 47, 50, 47, 32, 17, 7]
}

/// Precomputed taps of a 1-D area-averaging resampler, in CSR form.
struct AreaTaps {
    var start: [Int] = [0]
    var index: [Int] = []
    var weight: [Float] = []

    init(source: Int, target: Int) {
        let scale = Double(source) / Double(target)
        for o in 0..<target {
            let lo = Double(o) * scale, hi = Double(o + 1) * scale
            var i = Int(lo.rounded(.down))
            while Double(i) < hi && i < source {
                let overlap = min(hi, Double(i + 1)) - max(lo, Double(i))
                if overlap > 1e-9 {
                    index.append(i)
                    weight.append(Float(overlap / scale))
                }
                i += 1
            }
            start.append(index.count)
        }
    }
}

extension GreyImage {
    /// Bilinear resize (used only for upsampling small inputs).
    func bilinearResized(width newWidth: Int, height newHeight: Int) -> GreyImage {
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        let sx = Double(width) / Double(newWidth), sy = Double(height) / Double(newHeight)
        let w = width, h = height
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<newHeight {
                    let fy = max(0, min(Double(h - 1), (Double(y) + 0.5) * sy - 0.5))
                    let y0 = Int(fy), y1 = min(h - 1, y0 + 1)
                    let ty = Float(fy - Double(y0))
                    for x in 0..<newWidth {
                        let fx = max(0, min(Double(w - 1), (Double(x) + 0.5) * sx - 0.5))
                        let x0 = Int(fx), x1 = min(w - 1, x0 + 1)
                        let tx = Float(fx - Double(x0))
                        let a = Float(src[y0 * w + x0]), b = Float(src[y0 * w + x1])
                        let c = Float(src[y1 * w + x0]), d = Float(src[y1 * w + x1])
                        let v = (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty
                        dst[y * newWidth + x] = UInt8(max(0, min(255, v + 0.5)))
                    }
                }
            }
        }
        return GreyImage(width: newWidth, height: newHeight, pixels: out)
    }
}
