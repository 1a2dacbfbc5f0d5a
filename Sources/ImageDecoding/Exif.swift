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
        guard tiff.count >= 8 else { return summary }
        let little: Bool
        switch (tiff[tiff.startIndex], tiff[tiff.startIndex + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return summary
        }
        let main = TIFFReader(bytes: tiff, origin: 0, little: little)
        guard main.u16(2) == 42, let ifd0 = main.u32(4) else { return summary }
        var visited = Set<Int>()
        var exifIFD: Int?
        var make = ""
        main.walk(ifd0, &visited) { tag, type, count, value in
            switch tag {
            case 0x0112 where type == 3 && count >= 1:
                if let v = main.u16(value), (1...8).contains(v) { summary.orientation = v }
            case 0x010F:
                make = main.ascii(type: type, count: count, at: value, max: 32)
            case 0x8825:
                summary.hasGPS = true
            case 0x8769:
                exifIFD = main.u32(value)
            case 0xC62F:
                summary.hasDeviceSerial = true
            default:
                break
            }
        }
        if let exif = exifIFD {
            var makerNote: (offset: Int, count: Int)?
            main.walk(exif, &visited) { tag, _, count, value in
                if tag == 0xA431 || tag == 0xA435 { summary.hasDeviceSerial = true }
                if tag == 0x927C, count > 4, let offset = main.u32(value) { makerNote = (offset, count) }
            }
            if let note = makerNote, makerNoteHasSerial(main, at: note.offset, count: note.count, make: make) {
                summary.hasDeviceSerial = true
            }
        }
        return summary
    }

    /// Whether a maker note of a vendor whose layout is known carries the camera's serial number: Nikon
    /// (type 2, its own TIFF header; tag 0x001D), Canon (an IFD at the note; 0x000C SerialNumber, 0x0096
    /// InternalSerialNumber), Fujifilm (`FUJIFILM`, little-endian IFD; 0x0010), Panasonic (`Panasonic`;
    /// 0x0025 InternalSerialNumber), Olympus/OM System (Equipment IFD 0x2010; 0x0101, 0x0102). Other notes are
    /// left alone: the working copy never carries them anyway, this only sets the flag analysts see.
    private static func makerNoteHasSerial(_ main: TIFFReader, at offset: Int, count: Int, make: String) -> Bool {
        let start = main.bytes.startIndex + offset
        guard offset >= 0, offset < main.bytes.count else { return false }
        let note = main.bytes[start..<min(main.bytes.endIndex, start + count)]
        func has(_ prefix: String) -> Bool { note.starts(with: prefix.utf8) }
        var visited = Set<Int>()
        func ifdHas(_ reader: TIFFReader, _ ifd: Int, _ tags: Set<Int>) -> Bool {
            var found = false
            reader.walk(ifd, &visited) { tag, _, _, _ in if tags.contains(tag) { found = true } }
            return found
        }
        if has("Nikon\0"), note.count > 18 {
            // "Nikon\0" + version (2 bytes) + 2 bytes, then a TIFF header whose offsets count from itself.
            let inner = note.dropFirst(10)
            guard let order = inner.first, order == 0x49 || order == 0x4D else { return false }
            let reader = TIFFReader(bytes: inner, origin: 0, little: order == 0x49)
            guard reader.u16(2) == 42, let ifd = reader.u32(4) else { return false }
            return ifdHas(reader, ifd, [0x001D])
        }
        if has("FUJIFILM") {
            let reader = TIFFReader(bytes: note, origin: 0, little: true)
            guard let ifd = reader.u32(8) else { return false }
            return ifdHas(reader, ifd, [0x0010])
        }
        if has("Panasonic\0") {
            return ifdHas(main, offset + 12, [0x0025])
        }
        if has("OLYMPUS\0") || has("OM SYSTEM\0") {
            // New-style Olympus: offsets count from the note; the serials sit in the Equipment sub-IFD.
            let headerLength = has("OLYMPUS\0") ? 12 : 16
            guard note.count > headerLength, let order = note.dropFirst(headerLength - 4).first else { return false }
            let reader = TIFFReader(bytes: note, origin: 0, little: order == 0x49)
            var equipment: Int?
            reader.walk(headerLength, &visited) { tag, _, _, value in if tag == 0x2010 { equipment = reader.u32(value) } }
            return equipment.map { ifdHas(reader, $0, [0x0101, 0x0102]) } ?? false
        }
        if make.hasPrefix("Canon") {
            return ifdHas(main, offset, [0x000C, 0x0096])
        }
        return false
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

/// One chunk of a PNG or a WebP RIFF file: its four-character type, its data, and its byte range (header,
/// data and, for PNG, the CRC).
public struct ContainerChunk {
    public let type: String
    public let data: ArraySlice<UInt8>
    public let range: Range<Int>
}

/// The chunks of a PNG, bounds-checked (CRCs are libpng's business).
public struct PNGChunks: Sequence {
    public typealias Chunk = ContainerChunk

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

/// Bounds-checked reads of a TIFF structure: offsets count from `origin` within `bytes`, in one byte order.
struct TIFFReader {
    let bytes: ArraySlice<UInt8>
    let origin: Int
    let little: Bool

    func u16(_ off: Int) -> Int? {
        guard off >= 0, origin + off + 2 <= bytes.count else { return nil }
        let i = bytes.startIndex + origin + off
        let a = Int(bytes[i]), b = Int(bytes[i + 1])
        return little ? a | b << 8 : a << 8 | b
    }

    func u32(_ off: Int) -> Int? {
        guard let lo = u16(little ? off : off + 2), let hi = u16(little ? off + 2 : off) else { return nil }
        return hi << 16 | lo
    }

    /// An ASCII value (type 2) of at most `max` bytes, inline or at its offset; "" otherwise.
    func ascii(type: Int, count: Int, at value: Int, max: Int) -> String {
        guard type == 2, count > 0 else { return "" }
        let n = min(count, max)
        guard let start = count <= 4 ? value : u32(value), start >= 0, origin + start + n <= bytes.count else { return "" }
        let i = bytes.startIndex + origin + start
        return String(decoding: bytes[i..<i + n].prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Walks one IFD's entries, calling `visit(tag, type, count, valueOffset)`; guards against loops and
    /// stops after 16 IFDs per file.
    func walk(_ offset: Int, _ visited: inout Set<Int>, _ visit: (Int, Int, Int, Int) -> Void) {
        guard !visited.contains(offset), visited.count < 16, let n = u16(offset), n <= 1000 else { return }
        visited.insert(offset)
        for i in 0..<n {
            let e = offset + 2 + 12 * i
            guard let tag = u16(e), let type = u16(e + 2), let count = u32(e + 4) else { return }
            visit(tag, type, count, e + 8)
        }
    }
}
