public import CaseWork
public import ImageCore
public import ImageDecoding
public import Matching
import PerceptualHash

/// Computing and storing `MatchHashes` (the type lives in Matching; computing them from pixels and the stored
/// record names belong to ingest).
///
/// PDQ and its 8 dihedral hashes come from the PDQ DCT (bit-exact with the reference). pHash and dHash are
/// kept for the upright image (bit-exact with imagehash) plus the 7 other dihedral orientations, computed by
/// transforming the small resized grid: a rotated or mirrored tip photo then meets two independent hash
/// families, which the matcher's confirm tier requires.
extension MatchHashes {
    /// The orientation transforms that realise `PDQDihedral` order on a raster.
    public static let dihedralOrientations: [Orientation] = [.up, .left, .down, .right, .downMirrored, .upMirrored,
                                                             .leftMirrored, .rightMirrored]

    /// Hashes an upright raster.
    public init(upright raster: Raster) {
        let results = computeHashes(raster, [.pdq8])
        let dihedral = results.pdqDihedral ?? PDQDihedralHashes(hashes: Array(repeating: .zero, count: 8), quality: 0)
        // Dihedral variants from the small resized grids (entry 0 bit-exact with imagehash); an empty raster
        // has no hashes, which the matcher treats as uninformative.
        self.init(pdq: dihedral.original, pdqDihedral: dihedral.hashes,
                  phash: (try? perceptualHashDihedral(raster)) ?? Array(repeating: Hash64(value: 0), count: 8),
                  dhash: (try? differenceHashDihedral(raster)) ?? Array(repeating: Hash64(value: 0), count: 8))
    }

    /// Rebuilds from stored records (see `records`); nil when something is missing.
    public init?(records: [String: String], quality: Int) {
        func h256(_ k: String) -> Hash256? { records[k].flatMap { Hash256(hex: $0) } }
        func h64(_ k: String) -> Hash64? { records[k].flatMap { Hash64(hex: $0) } }
        let names = MatchHashes.dihedralNames
        let pd = names.enumerated().map { $0.offset == 0 ? h256("pdq") : h256("pdq-\($0.element)") }
        let ph = names.enumerated().map { $0.offset == 0 ? h64("phash") : h64("phash-\($0.element)") }
        let dh = names.enumerated().map { $0.offset == 0 ? h64("dhash") : h64("dhash-\($0.element)") }
        guard let p0 = pd[0] else { return nil }
        let phash = ph.compactMap { $0 }, dhash = dh.compactMap { $0 }
        guard phash.count == 8, dhash.count == 8 else { return nil }
        self.init(pdq: PDQHash(hash: p0, quality: quality), pdqDihedral: pd.map { $0 ?? p0 }, phash: phash, dhash: dhash)
    }

    /// The records to store: `pdq` (with quality), `pdq-rot90` …, `phash`, `phash-rot90` …, `dhash`, ….
    public func records() throws(CaseWorkError) -> [HashRecord] {
        var out: [HashRecord] = []
        for (i, name) in MatchHashes.dihedralNames.enumerated() {
            let suffix = i == 0 ? "" : "-\(name)"
            out.append(try HashRecord(algo: "pdq" + suffix, hex: pdqDihedral[i].hex, quality: pdq.quality))
            out.append(try HashRecord(algo: "phash" + suffix, hex: phash[i].hex))
            out.append(try HashRecord(algo: "dhash" + suffix, hex: dhash[i].hex))
        }
        return out
    }
}

/// An image prepared for the store: identity of the original, the bytes to keep, and its hashes.
public struct IngestedImage: Sendable {
    /// SHA-256 of the bytes exactly as received (evidence integrity).
    public var originalSHA256: String
    /// The bytes stored: the working copy made by construction (tips, see `MetadataStripper`) or the
    /// original (catalogue crops).
    public var storedBytes: [UInt8]
    /// SHA-256 of `storedBytes`.
    public var storedSHA256: String
    /// Upright width and height.
    public var width: Int, height: Int
    /// EXIF facts of the original (GPS / serial flags, orientation).
    public var exif: ExifSummary
    /// Metadata segments/chunks removed from the stored copy (empty when not stripped).
    public var removedMetadata: [String]
    /// Matching hashes of the upright image.
    public var hashes: MatchHashes
    /// The upright pixels (for local features and thumbnails; not stored).
    public var upright: Raster

    /// Decodes, optionally strips metadata, and hashes `bytes`.
    ///
    /// With `stripMetadata`, the stored copy is written anew from the image data (JPEG coefficients or PNG
    /// pixels) with only the orientation as metadata, so it decodes to the same pixels and shows the same
    /// way; the GPS/serial flags describe the whole original.
    public static func prepare(_ bytes: [UInt8], stripMetadata: Bool, options: DecodeOptions = DecodeOptions())
        throws(DecodeError) -> IngestedImage
    {
        try prepare(bytes, sha256: sha256Hex(bytes), stripMetadata: stripMetadata, options: options)
    }

    /// `prepare` for bytes whose SHA-256 (hex) the caller has just computed from them (`ImportLineRead`).
    package static func prepare(_ bytes: [UInt8], sha256: String, stripMetadata: Bool,
                                options: DecodeOptions) throws(DecodeError) -> IngestedImage
    {
        let decoded = try ImageDecoder.decode(bytes, options: options)
        let stripped = stripMetadata ? try MetadataStripper.workingCopy(bytes, decoded: decoded, options: options) : nil
        let stored = stripped?.bytes ?? bytes
        let upright = decoded.upright()
        return IngestedImage(originalSHA256: sha256, storedBytes: stored, storedSHA256: sha256Hex(stored),
                             width: upright.width, height: upright.height,
                             exif: stripped?.report.exif ?? ExifSummary.read(from: bytes),
                             removedMetadata: stripped?.report.removed ?? [], hashes: MatchHashes(upright: upright),
                             upright: upright)
    }
}
