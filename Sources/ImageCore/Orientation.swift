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
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        // Source coordinates of output pixel (ox, oy).
                        let sx: Int, sy: Int
                        switch orientation {
                        case .up: sx = ox; sy = oy
                        case .upMirrored: sx = w - 1 - ox; sy = oy
                        case .down: sx = w - 1 - ox; sy = h - 1 - oy
                        case .downMirrored: sx = ox; sy = h - 1 - oy
                        case .leftMirrored: sx = oy; sy = ox
                        case .right: sx = oy; sy = h - 1 - ox
                        case .rightMirrored: sx = w - 1 - oy; sy = h - 1 - ox
                        case .left: sx = w - 1 - oy; sy = ox
                        }
                        let s = (sy * w + sx) * c, d = (oy * outW + ox) * c
                        for k in 0..<c { dst[d + k] = src[s + k] }
                    }
                }
            }
        }
        return Raster(width: outW, height: outH, channels: c, pixels: out)
    }
}
