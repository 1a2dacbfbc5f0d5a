import Foundation
import ImageCore
import ImageDecoding
import PerceptualHash
import TestSupport
import Testing

/// The small-grid dihedral pHash/dHash against hashing the physically transformed photo.
@Suite(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct DihedralTests {
    static let photos = [
        "dev/photos/palapeli_cincinnati-bridge.jpg", "dev/photos/opencv_building.jpg",
        "dev/photos/mpl_grace_hopper.jpg", "dev/photos/opencv_messi5.jpg",
    ]

    static func raster(_ file: String) throws -> Raster {
        try ImageDecoder.decode([UInt8](Data(contentsOf: SharedData.url(file)))).raster
    }

    @Test(arguments: photos)
    func smallGridDihedralsTrackTransformedImages(_ file: String) throws {
        let raster = try Self.raster(file)
        let p8 = try perceptualHashDihedral(raster)
        let d8 = try differenceHashDihedral(raster)
        let pdq8 = pdqDihedral(raster)
        #expect(p8.count == 8 && d8.count == 8)
        #expect(p8[0] == (try perceptualHash(raster)))
        #expect(d8[0] == (try differenceHash(raster)))
        for t in PDQDihedral.allCases {
            let moved = raster.applying(t.orientation)
            // PDQ's dihedrals come from sign patterns on its DCT, independently of `orientation`: agreeing
            // with them shows the orientation mapping names the same transform (a wrong one is ~128 bits off;
            // the reference's own asymmetry reaches 22 bits on grace_hopper, within its match threshold 31).
            let pdqDistance = pdq(moved).hash.distance(to: pdq8[t])
            let pDistance = try perceptualHash(moved).distance(to: p8[t.rawValue])
            let dDistance = try differenceHash(moved).distance(to: d8[t.rawValue])
            #expect(pdqDistance <= 31, "\(t.referenceName)")
            // Measured: phash 0 and dhash 0–1 bits on these photos.
            #expect(pDistance <= 2, "\(t.referenceName)")
            #expect(dDistance <= 2, "\(t.referenceName)")
        }
    }
}
