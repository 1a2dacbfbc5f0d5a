import CResampleKernel
package import ImageCore

// PDQ's luma + two Jarosz rounds + decimation, streaming: rows of 8-bit pixels arrive top to bottom (from a
// raster, or straight from a decoder's scanlines) and are consumed as they come, without any full-image float
// plane or second sweep over the pixels.
//
// Bit-exactness rests on each line's running sum seeing the same float32 operations in the same order as the
// reference's `box1DFloat` (add the entering sample, subtract the leaving one, divide by the current count).
// Lines are independent, so lines can run side by side:
// - along rows (sequential in x), `pdqTileRows` rows at a time run as lanes of a small interleaved tile
//   (`tile[x * lanes + r]`), which keeps one row's dependency chain while the other lanes fill the vector
//   units; rows go in and out of that layout by 8×8 register transposes, a tile at a time (cache-resident);
// - along columns (sequential in y), all columns of a row are lanes of one running-sum row.
// Round 1 along rows fills a ring just deep enough for the column window; the column pass consumes it in
// order and writes its output rows into a round-2 tile; round 2's row pass emits only the 64 sampled columns,
// and its column pass (at the end) only the 64 sampled rows.

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
///
/// Rows are converted to luma into a row-major tile; a full tile is interleaved (16 rows as the lanes of each
/// step, `CResampleKernel`'s 8×8 transposes), filtered along rows, and de-interleaved into the ring; the column
/// pass writes its rows into a second row-major tile, which is interleaved again for round 2 along rows at the
/// sampled columns only. The passes themselves are C loops compiled per CPU (AVX2 where present).
final class PDQRowFilter {
    let width: Int, height: Int, channels: Int
    private let lanes = pdqTileRows
    private let wr: Int, wc: Int, half: Int
    private let rowsKept: [Int]
    private let colsKept: [Int32]
    private let ringRows: Int
    private let ring: UnsafeMutablePointer<Float>
    private let lumaRows: UnsafeMutablePointer<Float>    // round 1 input, row-major (16 rows)
    private let tile: UnsafeMutablePointer<Float>        // the same, interleaved
    private let boxed: UnsafeMutablePointer<Float>       // round 1 along rows, interleaved
    private let tile2Rows: UnsafeMutablePointer<Float>   // round 1 along columns, row-major (16 rows)
    private let tile2: UnsafeMutablePointer<Float>       // the same, interleaved
    private let sampled: UnsafeMutablePointer<Float>     // round 2 along rows at the 64 columns, interleaved
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
        colsKept = (0..<64).map { Int32((Double($0) + 0.5) * Double(width) / 64) }
        // Ring of round-1 row-filtered rows: the column pass at input row `ri` still needs row `ri − wc`, and
        // rows arrive a tile at a time, so `wc + lanes` rows suffice; a multiple of `lanes` keeps each tile
        // contiguous.
        ringRows = lanes * ((wc + 2 * lanes - 1) / lanes)
        let tileSize = width * lanes
        ring = .allocate(capacity: ringRows * width)
        lumaRows = .allocate(capacity: tileSize)
        tile = .allocate(capacity: tileSize)
        boxed = .allocate(capacity: tileSize)
        tile2Rows = .allocate(capacity: tileSize)
        tile2 = .allocate(capacity: tileSize)
        sampled = .allocate(capacity: 64 * lanes)
        columnSums = .allocate(capacity: max(width, 64))
        let paddedHeight = lanes * ((height + lanes - 1) / lanes)
        picked = .allocate(capacity: paddedHeight * 64)
        // Lanes past the last row are never read back, but keep them finite.
        for buffer in [lumaRows, tile, boxed, tile2Rows, tile2] { buffer.initialize(repeating: 0, count: tileSize) }
        ring.initialize(repeating: 0, count: ringRows * width)
        columnSums.initialize(repeating: 0, count: max(width, 64))
    }

    deinit {
        for buffer in [ring, lumaRows, tile, boxed, tile2Rows, tile2, sampled, columnSums, picked] { buffer.deallocate() }
    }

    /// Whether every row has arrived.
    var isComplete: Bool { received == height }

    /// Consumes the next `count` rows, packed at `rows` (`width × channels` bytes each).
    func append(rows: UnsafePointer<UInt8>, count n: Int) {
        precondition(received + n <= height, "more rows than the image has")
        let rowBytes = width * channels
        for r in 0..<n {
            let src = rows + r * rowBytes
            let dst = lumaRows + (received % lanes) * width
            if channels == 1 {
                var x = 0
                while x < width {
                    dst[x] = Float(src[x])
                    x &+= 1
                }
            } else {
                // The reference's float64 formula, vectorised in the C kernel.
                ot_pdq_luma_row(src, width, dst)
            }
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

    /// Round 1 along rows for the tile just completed, then round 1 along columns for its rows (and, after the
    /// last row, the column window's tail).
    private func flushTile() {
        let y0 = (received - 1) / lanes * lanes
        ot_pdq_interleave16(lumaRows, Int32(width), tile)
        ot_pdq_box16(tile, Int32(width), Int32(wr), boxed)
        ot_pdq_deinterleave16(boxed, Int32(width), ring + (y0 % ringRows) * width)
        for i in y0..<received { columnStep(i) }
        if received == height {
            for i in height..<(height + half - 1) { columnStep(i) }
        }
    }

    /// Round 1 along columns at step `i` (input row `i` enters, row `i − wc` leaves), then its output row into
    /// the round-2 tile, whose full tiles run round 2 along rows at the sampled columns.
    private func columnStep(_ i: Int) {
        let li = i - wc
        let enter: UnsafeMutablePointer<Float>? = i < height ? ring + (i % ringRows) * width : nil
        let leave: UnsafeMutablePointer<Float>? = li >= 0 ? ring + (li % ringRows) * width : nil
        if enter != nil && leave == nil { count += 1 }
        if enter == nil { count -= 1 }
        let oi = i - half + 1
        let lane = oi >= 0 ? oi % lanes : 0
        ot_pdq_column_step(columnSums, enter, leave, Int32(width), Float(count),
                           oi >= 0 ? tile2Rows + lane * width : nil)
        guard oi >= 0, lane == lanes - 1 || oi == height - 1 else { return }
        // Round 2 along rows, for this tile of rows, at the sampled columns only.
        ot_pdq_interleave16(tile2Rows, Int32(width), tile2)
        colsKept.withUnsafeBufferPointer { kept in
            ot_pdq_box16_sampled(tile2, Int32(width), Int32(wr), kept.baseAddress, 64, sampled)
        }
        let out = picked + (oi - lane) * 64
        for k in 0..<64 {
            for r in 0..<lanes { out[r * 64 + k] = sampled[k * lanes + r] }
        }
    }
}
