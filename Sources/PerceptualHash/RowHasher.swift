import CResampleKernel

/// Computes hashes from an image's rows as they arrive, top to bottom, so a decoder can hand over its
/// scanlines without ever holding the whole image.
///
/// PDQ consumes each row on arrival: PDQ luma, the first Jarosz pass along the row, the column passes over a
/// ring of about a hundred rows, and the second round only where the 64×64 grid samples it (see
/// `PDQFilter.swift`); nothing image-sized is kept. The imagehash family converts each row to Pillow L and
/// resamples it as it comes (`PillowRowResize`: Pillow's horizontal pass per row, or its vertical pass as
/// integer accumulators), keeping only the small intermediate of each target size; only a wHash target whose
/// vertical-first accumulators would outweigh the plane keeps the L plane (a third of the RGB size).
/// Results equal `computeHashes` on the same pixels bit for bit (which runs through this type).
///
/// Not thread-safe: one hasher belongs to one decode.
public final class RowHasher {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Samples per pixel: 1 (grey) or 3 (RGB).
    public let channels: Int
    /// What is being computed.
    public let request: HashRequest
    /// Rows appended so far.
    public private(set) var rowsReceived = 0

    private var pdqFilter: PDQRowFilter?
    private var pdqDirect: [Float]?  // a 64×64 image: the reference hashes its luma unfiltered
    private var resizers: [Int: PillowRowResize] = [:]  // imagehash targets by `outWidth << 32 | outHeight`
    private var lumaChunk: [UInt8] = []                  // Pillow L of the rows being appended (RGB input)

    /// A hasher for a `width`×`height` image of `channels` (1 or 3) 8-bit samples per pixel.
    public init(width: Int, height: Int, channels: Int, request: HashRequest) {
        precondition(channels == 1 || channels == 3, "rows hold grey or RGB samples")
        precondition(width >= 0 && height >= 0)
        self.width = width
        self.height = height
        self.channels = channels
        self.request = request
        if !request.isDisjoint(with: [.pdq, .pdq8]) && width >= 5 && height >= 5 {
            if width == 64 && height == 64 {
                pdqDirect = [Float](repeating: 0, count: 64 * 64)
            } else {
                pdqFilter = PDQRowFilter(width: width, height: height, channels: channels)
            }
        }
        if !request.isDisjoint(with: .imagehash) && width > 0 && height > 0 {
            for (w, h) in Self.imagehashTargets(request, width: width, height: height) {
                resizers[w << 32 | h] = PillowRowResize(width: width, height: height, outWidth: w, outHeight: h)
            }
        }
    }

    /// Bytes in one row (`width × channels`).
    public var rowBytes: Int { width * channels }

    /// Whether every row has arrived.
    public var isComplete: Bool { rowsReceived == height }

    /// Consumes the next `count` rows, packed at `rows` (`rowBytes` each).
    public func append(rows: UnsafePointer<UInt8>, count: Int) {
        precondition(count >= 0 && rowsReceived + count <= height, "more rows than the image has")
        guard count > 0 else { return }
        pdqFilter?.append(rows: rows, count: count)
        if pdqDirect != nil {
            let first = rowsReceived
            pdqDirect!.withUnsafeMutableBufferPointer { grid in
                for r in 0..<count {
                    let src = rows + r * rowBytes, dst = grid.baseAddress! + (first + r) * 64
                    if channels == 1 {
                        for x in 0..<64 { dst[x] = Float(src[x]) }
                    } else {
                        ot_pdq_luma_row(src, 64, dst)
                    }
                }
            }
        }
        if !resizers.isEmpty {
            let n = width * count
            if channels == 1 {
                for resizer in resizers.values { resizer.append(rows: rows, count: count) }
            } else {
                if lumaChunk.count < n { lumaChunk = [UInt8](repeating: 0, count: n) }
                lumaChunk.withUnsafeMutableBufferPointer { l in
                    ot_pillow_luma_u8(rows, n, l.baseAddress!)
                    for resizer in resizers.values { resizer.append(rows: l.baseAddress!, count: count) }
                }
            }
        }
        rowsReceived += count
    }

    /// The hashes, once every row has arrived (as `computeHashes` would give for the whole image).
    public func finish() -> HashResults {
        precondition(isComplete, "hashes requested before the last row")
        var results = HashResults()
        if !request.isDisjoint(with: [.pdq, .pdq8]) {
            let grid = pdqDirect ?? pdqFilter?.grid()
            if let grid {
                let transform = PDQTransform(grid: grid)
                if request.contains(.pdq8) {
                    let all = transform.dihedralHashes()
                    results.pdqDihedral = all
                    results.pdq = all.original
                } else {
                    results.pdq = PDQHash(hash: transform.hash(.original), quality: transform.quality)
                }
            } else {
                // Under 5 pixels on a side: the reference's zero hash with quality 0.
                results.pdq = PDQHash(hash: .zero, quality: 0)
                if request.contains(.pdq8) {
                    results.pdqDihedral = PDQDihedralHashes(hashes: Array(repeating: .zero, count: 8), quality: 0)
                }
            }
        }
        if !resizers.isEmpty {
            func grid(_ w: Int, _ h: Int) -> [UInt8] { resizers[w << 32 | h]!.result() }
            if request.contains(.ahash) { results.ahash = GreyPlane.averageBits(grid(8, 8)) }
            if request.contains(.dhash) { results.dhash = GreyPlane.differenceBits(grid(9, 8)) }
            if request.contains(.phash) { results.phash = GreyPlane.perceptualBits(grid(32, 32)) }
            if request.contains(.whash) {
                let side = GreyPlane.waveletSide(width: width, height: height)
                results.whash = GreyPlane.waveletBits(grid(side, side), side: side)
            }
        }
        return results
    }

    /// The resized sizes the requested imagehash-family hashes read (imagehash's `hash_size` 8; wHash's
    /// power-of-two side).
    static func imagehashTargets(_ request: HashRequest, width: Int, height: Int) -> [(Int, Int)] {
        var sizes: [(Int, Int)] = []
        if request.contains(.ahash) { sizes.append((8, 8)) }
        if request.contains(.dhash) { sizes.append((9, 8)) }
        if request.contains(.phash) { sizes.append((32, 32)) }
        if request.contains(.whash) {
            let side = GreyPlane.waveletSide(width: width, height: height)
            sizes.append((side, side))
        }
        return sizes
    }
}

@available(*, unavailable)
extension RowHasher: Sendable {}
