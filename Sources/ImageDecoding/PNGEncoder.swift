import CImageCodecs
import ImageCore

/// Writes rasters as PNG through libpng (thumbnails for evidence sheets and dossiers).
public enum PNGEncoder {
    /// The PNG bytes of `raster`.
    public static func encode(_ raster: Raster) throws(DecodeError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: Int(OT_MSG_LEN))
        let status = raster.pixels.withUnsafeBufferPointer { px in
            message.withUnsafeMutableBufferPointer { msg in
                ot_png_encode(px.baseAddress, Int32(raster.width), Int32(raster.height), Int32(raster.channels), &out, &size, msg.baseAddress)
            }
        }
        defer { ot_free(out) }
        guard status == Int32(OT_OK), let out else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DecodeError(.corrupt, "PNG encoding failed: \(text)")
        }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
