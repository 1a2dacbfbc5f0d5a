import Foundation
import ImageDecoding
import Matching
import ObjtraceKit
import Testing
import TestSupport

/// `ImageHasher.hashResults` (scanline streaming for stored-orientation JPEGs, oriented row chunks otherwise)
/// gives exactly the hashes of the whole-raster path.
@Suite("Streaming hashing", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct StreamingHashTests {
    @Test("Every algorithm, both orientation policies, exact and fast, on EXIF-rotated camera JPEGs and other formats",
          arguments: ["pdq-reference/reg-test-input/exif-rotn/exif-rotn-1.jpg", "pdq-reference/reg-test-input/exif-rotn/exif-rotn-6.jpg",
                      "pdq-reference/reg-test-input/exif-rotn/exif-rotn-8.jpg", "dev/formats/derived/citrus_cmyk.jpg",
                      "dev/formats/derived/citrus_gray.jpg", "dev/formats/pngsuite/basn2c08.png",
                      "dev/known_pairs/tx_bridge/dih_bridge-2-rotate-90.jpg"])
    func sameAsWholeRaster(_ file: String) throws {
        let bytes = [UInt8](try Data(contentsOf: SharedData.url(file)))
        for policy in [OrientationPolicy.stored, .apply] {
            for mode in [HashMode.exact, .fast] {
                let hasher = ImageHasher(algorithms: HashAlgorithm.computable, orientation: policy, mode: mode)
                let streamed = try hasher.hashResults(bytes)
                let whole = try hasher.hash(bytes).results
                for algo in HashAlgorithm.computable {
                    #expect(streamed.hexes(algo) != nil)
                    #expect(streamed.hexes(algo) == whole.hexes(algo), "\(file) \(policy) \(mode) \(algo)")
                }
            }
        }
    }
}
