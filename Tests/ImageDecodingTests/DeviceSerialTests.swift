import Foundation
import ImageDecoding
import Testing
import TestSupport

/// Camera serial numbers hide in vendors' maker notes and in XMP written as UTF-16: `hadDeviceSerial` must see
/// them there too.
@Suite("Device serials in maker notes and UTF-16 XMP")
struct DeviceSerialTests {
    @Test("A real Nikon photo whose maker note carries the serial (tag 0x001D) is flagged; the working copy is clean",
          .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func nikonMakerNote() throws {
        let original = [UInt8](try Data(contentsOf: SharedData.url("dev/photos/palapeli_castle-maintenon.jpg")))
        #expect(ExifSummary.read(from: original).hasDeviceSerial)
        #expect(MetadataScan.scan(original).hasDeviceSerial)
        let (copy, report) = try MetadataStripper.strip(original)
        #expect(report.exif.hasDeviceSerial)
        #expect(!MetadataScan.scan(copy).hasDeviceSerial && !MetadataScan.scan(copy).hasGPS)
    }

    @Test("Real Canon photos with maker notes but no serial in them are not flagged",
          .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)),
          arguments: ["dev/products/ukbench/ukbench00120.jpg", "dev/photos/opencv_text_defocus.jpg"])
    func canonWithoutSerial(file: String) throws {
        let original = [UInt8](try Data(contentsOf: SharedData.url(file)))
        #expect(!ExifSummary.read(from: original).hasDeviceSerial)
    }

    /// A little-endian TIFF block: IFD0 with Make and an Exif IFD pointer; the Exif IFD holds only a maker note.
    static func tiff(make: String, makerNote: (_ noteOffset: Int) -> [UInt8]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }
        func entry(_ tag: Int, _ type: Int, _ count: Int, _ value: Int) -> [UInt8] { le16(tag) + le16(type) + le32(count) + le32(value) }
        let makeBytes = Array(make.utf8) + [0]
        let ifd0 = 8, ifd0Size = 2 + 2 * 12 + 4
        let makeAt = ifd0 + ifd0Size
        let exifAt = makeAt + makeBytes.count
        let exifSize = 2 + 12 + 4
        let noteAt = exifAt + exifSize
        let note = makerNote(noteAt)
        var out: [UInt8] = [0x49, 0x49, 42, 0] + le32(ifd0)
        out += le16(2) + entry(0x010F, 2, makeBytes.count, makeAt) + entry(0x8769, 4, 1, exifAt) + le32(0)
        out += makeBytes
        out += le16(1) + entry(0x927C, 7, note.count, noteAt) + le32(0)
        return out + note
    }

    /// A maker-note IFD of one LONG entry `tag`, at `ifdOffset` as its reader counts.
    static func oneEntryIFD(tag: Int) -> [UInt8] {
        [1, 0] + [UInt8(tag & 0xFF), UInt8(tag >> 8), 4, 0, 1, 0, 0, 0, 0x39, 0x30, 0, 0] + [0, 0, 0, 0]
    }

    @Test("Canon, Fujifilm and Panasonic maker-note serials are found; another tag in the same place is not")
    func vendorLayouts() {
        let canon = Self.tiff(make: "Canon") { _ in Self.oneEntryIFD(tag: 0x000C) }
        #expect(ExifSummary.parse(tiff: canon[...]).hasDeviceSerial)
        let canonOther = Self.tiff(make: "Canon") { _ in Self.oneEntryIFD(tag: 0x0001) }
        #expect(!ExifSummary.parse(tiff: canonOther[...]).hasDeviceSerial)
        // The same IFD under another make is not read as Canon's.
        let other = Self.tiff(make: "Acme") { _ in Self.oneEntryIFD(tag: 0x000C) }
        #expect(!ExifSummary.parse(tiff: other[...]).hasDeviceSerial)
        // Fujifilm: "FUJIFILM", then the IFD offset counted from the note.
        let fuji = Self.tiff(make: "FUJIFILM") { _ in Array("FUJIFILM".utf8) + [12, 0, 0, 0] + Self.oneEntryIFD(tag: 0x0010) }
        #expect(ExifSummary.parse(tiff: fuji[...]).hasDeviceSerial)
        // Panasonic: "Panasonic\0\0\0", then the IFD (offsets count from the TIFF header).
        let panasonic = Self.tiff(make: "Panasonic") { _ in Array("Panasonic".utf8) + [0, 0, 0] + Self.oneEntryIFD(tag: 0x0025) }
        #expect(ExifSummary.parse(tiff: panasonic[...]).hasDeviceSerial)
        // A note pointing past the block, or a note of one byte, is no serial and no crash.
        let broken = Self.tiff(make: "Canon") { _ in [0xFF] }
        #expect(!ExifSummary.parse(tiff: broken[...]).hasDeviceSerial)
    }

    @Test("XMP in UTF-16 (either byte order) and UTF-32 is searched like UTF-8", arguments: [
        String.Encoding.utf16LittleEndian, .utf16BigEndian, .utf32LittleEndian, .utf32BigEndian,
    ])
    func wideXMP(encoding: String.Encoding) throws {
        let xmp = "<x:xmpmeta><rdf:Description exif:GPSLatitude=\"48,51.5N\" aux:SerialNumber=\"20418273\"/></x:xmpmeta>"
        let packet = try #require(xmp.data(using: encoding))
        let bytes = [UInt8](repeating: 0x11, count: 40) + [UInt8](packet) + [UInt8](repeating: 0x11, count: 40)
        let found = MetadataScan.scan(bytes)
        #expect(found.hasGPS && found.hasDeviceSerial)
        let plain = try #require("<x:xmpmeta><rdf:Description dc:title=\"shelf\"/></x:xmpmeta>".data(using: encoding))
        let none = MetadataScan.scan([UInt8](plain))
        #expect(!none.hasGPS && !none.hasDeviceSerial)
    }
}
