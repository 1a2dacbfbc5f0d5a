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
                                    for k in xs[x]..<xs[x + 1] { acc += Float(src[row + xi[k]]) * xw[k] }
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
                                        var acc: Float = 0
                                        for k in ys[y]..<ys[y + 1] { acc += t[yi[k] * newWidth + x] * yw[k] }
                                        dst[y * newWidth + x] = UInt8(max(0, min(255, acc + 0.5)))
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

    /// Separable Gaussian blur (float kernel, edge pixels replicated).
    func gaussianBlurred(sigma: Double) -> GreyImage {
        let radius = max(1, Int((sigma * 2.5).rounded(.up)))
        var kernel = [Float](repeating: 0, count: 2 * radius + 1)
        var sum: Float = 0
        for i in -radius...radius {
            let v = Float(seriesExp(-Double(i * i) / (2 * sigma * sigma)))
            kernel[i + radius] = v
            sum += v
        }
        for i in kernel.indices { kernel[i] /= sum }
        let w = width, h = height
        var tmp = [Float](repeating: 0, count: w * h)
        var out = [UInt8](repeating: 0, count: w * h)
        pixels.withUnsafeBufferPointer { src in
            kernel.withUnsafeBufferPointer { k in
                tmp.withUnsafeMutableBufferPointer { t in
                    for y in 0..<h {
                        let row = y * w
                        for x in 0..<w {
                            var acc: Float = 0
                            for i in -radius...radius {
                                let sx = min(w - 1, max(0, x + i))
                                acc += Float(src[row + sx]) * k[i + radius]
                            }
                            t[row + x] = acc
                        }
                    }
                }
                tmp.withUnsafeBufferPointer { t in
                    out.withUnsafeMutableBufferPointer { dst in
                        for y in 0..<h {
                            for x in 0..<w {
                                var acc: Float = 0
                                for i in -radius...radius {
                                    let sy = min(h - 1, max(0, y + i))
                                    acc += t[sy * w + x] * k[i + radius]
                                }
                                dst[y * w + x] = UInt8(max(0, min(255, acc + 0.5)))
                            }
                        }
                    }
                }
            }
        }
        return GreyImage(width: w, height: h, pixels: out)
    }
}

/// `exp` for kernel weights: the pure module imports no libm, and a short series is exact enough here.
@inline(__always)
func seriesExp(_ x: Double) -> Double {
    // exp(x) = 2^(x / ln 2): split into integer and fractional parts, then a Taylor series on the fraction.
    let ln2 = 0.693_147_180_559_945_3
    let t = x / ln2
    let n = t.rounded(.down)
    let f = (t - n) * ln2
    var term = 1.0, sum = 1.0
    for i in 1...14 {
        term *= f / Double(i)
        sum += term
    }
    return sum * Double(sign: .plus, exponent: Int(n), significand: 1.0)
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
