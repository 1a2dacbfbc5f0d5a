/// Looks for location and device-identifying metadata anywhere in a file's bytes, not only where a decoder
/// would look.
///
/// The `hadGPS` / `hadDeviceSerial` flags of a tip photo must be true whenever the original carried them, and
/// cameras and editors put EXIF in many places: a second image after the end-of-image marker (MPO, motion
/// photos, Ultra-HDR gain maps), APPn segments between progressive scans or after a stray byte, PNG `eXIf`
/// chunks after IEND or after a chunk with a bad length, ImageMagick's hex "Raw profile" text chunks, XMP
/// packets. So the scan ignores structure: every TIFF header (`II*\0` / `MM\0*`) in the file is parsed as an
/// EXIF block (bounds-checked, see `ExifSummary.parse`), hex raw profiles are decoded and parsed, and XMP
/// property names for GPS and serial numbers are searched as text. A false positive only makes a flag more
/// cautious. Compressed text chunks (zTXt, compressed iTXt) are not inflated.
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

    private static let xmpGPS: [[UInt8]] = ["GPSLatitude", "GPSLongitude", "GPSPosition"].map { Array($0.utf8) }
    /// BodySerialNumber, LensSerialNumber, aux:SerialNumber, CameraSerialNumber, …
    private static let xmpSerial: [[UInt8]] = [Array("SerialNumber".utf8)]
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
                } else if c == 0x52, matches(rawProfile, b, at: i) {  // "Raw profile type exif|APP1"
                    let summary = parseRawProfile(bytes, from: i + rawProfile.count)
                    found.hasGPS = found.hasGPS || summary.hasGPS
                    found.hasDeviceSerial = found.hasDeviceSerial || summary.hasDeviceSerial
                }
                i += 1
            }
        }
        return found
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
