import CImageCodecs
import ImageCore

/// A libjpeg DCT-domain scale of M/8 (M = 1…8): the decoder computes a smaller IDCT per block, so a scaled
/// decode costs less than decoding at full size and resizing. The decoded side is `ceil(side × M / 8)`.
public struct DCTScale: Sendable, Hashable, CustomStringConvertible {
    /// M in M/8.
    public let eighths: Int

    /// Full resolution (8/8).
    public static let full = DCTScale(checked: 8)

    /// The scale M/8; nil unless 1 ≤ M ≤ 8.
    public init?(eighths: Int) {
        guard (1...8).contains(eighths) else { return nil }
        self.eighths = eighths
    }

    /// The scale 1/`denominator` for 1, 2, 4 or 8; nil otherwise.
    public init?(denominator: Int) {
        guard [1, 2, 4, 8].contains(denominator) else { return nil }
        self.eighths = 8 / denominator
    }

    private init(checked eighths: Int) { self.eighths = eighths }

    /// The decoded length of a stored side (libjpeg rounds up).
    public func scaled(_ side: Int) -> Int { (side * eighths + 7) / 8 }

    /// The smallest scale whose decoded short side of a `width`×`height` JPEG is still at least
    /// `minShortSide` pixels; full size when even that is smaller.
    public static func smallest(width: Int, height: Int, minShortSide: Int) -> DCTScale {
        let short = min(width, height)
        for m in 1..<8 where DCTScale(checked: m).scaled(short) >= minShortSide { return DCTScale(checked: m) }
        return .full
    }

    /// `M/8` as libjpeg and `djpeg -scale` write it.
    public var description: String { "\(eighths)/8" }
}

/// Limits and choices for one decode.
public struct DecodeOptions: Sendable, Equatable {
    /// Refuse images with more stored pixels than this, checked from the header before any allocation.
    public var maxPixels: Int
    /// Cap on libjpeg's working memory (progressive coefficient buffers etc.), in bytes.
    public var maxCodecMemory: Int
    /// JPEG only: the DCT-domain scale. Ignored when `minShortSide` is set.
    public var scale: DCTScale
    /// JPEG only: pick the smallest DCT scale whose decoded short side is still at least this many pixels.
    public var minShortSide: Int?
    /// JPEG only: deliver a YCbCr file as its Y (luma) plane, one channel, skipping chroma decoding. Every hash
    /// works on luma, so fast hashing needs nothing else; the values differ from luma computed from the
    /// decoded RGB by rounding only, so exact (reference-equal) hashing leaves this off.
    public var lumaOnly: Bool
    /// Return the pixels of a truncated or garbled JPEG instead of a `damaged` error.
    public var allowDamaged: Bool
    /// JPEG work budget in block-scans (each scan costs the 8×8 blocks it covers plus 4096): bounds the CPU a
    /// progressive file with many scans can take, whatever its size. The default passes a 100-megapixel
    /// progressive photo with room to spare.
    public var maxWork: Int = Int(OT_JPEG_DEFAULT_MAX_WORK)
    /// The memory budget this decode shares with others (e.g. all workers of a batch); nil = none.
    public var memoryBudget: DecodeBudget?

    public static func == (a: DecodeOptions, b: DecodeOptions) -> Bool {
        a.maxPixels == b.maxPixels && a.maxCodecMemory == b.maxCodecMemory && a.scale == b.scale
            && a.minShortSide == b.minShortSide && a.lumaOnly == b.lumaOnly && a.allowDamaged == b.allowDamaged
            && a.maxWork == b.maxWork && a.memoryBudget === b.memoryBudget
    }

    /// The defaults: 100 MP, 1 GiB codec memory, full resolution RGB, damaged files refused.
    public init(maxPixels: Int = 100_000_000, maxCodecMemory: Int = 1 << 30, scale: DCTScale = .full,
                minShortSide: Int? = nil, lumaOnly: Bool = false, allowDamaged: Bool = false) {
        self.maxPixels = maxPixels
        self.maxCodecMemory = maxCodecMemory
        self.scale = scale
        self.minShortSide = minShortSide
        self.lumaOnly = lumaOnly
        self.allowDamaged = allowDamaged
    }
}

