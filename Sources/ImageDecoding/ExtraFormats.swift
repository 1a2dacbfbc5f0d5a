import CExtraCodecs
import ImageCore

/// HEIC/HEIF (libheif), WebP (libwebp) and GIF (giflib) behind the same guarantees as JPEG and PNG.
///
/// What is decoded, and how it relates to what Pillow (+ pillow-heif) gives for the same file:
/// - **HEIF**: the primary image only (a grid is assembled by libheif from its tiles; thumbnails, depth and
///   auxiliary images are never decoded). Its `irot`/`imir`/`clap` transforms are applied by libheif, as a
///   viewer and pillow-heif do, so the raster is already upright and `info.orientation` is 1: EXIF orientation
///   inside a HEIF is ignored (HEIF makes the transform properties normative; iPhones write both, and
///   applying both would rotate twice). 10/12-bit images are reduced to 8 bits by libheif's
///   `convert_hdr_to_8bit`, pillow-heif's default. Alpha is composited onto white like PNG.
/// - **WebP**: still images (lossy, lossless, alpha) through `WebPDecode`; an animation gives its **first
///   frame** rendered on the canvas (`WebPAnimDecoder`, what Pillow uses), alpha composited onto white.
///   EXIF orientation from an `EXIF` chunk is reported like JPEG's.
/// - **GIF**: the **first frame** only, decoded line by line (`DGifGetLine`, never `DGifSlurp`), interlacing
///   undone, onto a white canvas of the logical screen's size; transparent pixels stay white, and so does what
///   a first frame smaller than the screen leaves uncovered (Pillow fills that with palette entry 0).
///
/// Limits, all checked before any pixel memory is allocated: `DecodeOptions.maxPixels` on the delivered size
/// (and on a GIF's first frame rectangle, which is its LZW work); `maxFrames` on animations (counted by a
/// bounded walk over the chunks/blocks, no decoding); libheif's own image-size security limit while parsing;
/// for GIF, the first frame's LZW code stream is walked with giflib's code-width rule to bound the table resets
/// giflib would do (a stream of clear codes costs giflib 16 KiB of stores each and yields no pixel).
public enum ExtraFormats {
    /// Animations with more frames than this are refused (`too-large`) before anything is decoded: no real
    /// photo has them, and libwebp's demuxer keeps a record per frame.
    public static let maxFrames = 10_000
    /// Any HEIF image side above this is refused by libheif while parsing (its security limit).
    public static let maxHEIFSide = 65_535
    /// Metadata blocks (HEIF Exif/XMP items, WebP chunks) larger than this are not parsed for flags.
    static let maxMetadataBytes = 4 << 20

    /// The formats handled here.
    public static func handles(_ format: ImageFormat) -> Bool { format == .heif || format == .webp || format == .gif }

    // MARK: - Decoding

    /// Header facts (size, frames, alpha, orientation) without decoding pixels.
    public static func inspect(_ bytes: [UInt8], format: ImageFormat) throws(DecodeError) -> ImageInfo {
        try bytes.withUnsafeBufferPointer { buf throws(DecodeError) in
            let opened = try open(buf, format: format)
            defer { opened.close() }
            return info(opened.header, format: format, bytes: bytes)
        }
    }

    /// Decodes the (first) image to an 8-bit RGB raster, honouring `options.maxPixels` and `maxFrames`.
    public static func decode(_ bytes: [UInt8], format: ImageFormat, options: DecodeOptions = DecodeOptions())
        throws(DecodeError) -> DecodedImage
    {
        try bytes.withUnsafeBufferPointer { buf throws(DecodeError) in
            let opened = try open(buf, format: format)
            defer { opened.close() }
            let h = opened.header
            let w = Int(h.width), ht = Int(h.height)
            try checkPixels(w, ht, options.maxPixels, what: "image")
            if format == .gif { try checkPixels(Int(h.frame_width), Int(h.frame_height), options.maxPixels, what: "first frame") }
            if Int(h.frames) > maxFrames {
                throw DecodeError(.tooLarge, "more than \(maxFrames) animation frames (refused before decoding)")
            }
            // The RGB result plus what the libraries hold meanwhile (HEIF planes + RGB, two WebP canvases): about
            // 11 bytes per pixel, counted against the decode memory budget shared by `--jobs N` workers.
            let pixels = try DecodeBudget.holding(options.memoryBudget, w * ht * 11) { () throws(DecodeError) -> [UInt8] in
                var message = [CChar](repeating: 0, count: Int(OTX_MSG_LEN))
                var status: Int32 = 0
                let pixels = [UInt8](unsafeUninitializedCapacity: w * ht * 3) { out, initialized in
                    status = message.withUnsafeMutableBufferPointer { opened.decode(out.baseAddress!, $0.baseAddress!) }
                    initialized = w * ht * 3
                }
                if status != Int32(OTX_OK) { throw error(status, message, format: format) }
                return pixels
            }
            let raster = Raster(width: w, height: ht, channels: 3, pixels: pixels)
            return DecodedImage(raster: raster, info: info(h, format: format, bytes: bytes), scale: .full, warnings: 0)
        }
    }

