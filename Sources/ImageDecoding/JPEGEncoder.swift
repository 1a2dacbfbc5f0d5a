import CImageCodecs
import ImageCore

/// Writes rasters as baseline JPEG through libjpeg-turbo: re-compressed copies for tests and generated
/// tip photos, which is what a photo goes through when it is re-shared.
public enum JPEGEncoder {
    /// The JPEG bytes of `raster` (grey or RGB) at `quality` 1–100 (4:2:0 chroma for RGB, libjpeg's defaults).
    public static func encode(_ raster: Raster, quality: Int = 90) throws(DecodeError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: Int(OT_MSG_LEN))
        let status = raster.pixels.withUnsafeBufferPointer { px in
            message.withUnsafeMutableBufferPointer { msg in
                ot_jpeg_encode(px.baseAddress, Int32(raster.width), Int32(raster.height), Int32(raster.channels),
                               Int32(quality), &out, &size, msg.baseAddress)
            }
        }
        defer { ot_free(out) }
        guard status == Int32(OT_OK), let out else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DecodeError(.unsupported, "JPEG encoding failed: \(text)")
        }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
