import CResampleKernel
public import ImageCore

/// Why a hash could not be computed.
public struct PerceptualHashError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case emptyRaster
    }

    private let kind: Kind

    /// The raster has no pixels, so there is nothing to resample (imagehash cannot hash it either).
    public static let emptyRaster = PerceptualHashError(kind: .emptyRaster)

    /// A one-line explanation.
    public var description: String {
        switch kind {
        case .emptyRaster: "the image has no pixels"
        }
    }
}

/// Pillow's `convert('L')`: `(19595·R + 38470·G + 7471·B + 0x8000) >> 16`; grey rasters are used as is.
func pillowLuma(_ raster: Raster) -> [UInt8] {
    if raster.channels == 1 { return raster.pixels }
    let n = raster.pixelCount
    return [UInt8](unsafeUninitializedCapacity: n) { dst, initialized in
        raster.pixels.withUnsafeBufferPointer { ot_pillow_luma_u8($0.baseAddress, n, dst.baseAddress) }
        initialized = n
    }
}

/// An 8-bit grey plane (Pillow "L") that the imagehash-family hashes resample.
package struct GreyPlane {
    var pixels: [UInt8]
    var width: Int
    var height: Int

    init(_ raster: Raster) throws(PerceptualHashError) {
        guard raster.width > 0 && raster.height > 0 else { throw .emptyRaster }
        pixels = pillowLuma(raster)
        width = raster.width
        height = raster.height
    }

    /// Pillow `resize((w, h), LANCZOS)`.
    func resized(width w: Int, height h: Int) -> [UInt8] {
        pixels.withUnsafeBufferPointer {
            pillowResizeLanczos($0, width: width, height: height, outWidth: w, outHeight: h)
        }
    }

    /// imagehash `average_hash`: 8×8, bit = pixel > mean (compared exactly in integers).
    func averageHash() -> Hash64 {
        Self.averageBits(resized(width: 8, height: 8))
    }

    /// aHash bits of an 8×8 grid.
    static func averageBits(_ p: [UInt8]) -> Hash64 {
        let sum = p.reduce(0) { $0 + Int($1) }
        return Hash64(elements: p.lazy.map { 64 * Int($0) > sum })
    }

    /// imagehash `dhash`: 9 wide × 8 high, bit = right neighbour brighter.
    func differenceHash() -> Hash64 {
        Self.differenceBits(resized(width: 9, height: 8))
    }

    /// dhash bits of a 9-wide, 8-high grid.
    static func differenceBits(_ p: [UInt8]) -> Hash64 {
        Hash64(elements: (0..<64).lazy.map { e in
            let r = e / 8, c = e % 8
            return p[9 * r + c + 1] > p[9 * r + c]
        })
    }

    /// dhash of the image after each dihedral transform, from two small resizes.
    ///
    /// Transforms that keep the axes (orig, rot180, flipx, flipy) transform the 9×8 grid imagehash uses, so
    /// `orig` is exact; the others transform an 8-wide, 9-high grid of the untransformed image. Pillow's
    /// resize does not commute exactly with flips and rotations, so entries other than `orig` can differ by
    /// a bit or two from hashing the physically transformed image.
    func differenceHashDihedral() -> [Hash64] {
        let wide = resized(width: 9, height: 8)
        let tall = resized(width: 8, height: 9)
        return PDQDihedral.allCases.map { t in
            let swapsAxes = t.swapsAxes
            let grid = Raster(width: swapsAxes ? 8 : 9, height: swapsAxes ? 9 : 8, channels: 1,
                              pixels: swapsAxes ? tall : wide)
            return Self.differenceBits(grid.applying(t.orientation).pixels)
        }
    }

    /// imagehash `phash`: 32×32, unnormalised DCT-II on both axes, top-left 8×8 (DC kept) > median.
    func perceptualHash() -> Hash64 {
        Self.perceptualBits(resized(width: 32, height: 32))
    }

    /// phash of the image after each dihedral transform: the 32×32 grid is resized once and transformed.
    ///
    /// `orig` is exact; the others can differ by a bit or two from hashing the physically transformed image,
    /// because Pillow's resize does not commute exactly with flips and rotations.
    func perceptualHashDihedral() -> [Hash64] {
        let grid = Raster(width: 32, height: 32, channels: 1, pixels: resized(width: 32, height: 32))
        return PDQDihedral.allCases.map { Self.perceptualBits(grid.applying($0.orientation).pixels) }
    }

    /// phash bits of a 32×32 grid.
    package static func perceptualBits(_ p: [UInt8]) -> Hash64 {
        let low = perceptualLowBand(p)
        let sorted = low.sorted()
        let median = (sorted[31] + sorted[32]) / 2
        return Hash64(elements: low.lazy.map { $0 > median })
    }

    /// `C[:8, :8]` of scipy's `C = dct(dct(p, axis=0), axis=1)` on a 32×32 grid, row-major, bit for bit.
    package static func perceptualLowBand(_ p: [UInt8]) -> [Double] {
        // Every column, then only the 8 rows phash keeps.
        var rows = [Double](repeating: 0, count: 8 * 32)   // rows[k * 32 + x]
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 32) { line in
            for x in 0..<32 {
                for y in 0..<32 { line[y] = Double(p[32 * y + x]) }
                ScipyDCT32.transform(line.baseAddress!)
                for k in 0..<8 { rows[32 * k + x] = line[k] }
            }
        }
        var low = [Double](repeating: 0, count: 64)
        rows.withUnsafeMutableBufferPointer { r in
            for k in 0..<8 {
                ScipyDCT32.transform(r.baseAddress! + 32 * k)
                for l in 0..<8 { low[8 * k + l] = r[32 * k + l] }
            }
        }
        return low
    }

    /// imagehash `whash` (haar, LL of the top level removed): `S×S` resize, then PyWavelets' arithmetic.
    ///
    /// In exact arithmetic the bits are "8×8 block means > median"; flat images tie, and then the float
    /// rounding of PyWavelets decides, so `whashLowBand` repeats its operations exactly.
    func waveletHash() -> Hash64 {
        let side = Self.waveletSide(width: width, height: height)
        return Self.waveletBits(resized(width: side, height: side), side: side)
    }

    /// wHash bits of a `side`×`side` grid (`side` a power of two, at least 8).
    static func waveletBits(_ p: [UInt8], side: Int) -> Hash64 {
        let level = side.trailingZeroBitCount - 3
        let low = p.withUnsafeBufferPointer { whashLowBandBlocked($0.baseAddress!, side: side, level: level) }
        let sorted = low.sorted()
        let median = (sorted[31] + sorted[32]) / 2
        return Hash64(elements: low.lazy.map { $0 > median })
    }

    /// imagehash's `image_scale = max(2**int(log2(min(W, H))), 8)`.
    static func waveletSide(width: Int, height: Int) -> Int {
        let m = min(width, height)
        let pow2 = 1 << (Int.bitWidth - 1 - m.leadingZeroBitCount)
        return max(pow2, 8)
    }
}

