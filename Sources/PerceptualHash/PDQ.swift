import CResampleKernel
public import ImageCore

/// A PDQ hash with its quality score (0–100; the reference recommends ignoring hashes below 50).
public struct PDQHash: Sendable, Hashable, Codable {
    /// The 256-bit hash.
    public var hash: Hash256
    /// The reference's gradient-based quality, 0–100.
    public var quality: Int

    /// Wraps a hash and its quality.
    public init(hash: Hash256, quality: Int) {
        self.hash = hash
        self.quality = quality
    }
}

/// The eight dihedral transforms for which PDQ derives hashes from one DCT, in the reference's order.
public enum PDQDihedral: Int, Sendable, CaseIterable, Codable {
    /// The image as given.
    case original
    /// Rotated 90° counter-clockwise.
    case rotate90
    /// Rotated 180°.
    case rotate180
    /// Rotated 90° clockwise.
    case rotate270
    /// Upside down (rows reversed).
    case flipX
    /// Mirrored (columns reversed).
    case flipY
    /// Transposed (main diagonal).
    case flipPlus1
    /// Anti-transposed (anti-diagonal).
    case flipMinus1

    /// The EXIF orientation whose correction (`Raster.applying`) performs this transform on an image.
    public var orientation: Orientation {
        switch self {
        case .original: .up
        case .rotate90: .left
        case .rotate180: .down
        case .rotate270: .right
        case .flipX: .downMirrored
        case .flipY: .upMirrored
        case .flipPlus1: .leftMirrored
        case .flipMinus1: .rightMirrored
        }
    }

    /// Whether the transform exchanges width and height.
    public var swapsAxes: Bool {
        switch self {
        case .rotate90, .rotate270, .flipPlus1, .flipMinus1: true
        default: false
        }
    }

    /// The reference's name for the transform (`orig`, `rot90`, … as pdqhash prints them).
    public var referenceName: String {
        switch self {
        case .original: "orig"
        case .rotate90: "rot90"
        case .rotate180: "rot180"
        case .rotate270: "rot270"
        case .flipX: "flipx"
        case .flipY: "flipy"
        case .flipPlus1: "flipplus1"
        case .flipMinus1: "flipminus1"
        }
    }
}

/// The eight dihedral PDQ hashes of one image and their shared quality.
public struct PDQDihedralHashes: Sendable, Hashable, Codable {
    /// The hashes in `PDQDihedral.allCases` order (orig, rot90, rot180, rot270, flipx, flipy, flipplus1, flipminus1).
    public var hashes: [Hash256]
    /// The quality of the image (the same for every transform).
    public var quality: Int

    /// Wraps eight hashes in reference order and their quality.
    public init(hashes: [Hash256], quality: Int) {
        precondition(hashes.count == 8, "PDQ has eight dihedral hashes")
        self.hashes = hashes
        self.quality = quality
    }

    /// The hash of one transform.
    public subscript(_ transform: PDQDihedral) -> Hash256 { hashes[transform.rawValue] }

    /// The untransformed hash with its quality.
    public var original: PDQHash { PDQHash(hash: hashes[0], quality: quality) }
}

/// The PDQ hash of `raster` as stored (no orientation applied), bit-exact with pip `pdqhash` / HMA.
///
/// Images smaller than 5 pixels on a side give the zero hash with quality 0, as the reference does.
/// - Complexity: O(pixels).
public func pdq(_ raster: Raster) -> PDQHash {
    guard let t = PDQTransform(raster) else { return PDQHash(hash: .zero, quality: 0) }
    return PDQHash(hash: t.hash(.original), quality: t.quality)
}

/// The eight dihedral PDQ hashes of `raster`, derived from one DCT as the reference does.
///
/// These equal the reference's `dihedral` outputs; hashing a physically rotated image can differ by a few
/// bits because the box windows and decimation grid are not symmetric.
/// - Complexity: O(pixels).
public func pdqDihedral(_ raster: Raster) -> PDQDihedralHashes {
    guard let t = PDQTransform(raster) else {
        return PDQDihedralHashes(hashes: Array(repeating: .zero, count: 8), quality: 0)
    }
    return t.dihedralHashes()
}

/// PDQ's 16×16 DCT coefficients and quality, before thresholding.
struct PDQTransform {
    /// `B[i][j]` row-major: `i` vertical frequency, `j` horizontal (both 1...16, DC excluded).
    var coefficients: [Float]
    /// The image-domain quality, 0–100.
    var quality: Int

    /// Runs luma, filter, decimation, quality and DCT; nil when a side is under 5 pixels.
    init?(_ raster: Raster) {
        guard raster.width >= 5 && raster.height >= 5 else { return nil }
        let grid: [Float]
        if raster.width == 64 && raster.height == 64 {
            // The reference hashes a 64×64 image's luma directly, without filtering.
            guard let luma = pdqLuma(raster) else { return nil }
            grid = luma
        } else {
            grid = pdqFilteredGrid(raster)
        }
        self.init(grid: grid)
    }

