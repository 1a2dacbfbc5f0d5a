import CResampleKernel
public import ImageCore

// PDQ's luma + two Jarosz rounds + decimation in one streaming pass over the RGB raster, without any
// full-image float plane or transpose.
//
// Bit-exactness rests on each line's running sum seeing the same float32 operations in the same order as the
// reference's `box1DFloat` (add the entering sample, subtract the leaving one, divide by the current count).
// Lines are independent, so lines can run side by side:
// - along rows (sequential in x), `pdqTileRows` rows at a time run as lanes of a small interleaved tile
//   (`tile[x * lanes + r]`), which keeps one row's dependency chain while the other lanes fill the vector
//   units;
// - along columns (sequential in y), all columns of a row are lanes of one running-sum row.
// Round 1's row pass produces rows into a ring just deep enough for the column window; the column pass
// consumes them in order and writes its output rows straight into a round-2 tile; round 2's row pass emits
// only the 64 sampled columns, and its column pass only the 64 sampled rows.

/// Rows filtered side by side along x (lanes of the horizontal passes).
let pdqTileRows = 16

/// The 64×64 grid PDQ hashes for a raster of at least 5×5 pixels that is not exactly 64×64.
/// - Complexity: O(pixels), with memory O(width × window) besides the raster.
package func pdqFilteredGrid(_ raster: Raster) -> [Float] {
    let width = raster.width, height = raster.height
    let lanes = pdqTileRows
    let wr = (width + 127) / 128   // window along each row
    let wc = (height + 127) / 128  // window along each column
    let rowsKept = (0..<64).map { Int((Double($0) + 0.5) * Double(height) / 64) }
    let colsKept = (0..<64).map { Int((Double($0) + 0.5) * Double(width) / 64) }

    // Ring of round-1 row-filtered rows: the column pass at input row `ri` still needs row `ri − wc`, and rows
    // arrive a tile at a time, so `wc + lanes` rows suffice; a multiple of `lanes` keeps each tile contiguous.
    let ringRows = lanes * ((wc + 2 * lanes - 1) / lanes)
    let ring = UnsafeMutablePointer<Float>.allocate(capacity: ringRows * width)
    let tile = UnsafeMutablePointer<Float>.allocate(capacity: width * lanes)       // round 1 input (luma)
    let tile2 = UnsafeMutablePointer<Float>.allocate(capacity: width * lanes)      // round 2 input
    let laneSums = UnsafeMutablePointer<Float>.allocate(capacity: lanes)
    let lumaRow = UnsafeMutablePointer<Float>.allocate(capacity: width)
    let columnSums = UnsafeMutablePointer<Float>.allocate(capacity: max(width, 64))
    let paddedHeight = lanes * ((height + lanes - 1) / lanes)
    let picked = UnsafeMutablePointer<Float>.allocate(capacity: paddedHeight * 64)  // round 2 rows, 64 columns
    defer {
        ring.deallocate(); tile.deallocate(); tile2.deallocate(); laneSums.deallocate(); lumaRow.deallocate(); columnSums.deallocate(); picked.deallocate()
    }
    // Lanes past the last row are never read back, but keep them finite.
    tile.initialize(repeating: 0, count: width * lanes)
    tile2.initialize(repeating: 0, count: width * lanes)
    ring.initialize(repeating: 0, count: ringRows * width)

    var produced = 0  // round-1 rows written into the ring so far
    raster.pixels.withUnsafeBufferPointer { pixelBuffer in
        let pixels = pixelBuffer.baseAddress!
        /// Round 1 along rows for the tile of rows starting at `produced`.
        func produceTile() {
            let y0 = produced
            let rows = min(lanes, height - y0)
            for r in 0..<rows {
                pdqLumaRow(pixels, raster: raster, row: y0 + r, into: tile + r, stride: lanes, scratch: lumaRow)
            }
            let out = ring + (y0 % ringRows) * width
            tileBoxPass(tile, steps: width, window: wr, sums: laneSums) { oi, divisor in
                var r = 0
                while r < lanes {
                    out[r &* width &+ oi] = laneSums[r] / divisor
                    r &+= 1
                }
            }
            produced += lanes
        }

        // Round 1 along columns, streaming; each output row goes into lane `oi % lanes` of the round-2 tile.
        columnSums.initialize(repeating: 0, count: width)
        let half = (wc + 2) / 2
        var count = 0
        var nextPicked = 0  // first column index of colsKept not yet emitted, per round-2 tile
        for i in 0..<(height + half - 1) {
            let li = i - wc
            if i < height {
                if i >= produced { produceTile() }
                let a = ring + (i % ringRows) * width
                if li >= 0 {
                    let b = ring + (li % ringRows) * width
                    var x = 0
                    while x < width {
                        // Two roundings, in the reference's order.
                        let added = columnSums[x] + a[x]
                        columnSums[x] = added - b[x]
                        x &+= 1
                    }
                } else {
                    var x = 0
                    while x < width {
                        columnSums[x] = columnSums[x] + a[x]
                        x &+= 1
                    }
                    count += 1
                }
            } else {
                let b = ring + (li % ringRows) * width
                var x = 0
                while x < width {
                    columnSums[x] = columnSums[x] - b[x]
                    x &+= 1
                }
                count -= 1
            }
            let oi = i - half + 1
            guard oi >= 0 else { continue }
            let divisor = Float(count)
            let lane = oi % lanes
            var x = 0
            while x < width {
                tile2[x &* lanes &+ lane] = columnSums[x] / divisor
                x &+= 1
            }
            if lane == lanes - 1 || oi == height - 1 {
                // Round 2 along rows, for this tile of rows, at the sampled columns only.
                let out = picked + (oi - lane) * 64
                nextPicked = 0
                tileBoxPass(tile2, steps: width, window: wr, sums: laneSums) { step, divisor in
                    while nextPicked < 64 && colsKept[nextPicked] == step {
                        var r = 0
                        while r < lanes {
                            out[r &* 64 &+ nextPicked] = laneSums[r] / divisor
                            r &+= 1
                        }
                        nextPicked += 1
                    }
                }
            }
        }
    }
    // Round 2 along columns, only the 64 sampled columns and rows.
    var grid = [Float](repeating: 0, count: 64 * 64)
    grid.withUnsafeMutableBufferPointer { g in
        jaroszBoxPass(picked, g.baseAddress!, steps: height, lanes: 64, window: wc, sums: columnSums,
                      outputSteps: rowsKept)
    }
    return grid
}

