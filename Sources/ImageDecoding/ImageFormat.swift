/// A file format recognised from its first bytes (never from the file name).
public enum ImageFormat: String, Sendable, Codable {
    case jpeg, png
    case gif, webp, tiff, bmp, heif, avif, jpeg2000, jpegxl, ico, psd, pdf
    case unknown

    /// Whether objtrace decodes this format.
    public var isDecodable: Bool { self == .jpeg || self == .png || ExtraFormats.handles(self) }

    /// Recognises a format from its magic bytes.
    public static func sniff<C: Collection<UInt8>>(_ bytes: C) -> ImageFormat where C.Index == Int {
        let b = Array(bytes.prefix(16))
        func has(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + prefix.count && Array(b[offset..<offset + prefix.count]) == prefix
        }
        if has([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if has([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if has(Array("GIF8".utf8)) { return .gif }
        if has(Array("RIFF".utf8)) && has(Array("WEBP".utf8), at: 8) { return .webp }
        if has([0x49, 0x49, 0x2A, 0x00]) || has([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if has(Array("BM".utf8)) { return .bmp }
        if has(Array("ftyp".utf8), at: 4) {
            let brand = b.count >= 12 ? String(decoding: b[8..<12], as: UTF8.self) : ""
            if brand.hasPrefix("avi") { return .avif }
            // HEIF still-image brands only: an ISO-BMFF video (isom, mp42, qt) is not an image.
            return ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "mif2"].contains(brand) ? .heif : .unknown
        }
        if has([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || has([0xFF, 0x4F, 0xFF, 0x51]) { return .jpeg2000 }
        if has([0xFF, 0x0A]) || has([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return .jpegxl }
        if has([0x00, 0x00, 0x01, 0x00]) { return .ico }
        if has(Array("8BPS".utf8)) { return .psd }
        if has(Array("%PDF".utf8)) { return .pdf }
        return .unknown
    }
}
