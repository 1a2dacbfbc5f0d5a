import CResampleKernel

/// Computes hashes from an image's rows as they arrive, top to bottom, so a decoder can hand over its
/// scanlines without ever holding the whole image.
///
/// PDQ consumes each row on arrival: PDQ luma, the first Jarosz pass along the row, the column passes over a
/// ring of about a hundred rows, and the second round only where the 64×64 grid samples it (see
/// `PDQFilter.swift`); nothing image-sized is kept. The imagehash family keeps one Pillow-L byte per pixel
/// (a third of the RGB size) for Pillow's resampling, whose pass order depends on the whole geometry.
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
    private var luma: [UInt8]?       // Pillow L plane for the imagehash family

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
            luma = []
            luma!.reserveCapacity(width * height)
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
        if luma != nil {
            let n = width * count
            if channels == 1 {
                luma!.append(contentsOf: UnsafeBufferPointer(start: rows, count: n))
            } else {
                let old = luma!.count
                luma!.append(contentsOf: repeatElement(0, count: n))
                luma!.withUnsafeMutableBufferPointer { ot_pillow_luma_u8(rows, n, $0.baseAddress! + old) }
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
        if let luma, let grey = try? GreyPlane(luma: luma, width: width, height: height) {
            if request.contains(.ahash) { results.ahash = grey.averageHash() }
            if request.contains(.dhash) { results.dhash = grey.differenceHash() }
            if request.contains(.phash) { results.phash = grey.perceptualHash() }
            if request.contains(.whash) { results.whash = grey.waveletHash() }
        }
        return results
    }
}

@available(*, unavailable)
extension RowHasher: Sendable {}
