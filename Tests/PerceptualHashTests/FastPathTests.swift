import ImageCore
import PerceptualHash
import Testing

/// The streamed, tiled fast paths against plain textbook statements of the same float operations, on
/// geometries the anchor images do not cover (edges of tiles, rings and windows).
@Suite struct FastPathTests {
    /// Deterministic pseudo-random pixels (SplitMix64), so a failure reproduces.
    static func noiseRaster(width: Int, height: Int, channels: Int, seed: UInt64) -> Raster {
        var state = seed
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for i in pixels.indices {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            // Smooth-ish content with noise, so box sums are not all alike.
            let x = (i / channels) % width, y = (i / channels) / width
            pixels[i] = UInt8(truncatingIfNeeded: (x * 7 + y * 3) & 0xFF) &+ UInt8(truncatingIfNeeded: z >> 60)
        }
        return Raster(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The reference's `box1DFloat` on one line with stride, written as its four phases.
    static func box1D(_ input: [Float], _ output: inout [Float], start: Int, stride: Int, n: Int, w: Int) {
        let half = (w + 2) / 2
        var sum: Float = 0, count: Float = 0
        var li = 0, ri = 0, oi = 0
        for _ in 0..<(half - 1) { sum += input[start + ri * stride]; count += 1; ri += 1 }
        for _ in 0..<(w - half + 1) {
            sum += input[start + ri * stride]; count += 1
            output[start + oi * stride] = sum / count
            ri += 1; oi += 1
        }
        for _ in 0..<(n - w) {
            sum += input[start + ri * stride]
            sum -= input[start + li * stride]
            output[start + oi * stride] = sum / count
            li += 1; ri += 1; oi += 1
        }
        for _ in 0..<(half - 1) {
            sum -= input[start + li * stride]; count -= 1
            output[start + oi * stride] = sum / count
            li += 1; oi += 1
        }
    }

    /// Whole-image Jarosz filter and decimation, as the C++ reference runs it.
    static func referenceGrid(_ raster: Raster) -> [Float] {
        let w = raster.width, h = raster.height
        var a = pdqLuma(raster)!
        var b = a
        let wr = (w + 127) / 128, wc = (h + 127) / 128
        for _ in 0..<2 {
            for y in 0..<h { box1D(a, &b, start: y * w, stride: 1, n: w, w: wr) }
            for x in 0..<w { box1D(b, &a, start: x, stride: w, n: h, w: wc) }
        }
        var grid = [Float](repeating: 0, count: 4096)
        for i in 0..<64 {
            let y = Int((Double(i) + 0.5) * Double(h) / 64)
            for j in 0..<64 {
                grid[64 * i + j] = a[y * w + Int((Double(j) + 0.5) * Double(w) / 64)]
            }
        }
        return grid
    }

    @Test(arguments: [
        (5, 5, 3), (6, 9, 1), (63, 17, 3), (130, 40, 1), (257, 300, 3), (300, 257, 3), (129, 1000, 1),
        (1000, 129, 3), (640, 33, 3),
    ])
    func streamedPDQFilterEqualsWholeImageReference(_ size: (Int, Int, Int)) {
        let raster = Self.noiseRaster(width: size.0, height: size.1, channels: size.2, seed: UInt64(size.0 * 1000 + size.1))
        let fast = pdqFilteredGrid(raster)
        let reference = Self.referenceGrid(raster)
        #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern))
    }

    /// Flat areas are where PyWavelets' rounding decides whash bits, so mix flat bands with noise.
    @Test(arguments: [8, 16, 64, 256])
    func blockedWaveletBandEqualsWholePlane(_ side: Int) {
        let noise = Self.noiseRaster(width: side, height: side, channels: 1, seed: UInt64(side)).pixels
        let grey = noise.indices.map { i in (i / side) % 3 == 0 ? UInt8(200) : noise[i] }
        let level = side.trailingZeroBitCount - 3
        let plane = DoublePlane(values: grey.map { Double($0) / 255 }, rows: side, cols: side)
        let whole = whashLowBand(plane, level: level)
        let blocked = grey.withUnsafeBufferPointer { whashLowBandBlocked($0.baseAddress!, side: side, level: level) }
        #expect(blocked.map(\.bitPattern) == whole.map(\.bitPattern))
    }
}
