/// Reads the few EXIF facts objtrace needs straight from JPEG APP1 / PNG eXIf bytes.
///
/// Written in Swift with bounds checks on every read, so a hostile TIFF structure (offsets pointing
/// anywhere, loops, huge counts) yields "no value" instead of a crash.
public struct ExifSummary: Sendable, Equatable {
    /// The orientation tag (0x0112), when present and 1…8.
    public var orientation: Int?
    /// Whether a GPS IFD (0x8825) is present: the photo may reveal where it was taken.
    public var hasGPS: Bool
    /// Whether a camera or lens serial number is present (BodySerialNumber 0xA431, LensSerialNumber 0xA435,
    /// or the older 0xC62F CameraSerialNumber): it may identify the tipster's device.
    public var hasDeviceSerial: Bool

    /// An empty summary (no EXIF).
    public static let none = ExifSummary(orientation: nil, hasGPS: false, hasDeviceSerial: false)

    /// Parses a TIFF-structured EXIF block (starting at the `II`/`MM` byte-order mark).
    public static func parse(tiff: ArraySlice<UInt8>) -> ExifSummary {
        var summary = ExifSummary.none
        let base = tiff.startIndex
        guard tiff.count >= 8 else { return summary }
        let little: Bool
        switch (tiff[base], tiff[base + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return summary
        }
        func u16(_ off: Int) -> Int? {
            guard off >= 0, off + 2 <= tiff.count else { return nil }
            let a = Int(tiff[base + off]), b = Int(tiff[base + off + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ off: Int) -> Int? {
            guard let lo = u16(little ? off : off + 2), let hi = u16(little ? off + 2 : off) else { return nil }
            return hi << 16 | lo
        }
        guard u16(2) == 42, let ifd0 = u32(4) else { return summary }
        var visited = Set<Int>()
        // Walks one IFD's entries, calling `visit(tag, type, count, valueOffset)`; guards against loops.
        func walk(_ offset: Int, _ visit: (Int, Int, Int, Int) -> Void) {
            guard !visited.contains(offset), visited.count < 16, let n = u16(offset), n <= 1000 else { return }
            visited.insert(offset)
            for i in 0..<n {
                let e = offset + 2 + 12 * i
                guard let tag = u16(e), let type = u16(e + 2), let count = u32(e + 4) else { return }
                visit(tag, type, count, e + 8)
            }
        }
        var exifIFD: Int?
        walk(ifd0) { tag, type, count, value in
            switch tag {
            case 0x0112 where type == 3 && count >= 1:
                if let v = u16(value), (1...8).contains(v) { summary.orientation = v }
            case 0x8825:
                summary.hasGPS = true
            case 0x8769:
                exifIFD = u32(value)
            case 0xC62F:
                summary.hasDeviceSerial = true
            default:
                break
            }
        }
        if let exif = exifIFD {
            walk(exif) { tag, _, _, _ in
                if tag == 0xA431 || tag == 0xA435 { summary.hasDeviceSerial = true }
            }
        }
        return summary
    }

    /// The smallest TIFF block that carries an orientation: one IFD with the single tag 0x0112 (big-endian).
    /// The tip-photo working copy carries this and nothing else, so it shows as the tipster saw it.
    public static func orientationOnlyTIFF(_ orientation: Int) -> [UInt8] {
        let o = UInt8(clamping: (1...8).contains(orientation) ? orientation : 1)
        return [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,  // "MM", 42, IFD0 at 8
                0x00, 0x01,  // one entry
                0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, o, 0x00, 0x00,  // Orientation SHORT 1 = o
                0x00, 0x00, 0x00, 0x00]  // no next IFD
    }

    /// The JPEG APP1 payload (`Exif\0\0` + TIFF) for `orientationOnlyTIFF`.
    public static func orientationOnlyAPP1(_ orientation: Int) -> [UInt8] {
        [0x45, 0x78, 0x69, 0x66, 0x00, 0x00] + orientationOnlyTIFF(orientation)
    }

    /// Finds and parses the EXIF block of a JPEG (APP1 `Exif\0\0`) or PNG (`eXIf` chunk).
    public static func read(from bytes: [UInt8]) -> ExifSummary {
        switch ImageFormat.sniff(bytes) {
        case .jpeg:
            for segment in JPEGSegments(bytes) where segment.marker == 0xE1 {
                let p = segment.payload
                if p.count > 6, Array(p.prefix(6)) == [0x45, 0x78, 0x69, 0x66, 0x00, 0x00] {
                    return parse(tiff: p.dropFirst(6))
                }
            }
        case .png:
            for chunk in PNGChunks(bytes) where chunk.type == "eXIf" {
                return parse(tiff: chunk.data)
            }
        default:
            break
        }
        return .none
    }
}

/// The marker segments of a JPEG up to the start of scan (where metadata lives), bounds-checked.
public struct JPEGSegments: Sequence {
    /// One marker segment: the marker byte (e.g. 0xE1 for APP1), its payload, and its byte range.
    public struct Segment {
        public let marker: UInt8
        public let payload: ArraySlice<UInt8>
        /// From the 0xFF marker byte to the end of the payload.
        public let range: Range<Int>
    }

    let bytes: [UInt8]

    /// Segments of `bytes`, which should start with SOI.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func makeIterator() -> AnyIterator<Segment> {
        var pos = 2
        let b = bytes
        var done = b.count < 4 || b[0] != 0xFF || b[1] != 0xD8
        return AnyIterator {
            guard !done else { return nil }
            // Skip fill bytes.
            while pos + 1 < b.count, b[pos] == 0xFF, b[pos + 1] == 0xFF { pos += 1 }
            guard pos + 4 <= b.count, b[pos] == 0xFF else { done = true; return nil }
            let marker = b[pos + 1]
            if marker == 0xDA || marker == 0xD9 { done = true; return nil }  // SOS / EOI: metadata ends
            let length = Int(b[pos + 2]) << 8 | Int(b[pos + 3])
            guard length >= 2, pos + 2 + length <= b.count else { done = true; return nil }
            let seg = Segment(marker: marker, payload: b[(pos + 4)..<(pos + 2 + length)], range: pos..<(pos + 2 + length))
            pos += 2 + length
            return seg
        }
    }
}

/// The chunks of a PNG, bounds-checked (CRCs are libpng's business).
public struct PNGChunks: Sequence {
    /// One chunk: its four-letter type, data, and byte range including length, type and CRC.
    public struct Chunk {
        public let type: String
        public let data: ArraySlice<UInt8>
        public let range: Range<Int>
    }

    let bytes: [UInt8]

    /// Chunks of `bytes`, which should start with the PNG signature.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func makeIterator() -> AnyIterator<Chunk> {
        var pos = 8
        let b = bytes
        var done = ImageFormat.sniff(b) != .png
        return AnyIterator {
            guard !done, pos + 12 <= b.count else { return nil }
            let length = Int(b[pos]) << 24 | Int(b[pos + 1]) << 16 | Int(b[pos + 2]) << 8 | Int(b[pos + 3])
            guard length >= 0, length <= b.count - pos - 12 else { done = true; return nil }
            let type = String(decoding: b[(pos + 4)..<(pos + 8)], as: UTF8.self)
            let chunk = Chunk(type: type, data: b[(pos + 8)..<(pos + 8 + length)], range: pos..<(pos + 12 + length))
            pos += 12 + length
            if type == "IEND" { done = true }
            return chunk
        }
    }
}
