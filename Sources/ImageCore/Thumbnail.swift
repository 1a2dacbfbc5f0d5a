extension Raster {
    /// A copy no larger than `maxSide` on its longer side, by area averaging (box filter), aspect kept.
    ///
    /// For display only (evidence sheets); never used for hashing.
    /// - Complexity: O(pixels).
    public func thumbnail(maxSide: Int) -> Raster {
        let longest = Swift.max(width, height)
        guard longest > maxSide, maxSide > 0 else { return self }
        let outW = Swift.max(1, width * maxSide / longest), outH = Swift.max(1, height * maxSide / longest)
        var out = [UInt8](repeating: 0, count: outW * outH * channels)
        pixels.withUnsafeBufferPointer { src in
            for oy in 0..<outH {
                let y0 = oy * height / outH, y1 = Swift.max(y0 + 1, (oy + 1) * height / outH)
                for ox in 0..<outW {
                    let x0 = ox * width / outW, x1 = Swift.max(x0 + 1, (ox + 1) * width / outW)
                    for c in 0..<channels {
                        var sum = 0
                        for y in y0..<y1 {
                            var i = (y * width + x0) * channels + c
                            for _ in x0..<x1 { sum += Int(src[i]); i += channels }
                        }
                        let n = (y1 - y0) * (x1 - x0)
                        out[(oy * outW + ox) * channels + c] = UInt8((sum + n / 2) / n)
                    }
                }
            }
        }
        return Raster(width: outW, height: outH, channels: channels, pixels: out)
    }
}
