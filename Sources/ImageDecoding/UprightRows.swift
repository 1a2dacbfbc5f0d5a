public import ImageCore

extension DecodedImage {
    /// Hands the pixels with `o` applied (`orientation` gives what `upright()` returns, `.up` the stored
    /// pixels) to `consume` in chunks of up to `chunkRows` packed rows, top to bottom, after `start` has
    /// announced their shape, without making the transformed copy: each chunk is gathered from the stored
    /// raster as it is needed, so hashing a rotated photo holds one raster, not two.
    public func forEachRowChunk(
        applying o: Orientation, chunkRows: Int = ImageDecoder.defaultChunkRows,
        start: (_ width: Int, _ height: Int, _ channels: Int) -> Void,
        consume: (_ rows: UnsafePointer<UInt8>, _ count: Int) -> Void
    ) {
        let w = raster.width, h = raster.height, c = raster.channels
        let outW = o.swapsAxes ? h : w
        let outH = o.swapsAxes ? w : h
        start(outW, outH, c)
        guard outW > 0 && outH > 0 else { return }
        let chunk = max(1, chunkRows)
        raster.pixels.withUnsafeBufferPointer { srcBuffer in
            let src = srcBuffer.baseAddress!
            if o == .up {
                var y = 0
                while y < outH {
                    let n = min(chunk, outH - y)
                    consume(src + y * w * c, n)
                    y += n
                }
                return
            }
            // Upright pixel (ox, oy) is stored sample `base + ox·stepX + oy·stepY` (as `Raster.applying`).
            let (base, stepX, stepY) = o.sourceWalk(width: w, height: h, channels: c)
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk * outW * c)
            defer { buffer.deallocate() }
            var y0 = 0
            while y0 < outH {
                let n = min(chunk, outH - y0)
                // Columns in runs of 32 so that a transposing walk reads each stored row's few bytes together.
                for tx in stride(from: 0, to: outW, by: 32) {
                    let tEnd = min(tx + 32, outW)
                    for r in 0..<n {
                        var s = base + tx * stepX + (y0 + r) * stepY
                        var d = (r * outW + tx) * c
                        for _ in tx..<tEnd {
                            buffer[d] = src[s]
                            if c == 3 { buffer[d + 1] = src[s + 1]; buffer[d + 2] = src[s + 2] }
                            s += stepX
                            d += c
                        }
                    }
                }
                consume(buffer, n)
                y0 += n
            }
        }
    }
}
