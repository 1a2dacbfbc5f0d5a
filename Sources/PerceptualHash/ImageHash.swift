import ImageCore

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
        raster.pixels.withUnsafeBufferPointer { src in
            var i = 0
            while i < n {
                let j = 3 &* i
                let r = UInt32(src[j]), g = UInt32(src[j &+ 1]), b = UInt32(src[j &+ 2])
                dst[i] = UInt8(truncatingIfNeeded: (19595 &* r &+ 38470 &* g &+ 7471 &* b &+ 0x8000) >> 16)
                i &+= 1
            }
        }
        initialized = n
    }
}

/// An 8-bit grey plane (Pillow "L") that the imagehash-family hashes resample.
struct GreyPlane {
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
        let p = resized(width: 8, height: 8)
        let sum = p.reduce(0) { $0 + Int($1) }
        return Hash64(elements: p.lazy.map { 64 * Int($0) > sum })
    }

    /// imagehash `dhash`: 9 wide × 8 high, bit = right neighbour brighter.
    func differenceHash() -> Hash64 {
        let p = resized(width: 9, height: 8)
        return Hash64(elements: (0..<64).lazy.map { e in
            let r = e / 8, c = e % 8
            return p[9 * r + c + 1] > p[9 * r + c]
        })
    }

    /// imagehash `phash`: 32×32, unnormalised DCT-II on both axes, top-left 8×8 (DC kept) > median.
    func perceptualHash() -> Hash64 {
        let p = resized(width: 32, height: 32)
        // scipy's `dct(dct(p, axis=0), axis=1)`: columns first, then the first 8 rows along x.
        var columns = [Double](repeating: 0, count: 32 * 32)   // columns[k * 32 + x]
        var line = [Double](repeating: 0, count: 32)
        for x in 0..<32 {
            for y in 0..<32 { line[y] = Double(p[32 * y + x]) }
            let c = symmetricDCT2(line)
            for k in 0..<8 { columns[32 * k + x] = c[k] }
        }
        var low = [Double](repeating: 0, count: 64)
        for k in 0..<8 {
            let c = symmetricDCT2(Array(columns[(32 * k)..<(32 * k + 32)]))
            for l in 0..<8 { low[8 * k + l] = c[l] }
        }
        let sorted = low.sorted()
        let median = (sorted[31] + sorted[32]) / 2
        return Hash64(elements: low.lazy.map { $0 > median })
    }

    /// imagehash `whash` (haar, LL of the top level removed): `S×S` resize, then PyWavelets' arithmetic.
    ///
    /// In exact arithmetic the bits are "8×8 block means > median"; flat images tie, and then the float
    /// rounding of PyWavelets decides, so `whashLowBand` repeats its operations exactly.
    func waveletHash() -> Hash64 {
        let side = Self.waveletSide(width: width, height: height)
        let p = resized(width: side, height: side)
        let plane = DoublePlane(values: p.map { Double($0) / 255 }, rows: side, cols: side)
        let level = side.trailingZeroBitCount - 3
        let low = whashLowBand(plane, level: level)
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

/// Unnormalised DCT-II `X_k = 2 Σ x_n cos(πk(2n+1)/2N)` for a power-of-two `N`, by even/odd splitting.
///
/// The split (`x[n] ± x[N−1−n]`) makes coefficients that are zero for symmetric or constant input come out
/// as exact zeros, as scipy's FFT-based DCT gives them; a plain matrix product leaves ±1e-13 noise there,
/// which decides the bits of flat images (rows or columns constant) once the median is 0.
func symmetricDCT2(_ x: [Double]) -> [Double] {
    let n = x.count
    if n == 1 { return [2 * x[0]] }
    let half = n / 2
    var sum = [Double](repeating: 0, count: half)
    var diff = [Double](repeating: 0, count: half)
    for i in 0..<half {
        sum[i] = x[i] + x[n - 1 - i]
        diff[i] = x[i] - x[n - 1 - i]
    }
    var out = [Double](repeating: 0, count: n)
    let even = symmetricDCT2(sum)
    for m in 0..<half { out[2 * m] = even[m] }
    let basis = dctOddBasis(n)
    for m in 0..<half {
        let k = 2 * m + 1
        var s = 0.0
        for i in 0..<half { s += basis[m * half + i] * diff[i] }
        out[k] = 2 * s
    }
    return out
}

/// `cos(πk(2i+1)/2N)` for odd `k = 2m+1`, `i < N/2`, cached for the sizes phash uses.
private func dctOddBasis(_ n: Int) -> [Double] {
    switch n {
    case 32: return dctOddBasis32
    case 16: return dctOddBasis16
    case 8: return dctOddBasis8
    case 4: return dctOddBasis4
    case 2: return dctOddBasis2
    default: return makeDCTOddBasis(n)
    }
}

private let dctOddBasis32 = makeDCTOddBasis(32)
private let dctOddBasis16 = makeDCTOddBasis(16)
private let dctOddBasis8 = makeDCTOddBasis(8)
private let dctOddBasis4 = makeDCTOddBasis(4)
private let dctOddBasis2 = makeDCTOddBasis(2)

private func makeDCTOddBasis(_ n: Int) -> [Double] {
    let half = n / 2
    var b = [Double](repeating: 0, count: half * half)
    for m in 0..<half {
        for i in 0..<half {
            b[m * half + i] = libmCos(Double.pi * Double(2 * m + 1) * Double(2 * i + 1) / Double(2 * n))
        }
    }
    return b
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

/// imagehash `whash(image)` (64-bit, haar), bit-exact with imagehash 4.3.2 on Pillow 13.
/// - Complexity: O(pixels).
public func waveletHash(_ raster: Raster) throws(PerceptualHashError) -> Hash64 {
    try GreyPlane(raster).waveletHash()
}
