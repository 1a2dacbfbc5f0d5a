import CFeatureKernel
public import ImageCore

/// An 8-bit single-channel working image (row-major, no padding).
package struct GreyImage {
    package let width: Int
    package let height: Int
    package var pixels: [UInt8]

    package init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Luma of a raster (BT.601 weights in 8.8 fixed point, as JPEG's YCbCr uses).
    package init(_ raster: Raster) {
        width = raster.width
        height = raster.height
        if raster.channels == 1 {
            pixels = raster.pixels
            return
        }
        let n = raster.width * raster.height
        precondition(raster.pixels.count >= 3 * n, "RGB raster too short")
        pixels = [UInt8](unsafeUninitializedCapacity: n) { dst, count in
            raster.pixels.withUnsafeBufferPointer { src in ot_feat_luma(src.baseAddress, n, dst.baseAddress) }
            count = n
        }
    }

    /// Area-averaging resize to `newWidth` x `newHeight` (downscaling only; each output pixel is the exact
    /// area-weighted mean of the source pixels it covers, which is also the anti-alias blur).
    package func areaResized(width newWidth: Int, height newHeight: Int) -> GreyImage {
        areaResized(width: newWidth, height: newHeight, transposed: transposed())
    }

    /// This image with rows and columns swapped (the pyramid's horizontal passes read columns as rows).
    package func transposed() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: width * height) { dst, count in
            ot_feat_transpose_u8(pixels, Int32(width), Int32(height), dst.baseAddress)
            count = width * height
        }
    }

    /// `areaResized` given `transposed()` of this image, so that several levels share one transpose.
    package func areaResized(width newWidth: Int, height newHeight: Int, transposed: [UInt8]) -> GreyImage {
        precondition(transposed.count == width * height && newWidth <= width && newHeight <= height && newWidth > 0 && newHeight > 0)
        let xTaps = AreaTaps(source: width, target: newWidth)
        let yTaps = AreaTaps(source: height, target: newHeight)
        // Horizontal pass into floats (along the transposed source), then vertical pass; every sum runs over its
        // taps in the same order as the original per-pixel loops.
        var col = [Float](repeating: 0, count: 8 * height)
        var acc = [Float](repeating: 0, count: newWidth)
        let tmp = [Float](unsafeUninitializedCapacity: newWidth * height) { t, count in
            ot_feat_area_h(transposed, Int32(width), Int32(height), Int32(newWidth), xTaps.start, xTaps.index,
                           xTaps.weight, &col, t.baseAddress)
            count = newWidth * height
        }
        let nw = Int32(newWidth), nh = Int32(newHeight)
        let out = [UInt8](unsafeUninitializedCapacity: newWidth * newHeight) { dst, count in
            ot_feat_area_v(tmp, nw, nh, yTaps.start, yTaps.index, yTaps.weight, &acc, dst.baseAddress)
            count = newWidth * newHeight
        }
        return GreyImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// Separable Gaussian blur with σ ≈ 2 (9 integer taps summing to 256), edges replicated.
    package func gaussianBlurredSigma2() -> GreyImage {
        let w = width, h = height
        guard w >= 9, h >= 9 else { return self }
        var tmp = [UInt16](unsafeUninitializedCapacity: w * h) { _, count in count = w * h }
        let out = [UInt8](unsafeUninitializedCapacity: w * h) { dst, count in
            ot_feat_blur9(pixels, Int32(w), Int32(h), &tmp, dst.baseAddress)
            count = w * h
        }
        return GreyImage(width: w, height: h, pixels: out)
    }
}

/// Precomputed taps of a 1-D area-averaging resampler, in CSR form.
package struct AreaTaps {
    package var start: [Int32] = [0]
    package var index: [Int32] = []
    package var weight: [Float] = []

    package init(source: Int, target: Int) {
        let scale = Double(source) / Double(target)
        for o in 0..<target {
            let lo = Double(o) * scale, hi = Double(o + 1) * scale
            var i = Int(lo.rounded(.down))
            while Double(i) < hi && i < source {
                let overlap = min(hi, Double(i + 1)) - max(lo, Double(i))
                if overlap > 1e-9 {
                    index.append(Int32(i))
                    weight.append(Float(overlap / scale))
                }
                i += 1
            }
            start.append(Int32(index.count))
        }
    }
}

extension GreyImage {
    /// Bilinear resize (used only for upsampling small inputs).
    package func bilinearResized(width newWidth: Int, height newHeight: Int) -> GreyImage {
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
