import Crypto
import Foundation
import ImageCore
import ImageDecoding
import Testing
import TestSupport

/// Building blocks for photos that carry a GPS position and a camera serial number in the places cameras
/// and editors put them.
enum Tipster {
    /// The serial number written into every test EXIF block; it must never reach a working copy.
    static let serial = "SN-TIPSTER-1234"

    /// A little-endian TIFF/EXIF block: IFD0 with Orientation (when given), an EXIF IFD with BodySerialNumber,
    /// and a GPS IFD with GPSLatitudeRef "N".
    static func exifTIFF(orientation: Int? = nil) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }
        func entry(_ tag: Int, _ type: Int, _ count: Int, _ value: [UInt8]) -> [UInt8] {
            le16(tag) + le16(type) + le32(count) + value + [UInt8](repeating: 0, count: 4 - value.count)
        }
        let n = orientation == nil ? 2 : 3
        let ifd0Size = 2 + 12 * n + 4
        let exifIFD = 8 + ifd0Size
        let serialAt = exifIFD + 2 + 12 + 4
        let serialBytes = Array(serial.utf8) + [0]
        let gpsIFD = serialAt + serialBytes.count
        var out: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + le32(8) + le16(n)
        if let orientation { out += entry(0x0112, 3, 1, le16(orientation)) }
        out += entry(0x8769, 4, 1, le32(exifIFD)) + entry(0x8825, 4, 1, le32(gpsIFD)) + le32(0)
        out += le16(1) + entry(0xA431, 2, serialBytes.count, le32(serialAt)) + le32(0)
        out += serialBytes
        out += le16(1) + entry(0x0001, 2, 2, [0x4E, 0x00]) + le32(0)
        return out
    }

    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    static func app1(orientation: Int? = nil) -> [UInt8] { segment(0xE1, Array("Exif".utf8) + [0, 0] + exifTIFF(orientation: orientation)) }

    static let xmp: [UInt8] = segment(0xE1, Array("http://ns.adobe.com/xap/1.0/".utf8) + [0] + Array("""
        <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="52,22.5N" \
        exif:GPSLongitude="4,53.6E" aux:SerialNumber="\(serial)"/></rdf:RDF></x:xmpmeta>
        """.utf8))

    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc32(body)))
    }

    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    /// Index just after the JPEG header segment with `marker` (e.g. APP0), searching the header only.
    static func end(ofSegment marker: UInt8, in jpeg: [UInt8]) -> Int? {
        JPEGSegments(jpeg).first { $0.marker == marker }?.range.upperBound
    }

    /// Offsets of every SOS marker (0xFFDA) in a JPEG (entropy data never contains 0xFF 0xDA: 0xFF is stuffed).
    static func scanStarts(_ jpeg: [UInt8]) -> [Int] {
        (2..<(jpeg.count - 1)).filter { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    /// The layouts in which a probe found metadata surviving the old stripper (and the usual ones).
    static func layouts() throws -> [(name: String, bytes: [UInt8])] {
        let raster = try ImageDecoder.decode(try shared("dev/formats/derived/grocery_tiny32.png")).raster
        let base = try JPEGEncoder.encode(raster, quality: 92)  // SOI APP0 DQT SOF DHT SOS … EOI, no metadata
        let progressive = try shared("dev/formats/derived/citrus_progressive.jpg")
        let png = try PNGEncoder.encode(raster)
        let app0End = try #require(end(ofSegment: 0xE0, in: base))
        let secondScan = try #require(scanStarts(progressive).dropFirst().first)
        let iend = png.count - 12
        let ihdrEnd = 8 + 25
        return [
            ("jpeg: APP1 EXIF after SOI", Array(base[0..<2]) + app1(orientation: 6) + Array(base[2...])),
            ("jpeg: a second image after EOI (MPO, motion photo, Ultra-HDR)", base + Array(base[0..<2]) + app1() + Array(base[2...])),
            ("jpeg: raw EXIF bytes after EOI", base + Array("Exif".utf8) + [0, 0] + exifTIFF()),
            ("jpeg: a stray 0x00 between segments, then APP1", Array(base[0..<app0End]) + [0x00] + app1() + Array(base[app0End...])),
            ("jpeg: APP1 between progressive scans", Array(progressive[0..<secondScan]) + app1() + Array(progressive[secondScan...])),
            ("jpeg: non-ICC APP2 carrying EXIF", Array(base[0..<2]) + segment(0xE2, Array("FPXR".utf8) + [0, 0] + exifTIFF()) + Array(base[2...])),
            ("jpeg: XMP with GPS and a serial", Array(base[0..<2]) + xmp + Array(base[2...])),
            ("png: eXIf before IDAT", Array(png[0..<ihdrEnd]) + pngChunk("eXIf", exifTIFF(orientation: 6)) + Array(png[ihdrEnd...])),
            ("png: eXIf after IEND", png + pngChunk("eXIf", exifTIFF())),
            ("png: a chunk with a bad length after IEND, then eXIf",
             png + be32(0x7FFF_FF00) + Array("zzZz".utf8) + pngChunk("eXIf", exifTIFF())),
            ("png: zTXt raw EXIF profile (ImageMagick) before IDAT", try Hostile.committed("png-ztxt-raw-exif-before-idat.png")),
            ("png: zTXt raw EXIF profile after IEND", try Hostile.committed("png-ztxt-raw-exif-after-iend.png")),
            ("png: iTXt XMP before IEND", Array(png[0..<iend]) + pngChunk("iTXt", Array("XML:com.adobe.xmp".utf8) + [0, 0, 0, 0, 0]
                + Array(xmp.dropFirst(4 + 29))) + Array(png[iend...])),
        ]
    }

    static func shared(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: SharedData.url(relative))) }
}

