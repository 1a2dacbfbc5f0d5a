import CImageCodecs

/// Looks for location and device-identifying metadata anywhere in a file's bytes, not only where a decoder
/// would look.
///
/// The `hadGPS` / `hadDeviceSerial` flags of a tip photo must be true whenever the original carried them, and
/// cameras and editors put EXIF in many places: a second image after the end-of-image marker (MPO, motion
/// photos, Ultra-HDR gain maps), APPn segments between progressive scans or after a stray byte, PNG `eXIf`
/// chunks after IEND or after a chunk with a bad length, ImageMagick's hex "Raw profile" text chunks, XMP
/// packets. So the scan ignores structure: every TIFF header (`II*\0` / `MM\0*`) in the file is parsed as an
/// EXIF block (bounds-checked, see `ExifSummary.parse`), hex raw profiles are decoded and parsed, and XMP
/// property names for GPS and serial numbers are searched as text. PNG zTXt and compressed iTXt chunks
/// (ImageMagick writes EXIF as a zTXt "Raw profile type exif"), before or after IEND, are inflated (at most
/// 4 MiB each) and scanned the same way. A false positive only makes a flag more cautious.
public enum MetadataScan {
    /// What the scan found.
    public struct Findings: Sendable, Equatable {
        /// A GPS IFD or XMP GPS coordinates somewhere in the file.
        public var hasGPS = false
        /// A camera, body or lens serial number somewhere in the file.
        public var hasDeviceSerial = false
        /// How many TIFF headers were parsed (a work counter; at most `maxTIFFHeaders`).
        public var tiffHeaders = 0
    }

    /// The most TIFF headers parsed per file; past it both flags are set (the file is unusual enough to assume
    /// the worst).
    public static let maxTIFFHeaders = 4096

    private static let gpsNames = ["GPSLatitude", "GPSLongitude", "GPSPosition"]
    /// BodySerialNumber, LensSerialNumber, aux:SerialNumber, CameraSerialNumber, …
    private static let serialNames = ["SerialNumber"]
    /// XMP may be UTF-8, UTF-16 or UTF-32 (XMP Specification Part 1, 7.1): the names in every encoding
    /// whose first byte is the letter itself (UTF-8, UTF-16LE, UTF-32LE) …
    private static let xmpGPS: [[UInt8]] = gpsNames.flatMap(encodings)
    private static let xmpSerial: [[UInt8]] = serialNames.flatMap(encodings)
    /// … and the big-endian ones, which start with zero bytes.
    private static let xmpGPSBigEndian: [[UInt8]] = gpsNames.flatMap(bigEndianEncodings)
    private static let xmpSerialBigEndian: [[UInt8]] = serialNames.flatMap(bigEndianEncodings)

    private static func encodings(_ name: String) -> [[UInt8]] {
        let ascii = Array(name.utf8)
        return [ascii, ascii.flatMap { [$0, 0] }, ascii.flatMap { [$0, 0, 0, 0] }]
    }

    private static func bigEndianEncodings(_ name: String) -> [[UInt8]] {
        let ascii = Array(name.utf8)
        return [ascii.flatMap { [0, $0] }, ascii.flatMap { [0, 0, 0, $0] }]
    }
    private static let rawProfile: [UInt8] = Array("Raw profile type ".utf8)

    /// Scans `bytes` whole.
    public static func scan(_ bytes: [UInt8]) -> Findings {
        var found = Findings()
        bytes.withUnsafeBufferPointer { b in
            let n = b.count
            var i = 0
            while i + 8 <= n {
                let c = b[i]
                if (c == 0x49 && b[i + 1] == 0x49 && b[i + 2] == 0x2A && b[i + 3] == 0x00)
                    || (c == 0x4D && b[i + 1] == 0x4D && b[i + 2] == 0x00 && b[i + 3] == 0x2A)
                {
                    found.tiffHeaders += 1
                    if found.tiffHeaders > maxTIFFHeaders {
                        found.hasGPS = true
                        found.hasDeviceSerial = true
                        break
                    }
                    // An EXIF block is at most 64 KiB in JPEG; PNG eXIf and trailers may be longer.
                    let end = min(n, i + (1 << 20))
                    let summary = ExifSummary.parse(tiff: bytes[i..<end])
                    found.hasGPS = found.hasGPS || summary.hasGPS
                    found.hasDeviceSerial = found.hasDeviceSerial || summary.hasDeviceSerial
                } else if c == 0x47 || c == 0x53 {  // G, S: XMP property names
                    if !found.hasGPS, xmpGPS.contains(where: { matches($0, b, at: i) }) { found.hasGPS = true }
                    if !found.hasDeviceSerial, xmpSerial.contains(where: { matches($0, b, at: i) }) {
                        found.hasDeviceSerial = true
                    }
                } else if c == 0, b[i + 1] == 0x47 || b[i + 1] == 0x53 || (b[i + 1] == 0 && b[i + 2] == 0) {
                    if !found.hasGPS, xmpGPSBigEndian.contains(where: { matches($0, b, at: i) }) { found.hasGPS = true }
                    if !found.hasDeviceSerial, xmpSerialBigEndian.contains(where: { matches($0, b, at: i) }) {
                        found.hasDeviceSerial = true
                    }
                } else if c == 0x52, matches(rawProfile, b, at: i) {  // "Raw profile type exif|APP1"
                    let summary = parseRawProfile(bytes, from: i + rawProfile.count)
                    found.hasGPS = found.hasGPS || summary.hasGPS
                    found.hasDeviceSerial = found.hasDeviceSerial || summary.hasDeviceSerial
                }
                i += 1
            }
        }
        if !(found.hasGPS && found.hasDeviceSerial), bytes.count >= 8,
           bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        {
            forEachCompressedPNGText(bytes) { rawProfile, text in
                let inner = rawProfile ? parseRawProfile(text, from: 0) : {
                    let f = scan(text)
                    return ExifSummary(orientation: nil, hasGPS: f.hasGPS, hasDeviceSerial: f.hasDeviceSerial)
                }()
                found.hasGPS = found.hasGPS || inner.hasGPS
                found.hasDeviceSerial = found.hasDeviceSerial || inner.hasDeviceSerial
            }
        }
        return found
    }