/// One row of PDQ luma (as `pdqLuma`), written to `out[x * stride]`; `scratch` holds `width` floats.
@inline(__always)
private func pdqLumaRow(
    _ pixels: UnsafePointer<UInt8>, raster: Raster, row: Int, into out: UnsafeMutablePointer<Float>, stride: Int,
    scratch: UnsafeMutablePointer<Float>
) {
    let width = raster.width
    if raster.channels == 1 {
        let src = pixels + row * width
        var x = 0
        while x < width {
            out[x &* stride] = Float(src[x])
            x &+= 1
        }
    } else {
        // The float64 formula runs contiguously in the C kernel (vectorised); only the scatter is here.
        ot_pdq_luma_row(pixels + row * width * 3, width, scratch)
        var x = 0
        while x < width {
            out[x &* stride] = scratch[x]
            x &+= 1
        }
    }
}

/// The reference's 1-D box over `steps` positions for `pdqTileRows` lines interleaved in `tile`
/// (`tile[step * lanes + lane]`); `emit(step, count)` runs once per output position, in order, with the
/// running sums in `sums`.
@inline(__always)
private func tileBoxPass(
    _ tile: UnsafePointer<Float>, steps n: Int, window w: Int, sums: UnsafeMutablePointer<Float>,
    emit: (Int, Float) -> Void
) {
    let lanes = pdqTileRows
    sums.update(repeating: 0, count: lanes)
    let half = (w + 2) / 2
    var count = 0
    for i in 0..<(n + half - 1) {
        let li = i - w
        if i < n {
            let a = tile + i &* lanes
            if li >= 0 {
                let b = tile + li &* lanes
                var l = 0
                while l < lanes {
                    let added = sums[l] + a[l]
                    sums[l] = added - b[l]
                    l &+= 1
                }
            } else {
                var l = 0
                while l < lanes {
                    sums[l] = sums[l] + a[l]
                    l &+= 1
                }
                count += 1
            }
        } else {
            let b = tile + li &* lanes
            var l = 0
            while l < lanes {
                sums[l] = sums[l] - b[l]
                l &+= 1
            }
            count -= 1
        }
        let oi = i - half + 1
        if oi >= 0 { emit(oi, Float(count)) }
    }
}
