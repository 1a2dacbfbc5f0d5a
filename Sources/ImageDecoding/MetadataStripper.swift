import CImageCodecs
public import ImageCore

/// Makes the stored working copy of a tip photo, by construction rather than by deletion.
///
/// Tip photos are evidence: the original's SHA-256 is kept, but the stored copy must not carry anything that
/// could identify a tipster or their device (EXIF GPS and serial numbers, XMP, IPTC, comments, maker notes,
/// thumbnails, a second image after the end of the first). Deleting known segments from a copy of the
/// original missed what sat where the deleter did not look (after EOI, between progressive scans, after a
/// stray byte, PNG chunks after IEND). So the copy is written from scratch from what the pixels need:
///
/// - JPEG: libjpeg-turbo's lossless transcoding (`jpeg_read_coefficients` / `jpeg_write_coefficients`, what
///   `jpegtran -copy none` does). The quantised DCT coefficients are carried over, so the copy
///   decodes to exactly the original's pixels; the only markers are those libjpeg writes (JFIF or Adobe,
///   tables, frame, scans).
/// - PNG (and any other decodable format): a new PNG of the decoded pixels (8-bit grey or RGB, alpha
///   composited onto white as the decoder delivers it), which decodes to the same pixels.
///
/// What the tipster saw is kept: a non-default EXIF orientation is written back as a minimal EXIF block with
/// the Orientation tag only (JPEG APP1 / PNG eXIf), so the pixels stay untouched (a lossless JPEG rotation
/// would have to trim partial blocks at the edges) and viewers, sheets and dossiers show the photo upright.
/// ICC profiles are dropped: objtrace applies no colour management, pixel values and hashes do not depend on
/// them, and a profile can carry device make/model and free text; the cost is that a wide-gamut (Display P3)
/// photo is shown as sRGB, slightly less saturated.
public enum MetadataStripper {
    /// What was in the original.
    public struct Report: Sendable, Equatable {
        /// EXIF facts of the original: orientation as decoders see it; GPS and serial flags from anywhere
        /// in the file (see `MetadataScan`).
        public var exif: ExifSummary
        /// Names of the original's metadata segments/chunks, e.g. `APP1`, `COM`, `tEXt` (JPEG: those before
        /// the first scan), plus `trailing-data` when bytes follow a PNG's IEND; none of them is in the copy.
        public var removed: [String]
    }

    /// Decodes `bytes` and returns the working copy and a report; undecodable bytes are refused.
    public static func strip(_ bytes: [UInt8], options: DecodeOptions = DecodeOptions())
        throws(DecodeError) -> (bytes: [UInt8], report: Report)
    {
        let decoded = try ImageDecoder.decode(bytes, options: fullResolution(options))
        return try workingCopy(bytes, decoded: decoded, options: options)
    }

    /// The working copy of `bytes`, whose full-resolution decode is `decoded` (decoded again when it was
    /// scaled or luma-only). Formats without a transcoder of their own get the PNG of their pixels.
    public static func workingCopy(_ bytes: [UInt8], decoded: DecodedImage, options: DecodeOptions = DecodeOptions())
        throws(DecodeError) -> (bytes: [UInt8], report: Report)
    {
        let full = fullResolution(options)
        let image = options == full ? decoded : try ImageDecoder.decode(bytes, options: full)
        let report = self.report(bytes)
        let orientation = image.info.orientation
        switch image.info.format {
        case .jpeg:
            // The coefficients are the original's, so the pixels are too; checked, because a file libjpeg reads
            // in a way the transcoded markers do not reproduce (e.g. CMYK without an Adobe marker) would
            // otherwise change colour silently. A file that decodes but cannot be re-encoded as it stands (a
            // garbled scan with coefficients out of the encoder's range) also gets the copy of its pixels.
            if let copy = try? transcodeJPEG(bytes, orientation: orientation, options: full),
               let again = try? ImageDecoder.decode(copy, options: full), again.raster == image.raster,
               again.info.orientation == orientation
            {
                return (copy, report)
            }
            return (try pixelCopy(image.raster, orientation: orientation), report)
        default:
            return (try pixelCopy(image.raster, orientation: orientation), report)
        }
    }

    /// A PNG of `raster` with only the orientation as metadata.
    public static func pixelCopy(_ raster: Raster, orientation: Int) throws(DecodeError) -> [UInt8] {
        try PNGEncoder.encode(raster, exif: orientation == 1 ? [] : ExifSummary.orientationOnlyTIFF(orientation))
    }

