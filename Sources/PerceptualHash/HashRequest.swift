public import ImageCore

/// Which hashes `computeHashes` should compute.
public struct HashRequest: OptionSet, Sendable, Hashable {
    /// The raw bit mask.
    public let rawValue: Int

    /// Wraps a bit mask.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The PDQ hash and quality.
    public static let pdq = HashRequest(rawValue: 1 << 0)
    /// The eight dihedral PDQ hashes (implies the PDQ hash, which is the first of them).
    public static let pdq8 = HashRequest(rawValue: 1 << 1)
    /// imagehash `average_hash`.
    public static let ahash = HashRequest(rawValue: 1 << 2)
    /// imagehash `dhash`.
    public static let dhash = HashRequest(rawValue: 1 << 3)
    /// imagehash `phash`.
    public static let phash = HashRequest(rawValue: 1 << 4)
    /// imagehash `whash` (haar).
    public static let whash = HashRequest(rawValue: 1 << 5)

    /// Every hash.
    public static let all: HashRequest = [.pdq, .pdq8, .ahash, .dhash, .phash, .whash]
    /// The four imagehash-family hashes.
    public static let imagehash: HashRequest = [.ahash, .dhash, .phash, .whash]
}

/// The hashes `computeHashes` produced; a field is nil when it was not requested or cannot be computed.
public struct HashResults: Sendable, Hashable {
    /// PDQ hash and quality (set when `.pdq` or `.pdq8` was requested).
    public var pdq: PDQHash?
    /// The eight dihedral PDQ hashes (set when `.pdq8` was requested).
    public var pdqDihedral: PDQDihedralHashes?
    /// imagehash `average_hash` (nil for an empty raster).
    public var ahash: Hash64?
    /// imagehash `dhash` (nil for an empty raster).
    public var dhash: Hash64?
    /// imagehash `phash` (nil for an empty raster).
    public var phash: Hash64?
    /// imagehash `whash` (nil for an empty raster).
    public var whash: Hash64?

    /// An empty result set.
    public init() {}
}

/// Computes every requested hash of `raster` (orientation as given), converting to each family's luma once.
///
/// Results are identical to the single-hash functions (`pdq`, `pdqDihedral`, `averageHash`, …).
/// - Complexity: O(pixels) per requested family.
public func computeHashes(_ raster: Raster, _ request: HashRequest) -> HashResults {
    let hasher = RowHasher(width: raster.width, height: raster.height, channels: raster.channels, request: request)
    if raster.height > 0 && raster.width > 0 {
        raster.pixels.withUnsafeBufferPointer { hasher.append(rows: $0.baseAddress!, count: raster.height) }
    } else if raster.height > 0 {
        // Zero-width rows: nothing to read, but every row must be counted.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { hasher.append(rows: $0.baseAddress!, count: raster.height) }
    }
    return hasher.finish()
}
