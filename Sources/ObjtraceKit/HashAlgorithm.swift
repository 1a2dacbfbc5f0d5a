import Foundation
import ImageCore
public import ImageDecoding
public import Matching
public import PerceptualHash

/// The algorithms the hasher computes. `HashAlgorithm` is Matching's one name for an algorithm (what a policy
/// judges, what a stored match lists, what `--algo` takes): these are the ones with pixels behind them, beside
/// `.local` (local-feature verification), which is evidence but no hash.
extension HashAlgorithm {
    /// imagehash aHash (64-bit).
    public static let ahash: HashAlgorithm = "ahash"
    /// imagehash wHash (64-bit).
    public static let whash: HashAlgorithm = "whash"

    /// Every algorithm `computeHashes` can compute, in the CLI's order.
    public static let computable: [HashAlgorithm] = [.pdq, .pdq8, .phash, .dhash, .ahash, .whash]

    /// The request flag for `computeHashes`; nil for an algorithm with no hash behind it.
    public var request: HashRequest? {
        switch self {
        case .pdq: .pdq
        case .pdq8: .pdq8
        case .phash: .phash
        case .dhash: .dhash
        case .ahash: .ahash
        case .whash: .whash
        default: nil
        }
    }

    /// Parses a comma-separated list such as `pdq,phash` of computable algorithms, keeping order and dropping
    /// repeats.
    public static func parseList(_ text: String) throws(InputError) -> [HashAlgorithm] {
        var out: [HashAlgorithm] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            let algo = HashAlgorithm(rawValue: name)
            guard computable.contains(algo) else {
                throw InputError("unknown algorithm '\(name)' (known: \(computable.map(\.rawValue).joined(separator: ", ")))")
            }
            if !out.contains(algo) { out.append(algo) }
        }
        if out.isEmpty { throw InputError("no algorithm given") }
        return out
    }
}

/// How a hash was made: from full-resolution pixels (bit-exact with the references) or from a DCT-scaled
/// decode (faster, within a few bits).
public enum HashMode: String, Sendable, Codable {
    case exact, fast
}

/// Which pixels to hash: as stored in the file (the PDQ interop convention) or as a person sees them.
public enum OrientationPolicy: String, Sendable, Codable {
    case stored, apply
}

/// Decodes once and computes every requested hash from that one raster.
public struct ImageHasher: Sendable {
    /// The hashes to compute.
    public var algorithms: [HashAlgorithm]
    /// Stored or upright pixels.
    public var orientation: OrientationPolicy
    /// Exact or fast decoding.
    public var mode: HashMode
    /// Decoder limits.
    public var decodeOptions: DecodeOptions

    /// A hasher; fast mode picks the DCT scale from the algorithms (PDQ keeps ≥ 512 px on the short side,
    /// the 64-bit hashes ≥ 64 px) and decodes a YCbCr JPEG's luma plane only, since every hash reads luma.
    public init(algorithms: [HashAlgorithm], orientation: OrientationPolicy = .apply, mode: HashMode = .exact,
                decodeOptions: DecodeOptions = DecodeOptions()) {
        self.algorithms = algorithms
        self.orientation = orientation
        self.mode = mode
        self.decodeOptions = decodeOptions
        if mode == .fast {
            let needsPDQ = algorithms.contains(.pdq) || algorithms.contains(.pdq8)
            self.decodeOptions.minShortSide = needsPDQ ? 512 : 64
            self.decodeOptions.lumaOnly = true
        }
    }

    /// The combined request for `computeHashes`.
    public var request: HashRequest { algorithms.reduce(into: HashRequest()) { $0.formUnion($1.request ?? []) } }

    /// Decodes `bytes` and hashes the result.
    public func hash(_ bytes: [UInt8]) throws(DecodeError) -> (results: HashResults, image: DecodedImage) {
        let image = try ImageDecoder.decode(bytes, options: decodeOptions)
        let raster = orientation == .apply ? image.upright() : image.raster
        return (computeHashes(raster, request), image)
    }
}

extension ImageHasher {
    /// The hashes of `bytes`, equal to `hash(bytes).results`, without holding more of the image than needed:
    /// a JPEG whose pixels are hashed as stored (`.stored`, or no EXIF rotation) is decoded scanline by
    /// scanline into a `RowHasher`, so decoding and hashing run in one pass over cache-warm rows and the memory
    /// is libjpeg's own plus a few rows; any other file is decoded whole and its upright rows gathered a chunk
    /// at a time from the stored raster (no upright copy).
    public func hashResults(_ bytes: [UInt8]) throws(DecodeError) -> HashResults {
        var hasher: RowHasher? = nil
        let request = self.request
        let start = { (width: Int, height: Int, channels: Int) in
            hasher = RowHasher(width: width, height: height, channels: channels, request: request)
        }
        let consume = { (rows: UnsafePointer<UInt8>, count: Int) in hasher!.append(rows: rows, count: count) }
        if ImageFormat.sniff(bytes) == .jpeg,
           orientation == .stored || (Orientation(rawValue: ExifSummary.read(from: bytes).orientation ?? 1) ?? .up) == .up {
            _ = try ImageDecoder.decodeRows(bytes, options: decodeOptions, start: start, consume: consume)
        } else {
            let image = try ImageDecoder.decode(bytes, options: decodeOptions)
            image.forEachRowChunk(applying: orientation == .apply ? image.orientation : .up, start: start, consume: consume)
        }
        return hasher!.finish()
    }
}

extension HashResults {
    /// One algorithm's value as hex strings: one for single hashes, eight for `pdq8`; nil when absent.
    public func hexes(_ algo: HashAlgorithm) -> [String]? {
        switch algo {
        case .pdq: pdq.map { [$0.hash.hex] }
        case .pdq8: pdqDihedral.map { $0.hashes.map(\.hex) }
        case .phash: phash.map { [$0.hex] }
        case .dhash: dhash.map { [$0.hex] }
        case .ahash: ahash.map { [$0.hex] }
        case .whash: whash.map { [$0.hex] }
        default: nil
        }
    }
}