    /// The JPEG working copy through libjpeg-turbo's coefficient transcoding (see `ot_jpeg_transcode`).
    public static func transcodeJPEG(_ bytes: [UInt8], orientation: Int, options: DecodeOptions = DecodeOptions())
        throws(DecodeError) -> [UInt8]
    {
        let app1 = orientation == 1 ? [] : ExifSummary.orientationOnlyAPP1(orientation)
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var work: Int64 = 0
        var message = [CChar](repeating: 0, count: Int(OT_MSG_LEN))
        let status = bytes.withUnsafeBufferPointer { src in
            app1.withUnsafeBufferPointer { marker in
                message.withUnsafeMutableBufferPointer { msg in
                    ot_jpeg_transcode(src.baseAddress, src.count, options.maxCodecMemory, Int64(options.maxWork),
                                      marker.baseAddress, marker.count, &out, &size, &work, msg.baseAddress)
                }
            }
        }
        defer { ot_free(out) }
        guard status == Int32(OT_OK), let out else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ImageDecoder.error(status, text.isEmpty ? "transcoding failed" : "transcoding: \(text)", format: "JPEG")
        }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    private static func fullResolution(_ options: DecodeOptions) -> DecodeOptions {
        var full = options
        full.scale = .full
        full.minShortSide = nil
        full.lumaOnly = false
        full.allowDamaged = false
        return full
    }

    /// What a working copy carries beyond pixels and an orientation, by the file's structure: for a JPEG every
    /// APPn/COM segment other than JFIF (APP0), Adobe (APP14, which CMYK coefficients need) and the
    /// orientation-only APP1, and any bytes after the end-of-image marker; for a PNG every chunk other than
    /// IHDR, PLTE, tRNS, IDAT, IEND and the orientation-only eXIf, and any bytes after IEND. Empty for a clean
    /// copy. (`MetadataScan` is the wrong test here: it reads every byte as possible metadata, and a crafted
    /// image can put any bytes, a TIFF header with a GPS IFD among them, into its entropy-coded pixels, which
    /// a lossless transcode keeps.)
    public static func metadataCarried(_ bytes: [UInt8]) -> [String] {
        let orientationBlocks = Set((1...8).map { ExifSummary.orientationOnlyAPP1($0) })
        let orientationTIFFs = Set((1...8).map { ExifSummary.orientationOnlyTIFF($0) })
        var found: [String] = []
        switch ImageFormat.sniff(bytes) {
        case .jpeg:
            var end = 2
            for segment in JPEGSegments(bytes) {
                end = segment.range.upperBound
                let m = segment.marker
                guard m == 0xFE || (0xE0...0xEF).contains(m) else { continue }
                let p = Array(segment.payload)
                if m == 0xE0, p.starts(with: Array("JFIF\0".utf8)) { continue }
                if m == 0xEE, p.starts(with: Array("Adobe".utf8)) { continue }
                if m == 0xE1, orientationBlocks.contains(p) { continue }
                found.append(m == 0xFE ? "COM" : "APP\(m - 0xE0)")
            }
            // Entropy-coded data never holds FF D9 (an FF there is followed by 00 or a restart marker): the first
            // one after the header is the end of the image.
            var i = end
            while i + 1 < bytes.count, !(bytes[i] == 0xFF && bytes[i + 1] == 0xD9) { i += 1 }
            if i + 2 < bytes.count { found.append("trailing-data") }
        case .png:
            let keep: Set<String> = ["IHDR", "PLTE", "tRNS", "IDAT", "IEND"]
            var end = 8
            for chunk in PNGChunks(bytes) {
                end = chunk.range.upperBound
                if keep.contains(chunk.type) || (chunk.type == "eXIf" && orientationTIFFs.contains(Array(chunk.data))) { continue }
                found.append(chunk.type)
            }
            if end < bytes.count { found.append("trailing-data") }
        default:
            found.append("not a JPEG or PNG")
        }
        return found
    }

    private static func report(_ bytes: [UInt8]) -> Report {
        let found = MetadataScan.scan(bytes)
        var exif = ExifSummary.read(from: bytes)
        exif.hasGPS = exif.hasGPS || found.hasGPS
        exif.hasDeviceSerial = exif.hasDeviceSerial || found.hasDeviceSerial
        var removed: [String] = []
        switch ImageFormat.sniff(bytes) {
        case .jpeg:
            for segment in JPEGSegments(bytes) where segment.marker == 0xFE || (0xE0...0xEF).contains(segment.marker) {
                removed.append(segment.marker == 0xFE ? "COM" : "APP\(segment.marker - 0xE0)")
            }
        case .png:
            let keep: Set<String> = ["IHDR", "PLTE", "IDAT", "IEND"]
            var end = 8
            for chunk in PNGChunks(bytes) where !keep.contains(chunk.type) {
                removed.append(chunk.type)
                end = chunk.range.upperBound
            }
            for chunk in PNGChunks(bytes) { end = max(end, chunk.range.upperBound) }
            if end < bytes.count { removed.append("trailing-data") }
        case let extra where ExtraFormats.handles(extra):
            // HEIF Exif/XMP items, WebP EXIF/XMP chunks, GIF comments: flags from the container's own metadata.
            let found = ExtraFormats.metadata(bytes, format: extra)
            exif.hasGPS = exif.hasGPS || found.exif.hasGPS
            exif.hasDeviceSerial = exif.hasDeviceSerial || found.exif.hasDeviceSerial
            removed += found.found
        default:
            break
        }
        return Report(exif: exif, removed: removed)
    }
}