/// imagehash `average_hash(image)` (64-bit), bit-exact with imagehash 4.3.2 on Pillow 13.
/// - Complexity: O(pixels).
public func averageHash(_ raster: Raster) throws(PerceptualHashError) -> Hash64 {
    try GreyPlane(raster).averageHash()
}

/// imagehash `dhash(image)` (64-bit, horizontal gradient), bit-exact with imagehash 4.3.2 on Pillow 13.
/// - Complexity: O(pixels).
public func differenceHash(_ raster: Raster) throws(PerceptualHashError) -> Hash64 {
    try GreyPlane(raster).differenceHash()
}

/// imagehash `phash(image)` (64-bit), bit-exact with imagehash 4.3.2 on Pillow 13.
/// - Complexity: O(pixels).
public func perceptualHash(_ raster: Raster) throws(PerceptualHashError) -> Hash64 {
    try GreyPlane(raster).perceptualHash()
}

/// imagehash `phash` of the image after each `PDQDihedral` transform, in `PDQDihedral.allCases` order.
///
/// Entry 0 equals `perceptualHash(raster)`; the others transform the 32×32 resized grid rather than the
/// image, so they can differ by a bit or two from `perceptualHash` of the physically transformed image.
/// - Complexity: O(pixels), one resize.
public func perceptualHashDihedral(_ raster: Raster) throws(PerceptualHashError) -> [Hash64] {
    try GreyPlane(raster).perceptualHashDihedral()
}

/// imagehash `dhash` of the image after each `PDQDihedral` transform, in `PDQDihedral.allCases` order.
///
/// Entry 0 equals `differenceHash(raster)`; the others transform a small resized grid rather than the
/// image, so they can differ by a bit or two from `differenceHash` of the physically transformed image.
/// - Complexity: O(pixels), two resizes (9×8 and 8×9).
public func differenceHashDihedral(_ raster: Raster) throws(PerceptualHashError) -> [Hash64] {
    try GreyPlane(raster).differenceHashDihedral()
}

/// imagehash `whash(image)` (64-bit, haar), bit-exact with imagehash 4.3.2 on Pillow 13.
/// - Complexity: O(pixels).
public func waveletHash(_ raster: Raster) throws(PerceptualHashError) -> Hash64 {
    try GreyPlane(raster).waveletHash()
}
