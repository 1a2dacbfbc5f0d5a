import CResampleKernel
package import ImageCore

// PDQ's luma + two Jarosz rounds + decimation, streaming: rows of 8-bit pixels arrive top to bottom (from a
// raster, or straight from a decoder's scanlines) and are consumed as they come, without any full-image float
// plane, transpose or second sweep over the pixels.
//
// Bit-exactness rests on each line's running sum seeing the same float32 operations in the same order as the
// reference's `box1DFloat` (add the entering sample, subtract the leaving one, divide by the current count).
// Lines are independent, so lines can run side by side:
// - along rows (sequential in x), `pdqTileRows` rows at a time run as lanes of a small interleaved tile
//   (`tile[x * lanes + r]`), which keeps one row's dependency chain while the other lanes fill the vector
//   units;
// - along columns (sequential in y), all columns of a row are lanes of one running-sum row.
// Each arriving row is converted to luma straight into the round-1 tile; a full tile is filtered along rows
// into a ring just deep enough for the column window; the column pass consumes the ring in order and writes
// its output rows straight into a round-2 tile; round 2's row pass emits only the 64 sampled columns, and its
// column pass (at the end) only the 64 sampled rows.

/// Rows filtered side by side along x (lanes of the horizontal passes).
let pdqTileRows = 16

/// The 64×64 grid PDQ hashes for a raster of at least 5×5 pixels that is not exactly 64×64.
/// - Complexity: O(pixels), with memory O(width × window) besides the raster.
package func pdqFilteredGrid(_ raster: Raster) -> [Float] {
    let filter = PDQRowFilter(width: raster.width, height: raster.height, channels: raster.channels)
    raster.pixels.withUnsafeBufferPointer { filter.append(rows: $0.baseAddress!, count: raster.height) }
    return filter.grid()
}

/// PDQ's Jarosz filter and 64×64 decimation fed row by row (rows of `width × channels` bytes, 1 or 3 channels,
/// top to bottom); `grid()` after the last row. Memory O(width × window): about 100 rows of floats.
final class PDQRowFilter {
    let width: Int, height: Int, channels: Int
    private let lanes = pdqTileRows
    private let wr: Int, wc: Int, half: Int
    private let rowsKept: [Int], colsKept: [Int]
    private let ringRows: Int
    private let ring: UnsafeMutablePointer<Float>
    private let tile: UnsafeMutablePointer<Float>        // round 1 input (luma), lanes interleaved
    private let tile2: UnsafeMutablePointer<Float>       // round 2 input
    private let laneSums: UnsafeMutablePointer<Float>
    private let lumaRow: UnsafeMutablePointer<Float>
    private let columnSums: UnsafeMutablePointer<Float>
    private let picked: UnsafeMutablePointer<Float>      // round 2 rows at the 64 sampled columns
    private var received = 0  // rows appended so far
    private var count = 0     // rows inside the column window of round 1

    /// A filter for a `width`×`height` image of `channels` (1 or 3) 8-bit samples; both sides at least 5.
    init(width: Int, height: Int, channels: Int) {
        precondition(width >= 5 && height >= 5 && (channels == 1 || channels == 3))
        self.width = width
        self.height = height
        self.channels = channels
        wr = (width + 127) / 128   // window along each row
        wc = (height + 127) / 128  // window along each column
        half = (wc + 2) / 2
        rowsKept = (0..<64).map { Int((Double($0) + 0.5) * Double(height) / 64) }
        colsKept = (0..<64).map { Int((Double($0) + 0.5) * Double(width) / 64) }
        // Ring of round-1 row-filtered rows: the column pass at input row `ri` still needs row `ri − wc`, and
        // rows arrive a tile at a time, so `wc + lanes` rows suffice; a multiple of `lanes` keeps each tile
        // contiguous.
        ringRows = lanes * ((wc + 2 * lanes - 1) / lanes)
        ring = .allocate(capacity: ringRows * width)
        tile = .allocate(capacity: width * lanes)
        tile2 = .allocate(capacity: width * lanes)
        laneSums = .allocate(capacity: lanes)
        lumaRow = .allocate(capacity: width)
        columnSums = .allocate(capacity: max(width, 64))
        let paddedHeight = lanes * ((height + lanes - 1) / lanes)
        picked = .allocate(capacity: paddedHeight * 64)
        // Lanes past the last row are never read back, but keep them finite.
        tile.initialize(repeating: 0, count: width * lanes)
        tile2.initialize(repeating: 0, count: width * lanes)
        ring.initialize(repeating: 0, count: ringRows * width)
        laneSums.initialize(repeating: 0, count: lanes)
        columnSums.initialize(repeating: 0, count: max(width, 64))
    }