/// Decodes JPEG (libjpeg-turbo) and PNG (libpng) bytes into rasters, with the reference decoders' pixels.
///
/// JPEG uses libjpeg's default IDCT (JDCT_ISLOW) and fancy upsampling, which Pillow, OpenCV and djpeg also
/// use, so pixels are byte-identical to theirs. CMYK/YCCK is converted with Pillow's formula (Adobe
/// inverted CMYK un-inverted). PNG palettes and low bit depths are expanded, 16-bit samples scaled to 8 bits
/// and alpha composited onto white. Pixels are returned as stored; `DecodedImage.upright()` applies EXIF.
public enum ImageDecoder {
    /// Reads header facts only (no pixel memory).
    public static func inspect(_ bytes: [UInt8]) throws(DecodeError) -> ImageInfo {
        switch try decodableFormat(bytes) {
        case let format where ExtraFormats.handles(format):  // HEIF, WebP, GIF: ExtraFormats.swift
            return try ExtraFormats.inspect(bytes, format: format)
        case .jpeg:
            let header = try bytes.withUnsafeBufferPointer { buf throws(DecodeError) in
                let (handle, header) = try openJPEG(buf, scale: .full, lumaOnly: false, maxMemory: DecodeOptions().maxCodecMemory)
                ot_jpeg_close(handle)
                return header
            }
            return jpegInfo(header, bytes)
        default:
            let header = try bytes.withUnsafeBufferPointer { buf throws(DecodeError) in
                let (handle, header) = try openPNG(buf, maxPixels: Int.max)
                ot_png_close(handle)
                return header
            }
            return pngInfo(header, bytes)
        }
    }

    /// Decodes to the stored-orientation raster, honouring `options`' limits.
    public static func decode(_ bytes: [UInt8], options: DecodeOptions = DecodeOptions()) throws(DecodeError) -> DecodedImage {
        switch try decodableFormat(bytes) {
        case let format where ExtraFormats.handles(format):  // HEIF, WebP, GIF: ExtraFormats.swift
            return try ExtraFormats.decode(bytes, format: format, options: options)
        case .jpeg:
            // libjpeg reads straight from the array's storage, so the whole decode stays inside this scope.
            let (raster, header, scale, warnings, work) = try bytes.withUnsafeBufferPointer { buf throws(DecodeError) in
                try decodeJPEG(buf, options)
            }
            return DecodedImage(raster: raster, info: jpegInfo(header, bytes), scale: scale, warnings: warnings, work: work)
        default:
            let (raster, header, work) = try bytes.withUnsafeBufferPointer { buf throws(DecodeError) in
                try decodePNG(buf, options)
            }
            return DecodedImage(raster: raster, info: pngInfo(header, bytes), scale: .full, warnings: 0, work: work)
        }
    }

    // MARK: - JPEG

    private static func decodeJPEG(_ bytes: UnsafeBufferPointer<UInt8>, _ options: DecodeOptions)
        throws(DecodeError) -> (Raster, ot_jpeg_header, DCTScale, Int, Int)
    {
        let (full, scale) = try jpegGeometry(bytes, options)
        let (handle, header) = try openJPEG(bytes, scale: scale, lumaOnly: options.lumaOnly, maxMemory: options.maxCodecMemory)
        defer { ot_jpeg_close(handle) }
        ot_jpeg_set_max_work(handle, Int64(options.maxWork))
        let w = Int(header.output_width), h = Int(header.output_height), c = Int(header.output_components)
        // The raster, plus libjpeg's whole-image coefficient buffer (2 bytes a coefficient) for progressive files.
        let stored = Int(full.image_width) * Int(full.image_height) * Int(full.components)
        var warnings: Int32 = 0
        var status: Int32 = 0
        var message = MessageBuffer()
        let estimate = w * h * c + (full.progressive != 0 ? 2 * stored : stored / 8)
        let pixels = try DecodeBudget.holding(options.memoryBudget, estimate) { () throws(DecodeError) in
            try allocate(count: w * h * c) { buffer in
                status = message.withPointer { ot_jpeg_decode(handle, buffer, options.allowDamaged ? 1 : 0, &warnings, $0) }
            }
        }
        if status != Int32(OT_OK) { throw error(status, message.string, format: "JPEG") }
        return (Raster(width: w, height: h, channels: c, pixels: pixels), header, scale, Int(warnings),
                Int(ot_jpeg_work(handle)))
    }

