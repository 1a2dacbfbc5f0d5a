public import ImageCore

/// What a file's header says, before (or without) decoding its pixels.
public struct ImageInfo: Sendable, Equatable, Codable {
    /// The sniffed format.
    public var format: ImageFormat
    /// Stored width (before orientation).
    public var width: Int
    /// Stored height (before orientation).
    public var height: Int
    /// The EXIF orientation tag (1 when absent or invalid).
    public var orientation: Int
    /// Colour model as stored: `gray`, `rgb`, `ycbcr`, `cmyk`, `ycck`, `palette`, `gray-alpha`, `rgba`.
    public var colorModel: String
    /// Bits per sample as stored.
    public var bitDepth: Int
    /// Whether the file carries transparency (composited onto white when decoded).
    public var hasAlpha: Bool
    /// Progressive JPEG or interlaced (Adam7) PNG.
    public var progressive: Bool
    /// Frames in the file (animated WebP/GIF; 1 for stills). Only the first is decoded.
    public var frames: Int = 1
}

/// Pixels as decoded, with the header facts that produced them.
public struct DecodedImage: Sendable {
    /// The pixels as stored in the file (orientation not applied), possibly DCT-scaled.
    public var raster: Raster
    /// The header facts.
    public var info: ImageInfo
    /// The DCT scale used (`.full` for PNG and full-resolution JPEG).
    public var scale: DCTScale
    /// libjpeg warnings seen while decoding (damaged data is an error unless allowed).
    public var warnings: Int
    /// The work the decode cost: JPEG block-scans (see `DecodeOptions.maxWork`), PNG bytes read.
    public var work: Int = 0

    /// The stored orientation as a value (`.up` when absent or out of range).
    public var orientation: Orientation { Orientation(rawValue: info.orientation) ?? .up }

    /// The pixels as a person sees them: EXIF orientation applied.
    public func upright() -> Raster { raster.applying(orientation) }
}
