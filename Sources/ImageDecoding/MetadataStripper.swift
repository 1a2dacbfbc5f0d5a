/// Removes metadata that could identify a tipster or their device from JPEG and PNG bytes, losslessly.
///
/// Tip photos are evidence: the original's SHA-256 is kept, but the stored working copy must not carry
/// EXIF (GPS, serial numbers, owner names), XMP, IPTC/Photoshop or comments. The image data itself (JPEG
/// entropy-coded scans, PNG IDAT) is copied byte for byte, so the working copy decodes to exactly the
/// same pixels. Kept: what decoding needs (JFIF APP0, Adobe APP14 colour transform, ICC profile, PNG
/// colour and transparency chunks). EXIF orientation goes with EXIF, so callers record it separately.
public enum MetadataStripper {
    /// What was in the original and what was removed.
    public struct Report: Sendable, Equatable {
        /// EXIF facts of the original (GPS and device serial flags, orientation).
        public var exif: ExifSummary
        /// Names of the removed segments/chunks, e.g. `APP1`, `COM`, `tEXt`.
        public var removed: [String]
    }

    /// The stripped bytes and a report; bytes of other formats are refused.
    public static func strip(_ bytes: [UInt8]) throws(DecodeError) -> (bytes: [UInt8], report: Report) {
        let exif = ExifSummary.read(from: bytes)
        switch ImageFormat.sniff(bytes) {
        case .jpeg: return stripJPEG(bytes, exif)
        case .png: return stripPNG(bytes, exif)
        case let extra where ExtraFormats.handles(extra): return try ExtraFormats.workingCopy(bytes)  // HEIF/WebP/GIF: PNG re-encode
        case let other: throw DecodeError(.unsupportedFormat, "cannot strip metadata from \(other.rawValue)")
        }
    }

    /// JPEG markers kept: APP0 (JFIF/JFXX), APP2 (ICC profile), APP14 (Adobe colour transform) and every
    /// non-APP marker except COM. Everything from SOS on is copied unchanged.
    private static func stripJPEG(_ bytes: [UInt8], _ exif: ExifSummary) -> ([UInt8], Report) {
        var out: [UInt8] = [0xFF, 0xD8]
        var removed: [String] = []
        var end = 2
        for segment in JPEGSegments(bytes) {
            end = segment.range.upperBound
            let m = segment.marker
            let isApp = (0xE0...0xEF).contains(m)
            let keep = !(m == 0xFE || (isApp && m != 0xE0 && m != 0xE2 && m != 0xEE))
            if keep {
                out += bytes[segment.range]
            } else {
                removed.append(m == 0xFE ? "COM" : "APP\(m - 0xE0)")
            }
        }
        // Fill bytes between segments are dropped; the scan data and everything after are kept verbatim.
        while end < bytes.count, bytes[end] == 0xFF, end + 1 < bytes.count, bytes[end + 1] == 0xFF { end += 1 }
        out += bytes[end...]
        return (out, Report(exif: exif, removed: removed))
    }

    /// PNG chunks removed: textual (tEXt, zTXt, iTXt), EXIF (eXIf), time stamp (tIME) and any unknown
    /// ancillary chunk (lower-case first letter) that is not a known colour/transparency chunk.
    private static func stripPNG(_ bytes: [UInt8], _ exif: ExifSummary) -> ([UInt8], Report) {
        let keptAncillary: Set<String> = ["tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "bKGD", "pHYs", "PLTE"]
        var out = Array(bytes.prefix(8))
        var removed: [String] = []
        var end = 8
        for chunk in PNGChunks(bytes) {
            end = chunk.range.upperBound
            let critical = chunk.type.first?.isUppercase ?? false
            if critical || keptAncillary.contains(chunk.type) {
                out += bytes[chunk.range]
            } else {
                removed.append(chunk.type)
            }
        }
        if end < bytes.count { out += bytes[end...] }  // trailing bytes after IEND or a damaged tail: keep as is
        return (out, Report(exif: exif, removed: removed))
    }
}