    deinit {
        ring.deallocate(); tile.deallocate(); tile2.deallocate(); laneSums.deallocate(); lumaRow.deallocate()
        columnSums.deallocate(); picked.deallocate()
    }

    /// Whether every row has arrived.
    var isComplete: Bool { received == height }

    /// Consumes the next `count` rows, packed at `rows` (`width × channels` bytes each).
    func append(rows: UnsafePointer<UInt8>, count n: Int) {
        precondition(received + n <= height, "more rows than the image has")
        let rowBytes = width * channels
        for r in 0..<n {
            lumaRow(rows + r * rowBytes, into: tile + received % lanes)
            received += 1
            if received % lanes == 0 || received == height { flushTile() }
        }
    }

    /// The 64×64 grid; every row must have arrived.
    func grid() -> [Float] {
        precondition(isComplete, "PDQ grid requested before the last row")
        // Round 2 along columns, only the 64 sampled columns and rows.
        var grid = [Float](repeating: 0, count: 64 * 64)
        grid.withUnsafeMutableBufferPointer { g in
            jaroszBoxPass(picked, g.baseAddress!, steps: height, lanes: 64, window: wc, sums: columnSums,
                          outputSteps: rowsKept)
        }
        return grid
    }

    /// One row of PDQ luma (as `pdqLuma`) into lane `out` of the round-1 tile.
    @inline(__always)
    private func lumaRow(_ src: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<Float>) {
        let stride = lanes
        if channels == 1 {
            var x = 0
            while x < width {
                out[x &* stride] = Float(src[x])
                x &+= 1
            }
        } else {
            // The float64 formula runs contiguously in the C kernel (vectorised); only the scatter is here.
            ot_pdq_luma_row(src, width, lumaRow)
            var x = 0
            while x < width {
                out[x &* stride] = lumaRow[x]
                x &+= 1
            }
        }
    }

    /// Round 1 along rows for the tile just completed, then round 1 along columns for its rows (and, after the
    /// last row, the column window's tail).
    private func flushTile() {
        let y0 = (received - 1) / lanes * lanes
        let out = ring + (y0 % ringRows) * width
        let laneSums = self.laneSums, lanes = self.lanes, width = self.width
        tileBoxPass(tile, steps: width, window: wr, sums: laneSums) { oi, divisor in
            var r = 0
            while r < lanes {
                out[r &* width &+ oi] = laneSums[r] / divisor
                r &+= 1
            }
        }
        for i in y0..<received { columnStep(i) }
        if received == height {
            for i in height..<(height + half - 1) { columnStep(i) }
        }
    }

    /// Round 1 along columns at step `i` (input row `i` enters, row `i − wc` leaves), then its output row into
    /// the round-2 tile, whose full tiles run round 2 along rows at the sampled columns.
    private func columnStep(_ i: Int) {
        let li = i - wc
        let width = self.width, columnSums = self.columnSums
        if i < height {
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
        guard oi >= 0 else { return }
        let divisor = Float(count)
        let lanes = self.lanes
        let lane = oi % lanes
        let tile2 = self.tile2
        var x = 0
        while x < width {
            tile2[x &* lanes &+ lane] = columnSums[x] / divisor
            x &+= 1
        }
        if lane == lanes - 1 || oi == height - 1 {
            // Round 2 along rows, for this tile of rows, at the sampled columns only.
            let out = picked + (oi - lane) * 64
            var nextPicked = 0
            let colsKept = self.colsKept, laneSums = self.laneSums
            colsKept.withUnsafeBufferPointer { kept in
                tileBoxPass(tile2, steps: width, window: wr, sums: laneSums) { step, divisor in
                    while nextPicked < 64 && kept[nextPicked] == step {
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