    /// Reads the header once at full scale to check the pixel limit and choose the scale.
    static func jpegGeometry(_ bytes: UnsafeBufferPointer<UInt8>, _ options: DecodeOptions)
        throws(DecodeError) -> (ot_jpeg_header, DCTScale)
    {
        let (probe, full) = try openJPEG(bytes, scale: .full, lumaOnly: false, maxMemory: options.maxCodecMemory)
        ot_jpeg_close(probe)
        try checkPixels(Int(full.image_width), Int(full.image_height), options.maxPixels)
        var scale = options.scale
        if let minSide = options.minShortSide {
            scale = DCTScale.smallest(width: Int(full.image_width), height: Int(full.image_height), minShortSide: minSide)
        }
        return (full, scale)
    }

    /// Opens a JPEG reading from `bytes`, which must stay valid until `ot_jpeg_close`.
    static func openJPEG(_ bytes: UnsafeBufferPointer<UInt8>, scale: DCTScale, lumaOnly: Bool, maxMemory: Int)
        throws(DecodeError) -> (OpaquePointer, ot_jpeg_header)
    {
        var header = ot_jpeg_header()
        var status: Int32 = 0
        var message = MessageBuffer()
        let handle = message.withPointer {
            ot_jpeg_open(bytes.baseAddress, bytes.count, Int32(scale.eighths), lumaOnly ? 1 : 0, maxMemory, &header, &status, $0)
        }
        guard let handle else { throw error(status, message.string, format: "JPEG") }
        return (handle, header)
    }

    static func jpegInfo(_ h: ot_jpeg_header, _ bytes: [UInt8]) -> ImageInfo {
        let model: String
        switch Int32(h.color_model) {
        case Int32(OT_JPEG_GRAY): model = "gray"
        case Int32(OT_JPEG_RGB): model = "rgb"
        case Int32(OT_JPEG_YCBCR): model = "ycbcr"
        case Int32(OT_JPEG_CMYK): model = "cmyk"
        case Int32(OT_JPEG_YCCK): model = "ycck"
        default: model = "other"
        }
        return ImageInfo(format: .jpeg, width: Int(h.image_width), height: Int(h.image_height),
                         orientation: ExifSummary.read(from: bytes).orientation ?? 1, colorModel: model,
                         bitDepth: Int(h.precision), hasAlpha: false, progressive: h.progressive != 0)
    }

    // MARK: - PNG

    private static func decodePNG(_ bytes: UnsafeBufferPointer<UInt8>, _ options: DecodeOptions)
        throws(DecodeError) -> (Raster, ot_png_header, Int)
    {
        let (handle, header) = try openPNG(bytes, maxPixels: options.maxPixels)
        defer { ot_png_close(handle) }
        let w = Int(header.width), h = Int(header.height), c = Int(header.output_components)
        try checkPixels(w, h, options.maxPixels)
        var status: Int32 = 0
        var message = MessageBuffer()
        // The raster, plus libpng's row buffer (up to 4 channels before compositing).
        let pixels = try DecodeBudget.holding(options.memoryBudget, w * h * (c + 4)) { () throws(DecodeError) in
            try allocate(count: w * h * c) { buffer in
                status = message.withPointer { ot_png_decode(handle, buffer, $0) }
            }
        }
        if status != Int32(OT_OK) { throw error(status, message.string, format: "PNG") }
        return (Raster(width: w, height: h, channels: c, pixels: pixels), header, Int(ot_png_consumed(handle)))
    }

