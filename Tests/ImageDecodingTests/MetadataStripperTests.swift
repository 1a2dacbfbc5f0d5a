import Foundation
import ImageDecoding
import Testing
import TestSupport

@Suite("Metadata stripping", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct MetadataStripperTests {
    @Test("A photo with GPS EXIF: flag set, working copy has no EXIF/XMP/IPTC, same pixels",
          arguments: ["dev/known_pairs/opencv/ela_original.jpg", "dev/known_pairs/opencv/leuvenA.jpg"])
    func gpsPhoto(_ file: String) throws {
        let original = [UInt8](try Data(contentsOf: SharedData.url(file)))
        let (stripped, report) = try MetadataStripper.strip(original)
        #expect(report.exif.hasGPS, "the original carries a GPS IFD")
        #expect(report.removed.contains("APP1"))
        #expect(ExifSummary.read(from: stripped) == .none)
        #expect(!JPEGSegments(stripped).contains { $0.marker == 0xE1 || $0.marker == 0xED || $0.marker == 0xFE })
        // The GPS IFD must be gone from the whole file, not just unreachable (the copy is written anew, with
        // libjpeg's standard Huffman tables, so it may be larger than the original).
        #expect(!MetadataScan.scan(stripped).hasGPS)
        #expect(try ImageDecoder.decode(stripped).raster == ImageDecoder.decode(original).raster)
    }

    @Test("A CMYK JPEG keeps its colours: libjpeg writes the Adobe marker the coefficients need")
    func keepsColourMarkers() throws {
        let original = [UInt8](try Data(contentsOf: SharedData.url("dev/formats/derived/citrus_cmyk.jpg")))
        let (stripped, _) = try MetadataStripper.strip(original)
        #expect(try ImageDecoder.decode(stripped).raster == ImageDecoder.decode(original).raster)
    }

    @Test("PNG text and eXIf chunks are removed, pixels unchanged",
          arguments: ["dev/photos/imagehash_peppers.png", "dev/formats/pngsuite/exif2c08.png"])
    func pngChunks(_ file: String) throws {
        let original = [UInt8](try Data(contentsOf: SharedData.url(file)))
        let (stripped, report) = try MetadataStripper.strip(original)
        #expect(!report.removed.isEmpty)
        #expect(!PNGChunks(stripped).contains { ["tEXt", "zTXt", "iTXt", "eXIf", "tIME"].contains($0.type) })
        #expect(try ImageDecoder.decode(stripped).raster == ImageDecoder.decode(original).raster)
    }
}
