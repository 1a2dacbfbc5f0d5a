import CImageCodecs
public import ImageCore

/// Writes rasters as PNG through libpng (thumbnails for evidence sheets and dossiers).
public enum PNGEncoder {
    /// The PNG bytes of `raster`, with an `eXIf` chunk holding `exif` (TIFF bytes) when given.
    public static func encode(_ raster: Raster, exif: [UInt8] = []) throws(DecodeError) -> [UInt8] {
        try exif.withUnsafeBufferPointer { tiff throws(DecodeError) in
            try encodedBytes(raster, format: "PNG", failure: .corrupt) { px, out, size, msg in
                ot_png_encode(px, Int32(raster.width), Int32(raster.height), Int32(raster.channels), tiff.baseAddress,
                              tiff.count, out, size, msg)
            }
        }
    }
}

/// Writes rasters as baseline JPEG through libjpeg-turbo: re-compressed copies for tests and generated
/// tip photos, which is what a photo goes through when it is re-shared.
public enum JPEGEncoder {
    /// The JPEG bytes of `raster` (grey or RGB) at `quality` 1–100 (4:2:0 chroma for RGB, libjpeg's defaults).
    public static func encode(_ raster: Raster, quality: Int = 90) throws(DecodeError) -> [UInt8] {
        try encodedBytes(raster, format: "JPEG", failure: .unsupported) { px, out, size, msg in
            ot_jpeg_encode(px, Int32(raster.width), Int32(raster.height), Int32(raster.channels), Int32(quality),
                           out, size, msg)
        }
    }
}

/// Runs one of the C encoders (which return a malloc'd buffer and a status) and copies its output out.
private func encodedBytes(
    _ raster: Raster, format: String, failure: DecodeError.Kind,
    _ encode: (UnsafePointer<UInt8>?, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>,
               UnsafeMutablePointer<CChar>?) -> Int32
) throws(DecodeError) -> [UInt8] {
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    var message = [CChar](repeating: 0, count: Int(OT_MSG_LEN))
    let status = raster.pixels.withUnsafeBufferPointer { px in
        message.withUnsafeMutableBufferPointer { msg in encode(px.baseAddress, &out, &size, msg.baseAddress) }
    }
    defer { ot_free(out) }
    guard status == Int32(OT_OK), let out else {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw DecodeError(failure, "\(format) encoding failed: \(text)")
    }
    return Array(UnsafeBufferPointer(start: out, count: size))
}
