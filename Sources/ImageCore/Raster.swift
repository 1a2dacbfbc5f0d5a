/// An 8-bit, row-major, interleaved pixel raster: grey (1 channel) or RGB (3 channels).
///
/// Decoders produce it and hashers consume it; it carries no colour management and no alpha
/// (alpha is composited away by the decoder), so every consumer sees the same pixels.
public struct Raster: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Samples per pixel: 1 (grey) or 3 (RGB).
    public let channels: Int
    /// `width * height * channels` samples, rows top to bottom, no padding.
    public var pixels: [UInt8]

    /// Wraps existing samples; `pixels.count` must equal `width * height * channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "Raster holds grey or RGB only")
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * channels,
                     "Raster sample count does not match its size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The number of pixels.
    @inlinable public var pixelCount: Int { width * height }

    /// This raster as RGB (grey samples replicated), for consumers that want three channels.
    public func rgb() -> Raster {
        if channels == 3 { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count {
                    let v = src[i]
                    dst[3 * i] = v; dst[3 * i + 1] = v; dst[3 * i + 2] = v
                }
            }
        }
        return Raster(width: width, height: height, channels: 3, pixels: out)
    }
}
