import CImageCodecs
public import ImageCore

/// What a row-by-row decode delivered, besides the rows themselves.
public struct DecodedRows: Sendable {
    /// The header facts.
    public var info: ImageInfo
    /// Width of the delivered rows in pixels (after DCT scaling).
    public var width: Int
    /// Number of delivered rows.
    public var height: Int
    /// Samples per pixel: 1 (grey) or 3 (RGB).
    public var channels: Int
    /// The DCT scale used (`.full` for every format but JPEG).
    public var scale: DCTScale
    /// libjpeg warnings seen while decoding (damaged data is an error unless allowed).
    public var warnings: Int
    /// The work the decode cost (as `DecodedImage.work`).
    public var work: Int
    /// The stored orientation as a value (`.up` when absent or out of range); rows are delivered as stored.
    public var orientation: Orientation { Orientation(rawValue: info.orientation) ?? .up }
}

extension ImageDecoder {
    /// Rows per chunk handed to the consumer of `decodeRows` by default: enough to amortise the calls, small
    /// enough to stay in the cache.
    public static let defaultChunkRows = 16

    /// Decodes `bytes` and hands the pixels, as stored, to `consume` in chunks of up to `chunkRows` packed rows
    /// top to bottom (`consume(rows, count)`, each row `width × channels` bytes), after `start(width, height,
    /// channels)` has announced their shape.
    ///
    /// A JPEG is decoded scanline by scanline through libjpeg-turbo: the image is never held whole (memory is
    /// libjpeg's own plus one chunk), so a consumer that keeps only what it needs (a `RowHasher`) hashes a
    /// 12-megapixel photo in a few MB. Other formats are decoded whole and then handed over in chunks. The
    /// limits, budgets and damage rules of `decode` apply; on a throw, rows already delivered are to be
    /// discarded.
    public static func decodeRows(
        _ bytes: [UInt8], options: DecodeOptions = DecodeOptions(), chunkRows: Int = defaultChunkRows,
        start: (_ width: Int, _ height: Int, _ channels: Int) -> Void,
        consume: (_ rows: UnsafePointer<UInt8>, _ count: Int) -> Void
    ) throws(DecodeError) -> DecodedRows {
        let chunk = max(1, chunkRows)
        guard case .jpeg = ImageFormat.sniff(bytes) else {
            let image = try decode(bytes, options: options)
            let r = image.raster
            start(r.width, r.height, r.channels)
            let rowBytes = r.width * r.channels
            if rowBytes > 0 {
                r.pixels.withUnsafeBufferPointer { p in
                    var y = 0
                    while y < r.height {
                        let n = min(chunk, r.height - y)
                        consume(p.baseAddress! + y * rowBytes, n)
                        y += n
                    }
                }
            }
            return DecodedRows(info: image.info, width: r.width, height: r.height, channels: r.channels,
                               scale: image.scale, warnings: image.warnings, work: image.work)
        }
        return try bytes.withUnsafeBufferPointer { buf throws(DecodeError) in
            try decodeJPEGRows(buf, bytes, options, chunk, start, consume)
        }
    }

    private static func decodeJPEGRows(
        _ bytes: UnsafeBufferPointer<UInt8>, _ array: [UInt8], _ options: DecodeOptions, _ chunk: Int,
        _ start: (Int, Int, Int) -> Void, _ consume: (UnsafePointer<UInt8>, Int) -> Void
    ) throws(DecodeError) -> DecodedRows {
        let (full, scale) = try jpegGeometry(bytes, options)
        let (handle, header) = try openJPEG(bytes, scale: scale, lumaOnly: options.lumaOnly,
                                            maxMemory: options.maxCodecMemory)
        defer { ot_jpeg_close(handle) }
        ot_jpeg_set_max_work(handle, Int64(options.maxWork))
        let w = Int(header.output_width), h = Int(header.output_height), c = Int(header.output_components)
        let stored = Int(full.image_width) * Int(full.image_height) * Int(full.components)
        // One chunk of rows, plus libjpeg's whole-image coefficient buffer for progressive files.
        let estimate = chunk * w * c + (full.progressive != 0 ? 2 * stored : stored / 8)
        var warnings: Int32 = 0
        var message = [CChar](repeating: 0, count: Int(OT_MSG_LEN))
        let status: Int32 = try DecodeBudget.holding(options.memoryBudget, estimate) { () throws(DecodeError) -> Int32 in
            message.withUnsafeMutableBufferPointer { msg -> Int32 in
                var status = ot_jpeg_start_rows(handle, options.allowDamaged ? 1 : 0, msg.baseAddress)
                guard status == Int32(OT_OK) else { return status }
                start(w, h, c)
                let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk * w * c)
                defer { buffer.deallocate() }
                var delivered = 0
                while delivered < h {
                    var got: Int32 = 0
                    status = ot_jpeg_read_rows(handle, buffer, Int32(min(chunk, h - delivered)), &got, msg.baseAddress)
                    guard status == Int32(OT_OK) else { return status }
                    guard got > 0 else { break }
                    consume(buffer, Int(got))
                    delivered += Int(got)
                }
                return ot_jpeg_finish_rows(handle, &warnings, msg.baseAddress)
            }
        }
        if status != Int32(OT_OK) {
            let end = message.firstIndex(of: 0) ?? message.count
            throw error(status, String(decoding: message[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self), format: "JPEG")
        }
        return DecodedRows(info: jpegInfo(header, array), width: w, height: h, channels: c, scale: scale,
                           warnings: Int(warnings), work: Int(ot_jpeg_work(handle)))
    }
}