private func sha(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

@Suite("Tip-photo working copies are made by construction", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct WorkingCopyTests {
    @Test("Every layout: flags set, no GPS or serial in the copy, a new SHA-256, the same pixels and orientation")
    func layouts() throws {
        let layouts = try Tipster.layouts()
        #expect(layouts.count == 13)
        for (name, original) in layouts {
            let decoded = try ImageDecoder.decode(original)
            let (copy, report) = try MetadataStripper.workingCopy(original, decoded: decoded)
            #expect(report.exif.hasGPS, "\(name): hadGPS")
            #expect(report.exif.hasDeviceSerial, "\(name): hadDeviceSerial")
            #expect(sha(copy) != sha(original), "\(name): stored SHA-256 equals the original's")
            #expect(!Tipster.contains(copy, Array(Tipster.serial.utf8)), "\(name): serial number in the copy")
            #expect(!Tipster.contains(copy, Array("GPS".utf8)), "\(name): GPS text in the copy")
            let left = MetadataScan.scan(copy)
            #expect(!left.hasGPS && !left.hasDeviceSerial, "\(name): the copy still carries metadata")
            let again = try ImageDecoder.decode(copy)
            #expect(again.raster == decoded.raster, "\(name): pixels differ")
            #expect(again.info.orientation == decoded.info.orientation, "\(name): orientation lost")
            #expect(again.info.format == decoded.info.format, "\(name): format changed")
        }
    }

    @Test("A phone photo with Orientation=6 keeps it: a minimal EXIF with only the orientation, same upright pixels",
          arguments: ["dev/formats/derived/citrus_exif_orient_6.jpg", "dev/formats/derived/citrus_exif_orient_5.jpg",
                      "dev/formats/derived/citrus_exif_orient_8.jpg"])
    func orientationSurvives(_ file: String) throws {
        let original = try Tipster.shared(file)
        let decoded = try ImageDecoder.decode(original)
        #expect(decoded.info.orientation != 1)
        let (copy, _) = try MetadataStripper.workingCopy(original, decoded: decoded)
        let again = try ImageDecoder.decode(copy)
        #expect(again.info.orientation == decoded.info.orientation)
        #expect(again.upright() == decoded.upright())
        // The only APP1 is the 32-byte minimal block.
        let app1 = JPEGSegments(copy).filter { $0.marker == 0xE1 }
        #expect(app1.count == 1 && app1.first?.payload.count == 32)
        #expect(!JPEGSegments(copy).contains { $0.marker == 0xE2 || $0.marker == 0xFE || $0.marker == 0xED })
    }

    @Test("JPEG copies are coefficient transcodes (pixels equal), also for CMYK, progressive, grey and arithmetic files",
          arguments: ["dev/formats/derived/citrus_cmyk.jpg", "dev/formats/derived/citrus_progressive.jpg",
                      "dev/formats/derived/citrus_gray.jpg", "dev/formats/libjpeg-turbo/testimgari.jpg",
                      "dev/formats/derived/citrus_icc_srgb.jpg", "dev/known_pairs/opencv/ela_original.jpg"])
    func jpegTranscodes(_ file: String) throws {
        let original = try Tipster.shared(file)
        let decoded = try ImageDecoder.decode(original)
        let copy = try MetadataStripper.transcodeJPEG(original, orientation: decoded.info.orientation)
        #expect(try ImageDecoder.decode(copy).raster == decoded.raster)
        let (stored, _) = try MetadataStripper.workingCopy(original, decoded: decoded)
        #expect(ImageFormat.sniff(stored) == .jpeg, "kept as JPEG, not the PNG fallback")
        #expect(!JPEGSegments(stored).contains { $0.marker == 0xE2 }, "ICC profile dropped")
    }

    @Test("A damaged JPEG is refused by the transcoder, not half-copied")
    func damagedRefused() throws {
        let original = try Tipster.shared("dev/formats/derived/china_truncated60.jpg")
        #expect(throws: DecodeError.self) { try MetadataStripper.transcodeJPEG(original, orientation: 1) }
    }
}
