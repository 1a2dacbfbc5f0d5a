import Foundation
import ImageCore
import PerceptualHash
import Testing

@Suite struct HashValueTests {
    @Test func pdqHexRoundTripsInReferenceWordOrder() throws {
        let hex = "eef09871053b4702544f1b2c80f2d444a32d86abd32f960cbad6eecf77216be9"
        let h = try #require(Hash256(hex: hex))
        #expect(h.hex == hex)
        #expect(Hash256(hex: hex.uppercased()) == h)
        // The last hex digit holds bits 3..0 (B[0][3..0]); the first digit bits 255..252.
        #expect(h[bit: 0] == true && h[bit: 3] == true && h[bit: 1] == false)  // ...9 = 1001
        #expect(h[bit: 255] == true && h[bit: 252] == false)                    // e... = 1110
        #expect(h.words.0 == 0xbad6_eecf_7721_6be9)
        #expect(h.words.3 == 0xeef0_9871_053b_4702)
    }

    @Test func imagehashHexPutsElementZeroFirst() throws {
        let h = try #require(Hash64(hex: "8000000000000001"))
        #expect(h[element: 0] && h[element: 63] && !h[element: 1])
        #expect(h.hex == "8000000000000001")
        #expect(Hash64(elements: (0..<64).map { $0 == 0 || $0 == 63 }) == h)
    }

    @Test(arguments: ["", "abc", String(repeating: "g", count: 64), String(repeating: "0", count: 63)])
    func malformedHexIsRejected(_ text: String) {
        #expect(Hash256(hex: text) == nil)
        #expect(Hash64(hex: text) == nil)
    }

    @Test func hammingDistanceCountsDifferingBits() throws {
        let a = try #require(Hash256(hex: String(repeating: "0", count: 64)))
        var b = a
        for k in [0, 63, 64, 200, 255] { b[bit: k] = true }
        #expect(a.distance(to: b) == 5)
        #expect(b.popCount == 5)
        #expect(a.distance(to: a) == 0)
        let x = Hash64(value: 0xFFFF_0000_0000_0000), y = Hash64(value: 0x0000_0000_0000_00FF)
        #expect(x.distance(to: y) == 24)
    }

    @Test func codableUsesHexStrings() throws {
        let h = try #require(Hash256(hex: "0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff"))
        let data = try JSONEncoder().encode([h])
        #expect(String(decoding: data, as: UTF8.self) == "[\"\(h.hex)\"]")
        #expect(try JSONDecoder().decode([Hash256].self, from: data) == [h])
        let g = Hash64(value: 0x087c_990e_a688_7f76)
        #expect(try JSONDecoder().decode(Hash64.self, from: JSONEncoder().encode(g)) == g)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Hash64.self, from: Data("\"zz\"".utf8)) }
    }

    @Test(arguments: [(4, 100), (100, 4), (1, 1), (0, 0)])
    func imagesUnderFivePixelsGiveTheZeroPDQHash(_ size: (Int, Int)) {
        let raster = Raster(width: size.0, height: size.1, channels: 3,
                            pixels: (0..<(size.0 * size.1 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        let result = pdq(raster)
        #expect(result.hash == .zero && result.quality == 0)
        #expect(pdqDihedral(raster).hashes == Array(repeating: .zero, count: 8))
    }

    @Test func emptyRasterHasNoImagehash() {
        let empty = Raster(width: 0, height: 0, channels: 1, pixels: [])
        #expect(throws: PerceptualHashError.emptyRaster) { try averageHash(empty) }
        let r = computeHashes(empty, .all)
        #expect(r.ahash == nil && r.whash == nil && r.pdq?.hash == .zero)
    }

    @Test func combinedRequestMatchesSingleHashFunctions() throws {
        // A synthetic but non-trivial image: a diagonal gradient with a bright square.
        let w = 300, h = 200
        var px = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let inSquare = (60..<140).contains(x) && (50..<120).contains(y)
                let i = 3 * (y * w + x)
                px[i] = inSquare ? 250 : UInt8((x + y) % 256)
                px[i + 1] = UInt8((3 * x) % 256)
                px[i + 2] = UInt8((2 * y) % 256)
            }
        }
        let raster = Raster(width: w, height: h, channels: 3, pixels: px)
        let all = computeHashes(raster, .all)
        #expect(all.pdq == pdq(raster))
        #expect(all.pdqDihedral == pdqDihedral(raster))
        #expect(all.ahash == (try averageHash(raster)))
        #expect(all.dhash == (try differenceHash(raster)))
        #expect(all.phash == (try perceptualHash(raster)))
        #expect(all.whash == (try waveletHash(raster)))
        let onlyPDQ = computeHashes(raster, .pdq)
        #expect(onlyPDQ.pdqDihedral == nil && onlyPDQ.phash == nil && onlyPDQ.pdq == all.pdq)
    }
}
