/// The EXIF orientation tag (1–8): how the stored pixels must be transformed to appear upright.
public enum Orientation: Int, Sendable, CaseIterable, Codable {
    case up = 1, upMirrored = 2, down = 3, downMirrored = 4
    case leftMirrored = 5, right = 6, rightMirrored = 7, left = 8

    /// True when showing the image upright swaps width and height.
    public var swapsAxes: Bool { rawValue >= 5 }
}

extension Raster {
    /// The raster as a viewer shows it after honouring `orientation` (EXIF semantics).
    ///
    /// For tag 6 ("right"), the stored image must be rotated 90° clockwise; for 8, counter-clockwise;
    /// 5 is a transpose and 7 an anti-transpose.
    /// - Complexity: O(pixels).
    public func applying(_ orientation: Orientation) -> Raster {
        if orientation == .up { return self }
        let w = width, h = height, c = channels
        let outW = orientation.swapsAxes ? h : w
        let outH = orientation.swapsAxes ? w : h
        // Each orientation is an affine walk over the source, copied in 32×32 tiles so the transposing ones stay
        // cache-friendly.
        let (base, stepX, stepY) = orientation.sourceWalk(width: w, height: h, channels: c)
        let out = [UInt8](unsafeUninitializedCapacity: pixels.count) { dst, initialized in
            pixels.withUnsafeBufferPointer { srcBuffer in
                guard let src = srcBuffer.baseAddress, let d = dst.baseAddress else { return }
                let tile = 32
                for ty in stride(from: 0, to: outH, by: tile) {
                    for tx in stride(from: 0, to: outW, by: tile) {
                        for oy in ty..<min(ty + tile, outH) {
                            var s = base + tx * stepX + oy * stepY
                            var o = (oy * outW + tx) * c
                            for _ in tx..<min(tx + tile, outW) {
                                d[o] = src[s]
                                if c == 3 { d[o + 1] = src[s + 1]; d[o + 2] = src[s + 2] }
                                s += stepX
                                o += c
                            }
                        }
                    }
                }
            }
            initialized = pixels.count
        }
        return Raster(width: outW, height: outH, channels: c, pixels: out)
    }
}

extension Orientation {
    /// Where upright pixel (ox, oy) sits in the stored raster: sample `base + ox·stepX + oy·stepY` of a
    /// `width`×`height` raster of `channels` interleaved samples.
    public func sourceWalk(width w: Int, height h: Int, channels c: Int) -> (base: Int, stepX: Int, stepY: Int) {
        let row = w * c, last = (w - 1) * c, bottom = (h - 1) * row
        switch self {
        case .up: return (0, c, row)
        case .upMirrored: return (last, -c, row)
        case .down: return (bottom + last, -c, -row)
        case .downMirrored: return (bottom, c, -row)
        case .leftMirrored: return (0, row, c)
        case .right: return (bottom, -row, c)
        case .rightMirrored: return (bottom + last, -row, -c)
        case .left: return (last, row, -c)
        }
    }
}