    /// A C handle of one of the three shims.
    private struct Opened {
        let header: otx_header
        let decode: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<CChar>) -> Int32
        let close: () -> Void
    }

    private static func open(_ buf: UnsafeBufferPointer<UInt8>, format: ImageFormat) throws(DecodeError) -> Opened {
        var header = otx_header()
        var status: Int32 = 0
        var message = [CChar](repeating: 0, count: Int(OTX_MSG_LEN))
        switch format {
        case .heif:
            let handle = message.withUnsafeMutableBufferPointer {
                otx_heif_open(buf.baseAddress, buf.count, Int32(maxHEIFSide), &header, &status, $0.baseAddress)
            }
            guard let handle else { throw error(status, message, format: format) }
            return Opened(header: header, decode: { otx_heif_decode(handle, $0, $1) }, close: { otx_heif_close(handle) })
        case .webp:
            let handle = message.withUnsafeMutableBufferPointer {
                otx_webp_open(buf.baseAddress, buf.count, Int32(maxFrames), &header, &status, $0.baseAddress)
            }
            guard let handle else { throw error(status, message, format: format) }
            return Opened(header: header, decode: { otx_webp_decode(handle, $0, $1) }, close: { otx_webp_close(handle) })
        case .gif:
            let handle = message.withUnsafeMutableBufferPointer {
                otx_gif_open(buf.baseAddress, buf.count, Int32(maxFrames), &header, &status, $0.baseAddress)
            }
            guard let handle else { throw error(status, message, format: format) }
            return Opened(header: header, decode: { otx_gif_decode(handle, $0, $1) }, close: { otx_gif_close(handle) })
        default:
            throw DecodeError(.unsupportedFormat, "\(format.rawValue) is not decoded by the extra codecs")
        }
    }

    private static func info(_ h: otx_header, format: ImageFormat, bytes: [UInt8]) -> ImageInfo {
        let model: String
        var orientation = 1
        switch format {
        case .heif:
            model = "ycbcr"
        case .webp:
            model = h.lossless == 1 ? (h.has_alpha != 0 ? "rgba" : "rgb") : "ycbcr"
            orientation = metadata(bytes, format: .webp).exif.orientation ?? 1
        default:
            model = "palette"
        }
        return ImageInfo(format: format, width: Int(h.width), height: Int(h.height), orientation: orientation,
                         colorModel: model, bitDepth: Int(h.bit_depth), hasAlpha: h.has_alpha != 0,
                         progressive: h.interlaced != 0, frames: Int(h.frames))
    }

    private static func checkPixels(_ w: Int, _ h: Int, _ maxPixels: Int, what: String) throws(DecodeError) {
        if w <= 0 || h <= 0 { throw DecodeError(.corrupt, "\(what) has no pixels (\(w)×\(h))") }
        let (pixels, overflow) = w.multipliedReportingOverflow(by: h)
        if overflow || pixels > maxPixels {
            throw DecodeError(.tooLarge, "\(what) \(w)×\(h) = \(overflow ? "overflow" : String(pixels)) pixels exceeds the limit of \(maxPixels)")
        }
    }

    private static func error(_ status: Int32, _ message: [CChar], format: ImageFormat) -> DecodeError {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let reason = "\(format.rawValue.uppercased()): \(text.isEmpty ? "decoder failed" : text)"
        switch status {
        case Int32(OTX_ERR_UNSUPPORTED): return DecodeError(.unsupported, reason)
        case Int32(OTX_ERR_MEMORY): return DecodeError(.memory, reason)
        case Int32(OTX_ERR_DAMAGED): return DecodeError(.damaged, reason)
        case Int32(OTX_ERR_TOO_LARGE): return DecodeError(.tooLarge, reason)
        default: return DecodeError(.corrupt, reason)
        }
    }

    // MARK: - Tip working copy

    /// The working copy of a HEIF, WebP or GIF tip photo: the decoded, upright pixels re-encoded losslessly as
    /// PNG (IHDR, IDAT, IEND only), with a report of the original's metadata and its GPS/serial flags.
    ///
    /// Why a re-encode rather than stripping boxes/chunks as for JPEG and PNG: a HEIF's metadata items are
    /// tied to the image by `iloc` offsets, `iref` links and `ipma` associations that a strip must rewrite
    /// consistently, and anything libheif does not understand (hidden items, unknown boxes, `mdat` slack)
    /// would survive; a WebP/GIF can carry unknown chunks, comment and application extensions, trailing
    /// bytes and later animation frames. Pixels decoded by the same code that hashes them, written by our
    /// PNG encoder, carry nothing else by construction, and PNG keeps them exactly (lossless), so the copy
    /// hashes like the original. Orientation is applied first because it cannot be stored without metadata.
    /// The cost is size (a lossy original grows several times); the original's SHA-256 stays the evidence.
    public static func workingCopy(_ bytes: [UInt8], options: DecodeOptions = DecodeOptions())
        throws(DecodeError) -> (bytes: [UInt8], report: MetadataStripper.Report)
    {
        let format = ImageFormat.sniff(bytes)
        guard handles(format) else {
            throw DecodeError(.unsupportedFormat, "no re-encoded working copy for \(format.rawValue)")
        }
        let image = try decode(bytes, format: format, options: options)
        let png = try PNGEncoder.encode(image.upright())
        let found = metadata(bytes, format: format)
        var removed = found.found
        if image.info.frames > 1 { removed.append("frames 2-\(image.info.frames)") }
        return (png, MetadataStripper.Report(exif: found.exif, removed: removed))
    }

    // MARK: - Metadata

    /// What a file's metadata says about its sender, and which metadata it carries.
    public struct Metadata: Sendable, Equatable {
        /// GPS and serial flags (and orientation) from EXIF blocks, plus GPS/serial properties found in XMP.
        public var exif: ExifSummary
        /// Names of the metadata found, e.g. `Exif`, `XMP`, `ICCP`, `comment`.
        public var found: [String]
    }

    /// Reads the EXIF and XMP of a HEIF (Exif and XMP items of the primary image) or WebP (`EXIF`, `XMP `
    /// chunks), and names GIF extensions, with the existing bounds-checked EXIF parser. Never throws: a file
    /// whose metadata cannot be read has none.
    public static func metadata(_ bytes: [UInt8], format: ImageFormat) -> Metadata {
        var summary = ExifSummary.none
        var found: [String] = []
        func addEXIF(_ tiff: ArraySlice<UInt8>) {
            var body = tiff
            if body.starts(with: [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]) { body = body.dropFirst(6) }
            let parsed = ExifSummary.parse(tiff: body)
            summary.hasGPS = summary.hasGPS || parsed.hasGPS
            summary.hasDeviceSerial = summary.hasDeviceSerial || parsed.hasDeviceSerial
            if summary.orientation == nil { summary.orientation = parsed.orientation }
        }
        func addXMP(_ xmp: ArraySlice<UInt8>) {
            let flags = xmpFlags(xmp)
            summary.hasGPS = summary.hasGPS || flags.gps
            summary.hasDeviceSerial = summary.hasDeviceSerial || flags.serial
        }
        switch format {
        case .heif:
            bytes.withUnsafeBufferPointer { buf in
                var header = otx_header()
                var status: Int32 = 0
                guard let h = otx_heif_open(buf.baseAddress, buf.count, Int32(maxHEIFSide), &header, &status, nil) else { return }
                defer { otx_heif_close(h) }
                for kind in [Int32(0), 1] {
                    for index in 0..<otx_heif_metadata_count(h, kind) {
                        let size = otx_heif_metadata(h, kind, index, nil, 0)
                        guard size > 0, size <= maxMetadataBytes else { continue }
                        var block = [UInt8](repeating: 0, count: size)
                        guard block.withUnsafeMutableBufferPointer({ otx_heif_metadata(h, kind, index, $0.baseAddress, $0.count) }) == size
                        else { continue }
                        let data = block[...]
                        if kind == 0 {
                            found.append("Exif")
                            // A HEIF Exif item starts with the 4-byte offset of the TIFF header after it.
                            guard size >= 4 else { continue }
                            let offset = Int(data[0]) << 24 | Int(data[1]) << 16 | Int(data[2]) << 8 | Int(data[3])
                            guard offset >= 0, offset <= size - 4 else { continue }
                            addEXIF(data[(4 + offset)...])
                        } else {
                            found.append("XMP")
                            addXMP(data)
                        }
                    }
                }
            }
            // pixel orientation is applied by libheif; EXIF orientation inside HEIF is not used
            summary.orientation = nil
        case .webp:
            for chunk in WebPChunks(bytes) {
                switch chunk.type {
                case "VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF": continue
                case "EXIF": addEXIF(chunk.data)
                case "XMP ": addXMP(chunk.data)
                default: break
                }
                found.append(chunk.type.trimmingTrailingSpaces)
            }
        case .gif:
            found = gifExtensions(bytes)
        default:
            break
        }
        return Metadata(exif: summary, found: found)
    }

    /// GPS / device-serial properties in an XMP packet (exif:GPSLatitude…, aux:SerialNumber,
    /// exifEX:BodySerialNumber, LensSerialNumber), found by name: XMP is RDF in many spellings, and a flag
    /// raised on a name alone errs on the tipster's side.
    static func xmpFlags(_ xmp: ArraySlice<UInt8>) -> (gps: Bool, serial: Bool) {
        let text = String(decoding: xmp.prefix(maxMetadataBytes), as: UTF8.self)
        return (text.contains("GPSLatitude") || text.contains("GPSLongitude"), text.contains("SerialNumber"))
    }

    /// Names of the GIF extensions before the first image (comment, application identifiers, plain text).
    static func gifExtensions(_ b: [UInt8]) -> [String] {
        guard b.count >= 13 else { return [] }
        var pos = 13
        if b[10] & 0x80 != 0 { pos += 3 * (1 << (Int(b[10] & 7) + 1)) }
        var names: [String] = []
        while pos + 1 < b.count, b[pos] == 0x21, names.count < 64 {
            let label = b[pos + 1]
            switch label {
            case 0xFE: names.append("comment")
            case 0x01: names.append("plain-text")
            case 0xFF where pos + 13 < b.count && b[pos + 2] == 11:
                names.append("application:" + String(decoding: b[(pos + 3)..<(pos + 14)], as: UTF8.self))
            default: break
            }
            pos += 2
            while pos < b.count, b[pos] != 0 { pos += 1 + Int(b[pos]) }
            pos += 1
        }
        return names
    }
}

/// The top-level chunks of a WebP RIFF file, bounds-checked (a chunk running past the end ends the walk).
public struct WebPChunks: Sequence {
    /// One chunk (e.g. `VP8 `, `EXIF`, `XMP `).
    public typealias Chunk = ContainerChunk

    let bytes: [UInt8]

    /// Chunks of `bytes`, which should start with `RIFF....WEBP`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func makeIterator() -> AnyIterator<Chunk> {
        var pos = 12
        let b = bytes
        var done = ImageFormat.sniff(b) != .webp
        return AnyIterator {
            guard !done, pos + 8 <= b.count else { return nil }
            let length = Int(b[pos + 4]) | Int(b[pos + 5]) << 8 | Int(b[pos + 6]) << 16 | Int(b[pos + 7]) << 24
            guard length <= b.count - pos - 8 else { done = true; return nil }
            let type = String(decoding: b[pos..<(pos + 4)], as: UTF8.self)
            let end = pos + 8 + length
            let chunk = Chunk(type: type, data: b[(pos + 8)..<end], range: pos..<end)
            pos = end + (length & 1)
            return chunk
        }
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