    /// Opens a PNG reading from `bytes`, which must stay valid until `ot_png_close`.
    private static func openPNG(_ bytes: UnsafeBufferPointer<UInt8>, maxPixels: Int)
        throws(DecodeError) -> (OpaquePointer, ot_png_header)
    {
        var header = ot_png_header()
        var status: Int32 = 0
        var message = MessageBuffer()
        let handle = message.withPointer {
            ot_png_open(bytes.baseAddress, bytes.count, maxPixels, &header, &status, $0)
        }
        guard let handle else { throw error(status, message.string, format: "PNG") }
        return (handle, header)
    }

    private static func pngInfo(_ h: ot_png_header, _ bytes: [UInt8]) -> ImageInfo {
        let model: String
        switch h.color_type {
        case 0: model = "gray"
        case 2: model = "rgb"
        case 3: model = "palette"
        case 4: model = "gray-alpha"
        case 6: model = "rgba"
        default: model = "other"
        }
        return ImageInfo(format: .png, width: Int(h.width), height: Int(h.height),
                         orientation: ExifSummary.read(from: bytes).orientation ?? 1, colorModel: model,
                         bitDepth: Int(h.bit_depth), hasAlpha: h.has_alpha != 0, progressive: h.interlaced != 0)
    }

    // MARK: - Shared

    private static func decodableFormat(_ bytes: [UInt8]) throws(DecodeError) -> ImageFormat {
        let format = ImageFormat.sniff(bytes)
        switch format {
        case .jpeg, .png: return format
        case let extra where ExtraFormats.handles(extra): return format
        case .unknown where nearPNGSignature(bytes):
            // Most of the PNG signature is there: a damaged PNG (e.g. a text-mode transfer rewrote CR/LF).
            throw DecodeError(.corrupt, "PNG signature is damaged (was the file transferred in text mode?)")
        case .unknown:
            throw DecodeError(.unsupportedFormat, bytes.isEmpty ? "empty file" : "not a recognised image (no JPEG, PNG, HEIF, WebP or GIF signature)")
        default:
            throw DecodeError(.unsupportedFormat, "\(format.rawValue.uppercased()) is not supported (JPEG, PNG, HEIF, WebP and GIF are)")
        }
    }

    private static func nearPNGSignature(_ bytes: [UInt8]) -> Bool {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 8 else { return false }
        return zip(bytes.prefix(8), signature).filter { $0 == $1 }.count >= 5
    }

    private static func checkPixels(_ w: Int, _ h: Int, _ maxPixels: Int) throws(DecodeError) {
        let (pixels, overflow) = w.multipliedReportingOverflow(by: h)
        if w <= 0 || h <= 0 { throw DecodeError(.corrupt, "image has no pixels (\(w)×\(h))") }
        if overflow || pixels > maxPixels {
            throw DecodeError(.tooLarge, "\(w)×\(h) = \(overflow ? "overflow" : String(pixels)) pixels exceeds the limit of \(maxPixels)")
        }
    }

    /// Allocates the output buffer without zero-filling; `fill` must write every byte or throw.
    private static func allocate(count: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Void) throws(DecodeError) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { fill(base) }
            initialized = count
        }
    }

    static func error(_ status: Int32, _ message: String, format: String) -> DecodeError {
        let reason = message.isEmpty ? "\(format) decoder failed" : "\(format): \(message)"
        switch status {
        case Int32(OT_ERR_LIMIT): return DecodeError(.tooLarge, reason)
        case Int32(OT_ERR_UNSUPPORTED): return DecodeError(.unsupported, reason)
        case Int32(OT_ERR_MEMORY): return DecodeError(.memory, reason)
        case Int32(OT_ERR_DAMAGED): return DecodeError(.damaged, reason)
        default: return DecodeError(.corrupt, reason)
        }
    }
}

/// A fixed C buffer for codec messages.
private struct MessageBuffer {
    var bytes = [CChar](repeating: 0, count: Int(OT_MSG_LEN))

    mutating func withPointer<R>(_ body: (UnsafeMutablePointer<CChar>) -> R) -> R {
        bytes.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    var string: String {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