    /// Calls `body` with the inflated text of each zTXt and compressed iTXt chunk (at most 64), walking on
    /// past IEND while lengths fit.
    private static func forEachCompressedPNGText(_ bytes: [UInt8], _ body: (_ rawProfile: Bool, _ text: [UInt8]) -> Void) {
        var seen = 0
        var pos = 8
        while pos + 12 <= bytes.count, seen < 64 {
            let length = Int(bytes[pos]) << 24 | Int(bytes[pos + 1]) << 16 | Int(bytes[pos + 2]) << 8 | Int(bytes[pos + 3])
            guard length <= bytes.count - pos - 12 else { break }
            let type = Array(bytes[(pos + 4)..<(pos + 8)])
            let data = bytes[(pos + 8)..<(pos + 8 + length)]
            pos += 12 + length
            let isZTXt = type == Array("zTXt".utf8), isITXt = type == Array("iTXt".utf8)
            guard isZTXt || isITXt, let nul = data.firstIndex(of: 0) else { continue }
            let keyword = Array(data[data.startIndex..<nul])
            var start = nul + 1
            if isITXt {
                // compression flag, method, language NUL, translated keyword NUL
                guard start + 2 <= data.endIndex, data[start] == 1 else { continue }
                start += 2
                guard let lang = data[start...].firstIndex(of: 0), let translated = data[(lang + 1)...].firstIndex(of: 0) else { continue }
                start = translated + 1
            } else {
                start += 1  // compression method
            }
            guard start <= data.endIndex else { continue }
            seen += 1
            body(keyword.starts(with: Array("Raw profile type".utf8)), inflate(Array(data[start...])))
        }
    }

    private static func inflate(_ compressed: [UInt8]) -> [UInt8] {
        let capacity = 4 << 20
        var size = 0
        var out = [UInt8](repeating: 0, count: capacity)
        _ = compressed.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                ot_inflate_bounded(input.baseAddress, input.count, output.baseAddress, capacity, &size)
            }
        }
        return Array(out[0..<size])
    }

    private static func matches(_ word: [UInt8], _ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i + word.count <= b.count else { return false }
        for k in 0..<word.count where b[i + k] != word[k] { return false }
        return true
    }

    /// ImageMagick's `Raw profile type exif` text: a keyword, NUL, then "\nexif\n    <length>\n<hex lines>".
    private static func parseRawProfile(_ bytes: [UInt8], from start: Int) -> ExifSummary {
        var decoded: [UInt8] = []
        var high: UInt8? = nil
        var i = start
        // Skip the name and the decimal length line: hex starts after the third line break.
        var breaks = 0
        while i < bytes.count, breaks < 3, i - start < 256 {
            if bytes[i] == 0x0A { breaks += 1 }
            i += 1
        }
        let limit = min(bytes.count, i + (2 << 20))
        while i < limit {
            let c = bytes[i]
            i += 1
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            case 0x41...0x46: v = c - 0x41 + 10
            case 0x0A, 0x0D, 0x20, 0x09: continue
            default: i = limit; continue
            }
            if let h = high { decoded.append(h << 4 | v); high = nil } else { high = v }
        }
        var findings = ExifSummary.none
        // The profile is either TIFF or `Exif\0\0` + TIFF: scan it like a file.
        let inner = scan(decoded)
        findings.hasGPS = inner.hasGPS
        findings.hasDeviceSerial = inner.hasDeviceSerial
        return findings
    }
}