    /// Quality and DCT of a 64×64 grid already filtered and decimated (or a 64×64 image's luma).
    init(grid: [Float]) {
        quality = pdqQuality(grid)
        coefficients = pdqDCT(grid)
    }

    /// The hash of one dihedral transform: transform the coefficients, re-median, threshold.
    func hash(_ transform: PDQDihedral) -> Hash256 {
        var b = [Float](repeating: 0, count: 256)
        for i in 0..<16 {
            for j in 0..<16 {
                let v = coefficients[16 * i + j]
                let iOdd = i & 1 == 1, jOdd = j & 1 == 1
                switch transform {
                case .original: b[16 * i + j] = v
                case .rotate90: b[16 * j + i] = jOdd ? v : -v
                case .rotate180: b[16 * i + j] = (iOdd != jOdd) ? -v : v
                case .rotate270: b[16 * j + i] = iOdd ? v : -v
                case .flipX: b[16 * i + j] = iOdd ? v : -v
                case .flipY: b[16 * i + j] = jOdd ? v : -v
                case .flipPlus1: b[16 * j + i] = v
                case .flipMinus1: b[16 * j + i] = (iOdd != jOdd) ? -v : v
                }
            }
        }
        return pdqThreshold(b)
    }

    /// All eight dihedral hashes in reference order.
    func dihedralHashes() -> PDQDihedralHashes {
        PDQDihedralHashes(hashes: PDQDihedral.allCases.map { hash($0) }, quality: quality)
    }
}

/// Float32 luma as pip `pdqhash` computes it; nil for sides under 5 pixels (nothing to hash).
package func pdqLuma(_ raster: Raster) -> [Float]? {
    guard raster.width >= 5 && raster.height >= 5 else { return nil }
    let n = raster.pixelCount
    return [Float](unsafeUninitializedCapacity: n) { dst, initialized in
        raster.pixels.withUnsafeBufferPointer { src in
            if raster.channels == 1 {
                // Grey input is used as is (Y = v), as pdqhash does for 2-D arrays.
                var i = 0
                while i < n {
                    dst[i] = Float(src[i])
                    i &+= 1
                }
            } else {
                // pip pdqhash (= HMA, python-threatexchange) evaluates `R*0.299 + G*0.587 + B*0.114` in
                // float64 with numpy and casts to float32; the C++ float32 form differs in the last bit on
                // some pixels, which flips bits on flat synthetic images (PngSuite).
                ot_pdq_luma_row(src.baseAddress!, n, dst.baseAddress!)
            }
        }
        initialized = n
    }
}

/// The reference's image-domain quality: summed truncated neighbour gradients, scaled to 0–100.
func pdqQuality(_ a: [Float]) -> Int {
    var gradientSum = 0
    for i in 0..<63 {
        for j in 0..<64 {
            let u = a[64 * i + j], v = a[64 * (i + 1) + j]
            let d = ((u - v) * 100) / 255
            gradientSum += abs(Int(d))
        }
    }
    for i in 0..<64 {
        for j in 0..<63 {
            let u = a[64 * i + j], v = a[64 * i + j + 1]
            let d = ((u - v) * 100) / 255
            gradientSum += abs(Int(d))
        }
    }
    return min(100, gradientSum / 90)
}

/// `D[i][k]` for frequencies 1...16 (DC excluded), float32 from the reference's double expression.
let pdqDCTMatrix: [Float] = {
    let scale = Float((2.0 / 64.0).squareRoot())
    var m = [Float](repeating: 0, count: 16 * 64)
    for i in 0..<16 {
        for k in 0..<64 {
            let angle = (Double.pi / 2 / 64.0) * Double(i + 1) * Double(2 * k + 1)
            m[64 * i + k] = Float(Double(scale) * libmCos(angle))
        }
    }
    return m
}()

/// `B = D·A·Dᵀ` (16×16), every dot product accumulated in float32 from 0 in index order, without FMA.
func pdqDCT(_ a: [Float]) -> [Float] {
    let d = pdqDCTMatrix
    var t = [Float](repeating: 0, count: 16 * 64)
    // T = D·A; lanes over j keep each sum's order k = 0..63.
    for i in 0..<16 {
        for k in 0..<64 {
            let dik = d[64 * i + k]
            for j in 0..<64 {
                let product = dik * a[64 * k + j]
                t[64 * i + j] = t[64 * i + j] + product
            }
        }
    }
    var b = [Float](repeating: 0, count: 256)
    for i in 0..<16 {
        for j in 0..<16 {
            var sum: Float = 0
            for k in 0..<64 {
                let product = t[64 * i + k] * d[64 * j + k]
                sum = sum + product
            }
            b[16 * i + j] = sum
        }
    }
    return b
}

/// Bits `b[k] > median`, the median being the 128th smallest value (the reference's Torben median).
func pdqThreshold(_ b: [Float]) -> Hash256 {
    let median = b.sorted()[127]
    var words: [UInt64] = [0, 0, 0, 0]
    for k in 0..<256 where b[k] > median {
        words[k >> 6] |= 1 << UInt64(k & 63)
    }
    return Hash256(words: (words[0], words[1], words[2], words[3]))
}
