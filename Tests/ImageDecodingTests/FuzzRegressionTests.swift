import Foundation
import ImageDecoding
import Testing

/// Every input a fuzzer found (Tests/Fuzz/regressions, see Scripts/fuzz.sh), replayed with the fuzz targets'
/// property: decoding either succeeds or throws a typed error, and a decodable image has a working copy that
/// decodes to the same pixels and orientation and carries no GPS or serial metadata.
@Suite("Fuzz findings stay fixed")
struct FuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/regressions")

    static let images: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix("importline-") && !$0.hasPrefix(".") && $0 != "README.md" }.sorted()
    }()

    /// The minimised fuzz corpora (inputs that reach distinct code in the codecs and shims).
    static let corpora: [URL] = ["decode", "transcode", "strip", "exif"].flatMap { sub -> [URL] in
        let dir = folder.deletingLastPathComponent().appendingPathComponent("corpus/\(sub)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test("The regression folder is there") func present() { #expect(!Self.images.isEmpty) }

    @Test("Each finding decodes or is refused, and its working copy keeps the pixels", arguments: images)
    func replay(_ name: String) throws {
        try Self.check(Self.folder.appendingPathComponent(name))
    }

    @Test("The coefficient transcoder refuses what it cannot copy exactly, never returns other pixels",
          arguments: images.filter { $0.hasPrefix("transcode-") || $0.hasPrefix("strip-") })
    func transcoderIsExact(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent(name)))
        let decoded = try ImageDecoder.decode(bytes)
        guard let copy = try? MetadataStripper.transcodeJPEG(bytes, orientation: decoded.info.orientation) else { return }
        let again = try? ImageDecoder.decode(copy)
        #expect(again?.raster == decoded.raster, "the transcoded copy of \(name) decodes to other pixels or not at all")
    }

    @Test("Every corpus input keeps the same property")
    func corpus() throws {
        #expect(Self.corpora.count > 100)
        for url in Self.corpora { try Self.check(url) }
    }

    static func check(_ url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        _ = ExifSummary.read(from: bytes)
        _ = MetadataScan.scan(bytes)
        _ = try? ImageDecoder.inspect(bytes)
        var options = DecodeOptions(maxPixels: 4 << 20, maxCodecMemory: 256 << 20)
        options.maxWork = 8 << 20
        guard let decoded = try? ImageDecoder.decode(bytes, options: options) else { return }
        let (copy, _) = try MetadataStripper.workingCopy(bytes, decoded: decoded, options: options)
        let again = try ImageDecoder.decode(copy, options: options)
        #expect(again.raster == decoded.raster, "\(url.lastPathComponent)")
        #expect(again.info.orientation == decoded.info.orientation, "\(url.lastPathComponent)")
        #expect(MetadataStripper.metadataCarried(copy).isEmpty, "\(url.lastPathComponent): \(MetadataStripper.metadataCarried(copy))")
        let exif = ExifSummary.read(from: copy)
        #expect(!exif.hasGPS && !exif.hasDeviceSerial, "\(url.lastPathComponent)")
    }
}
