import Foundation
import ImageCore
import ImageDecoding
import PerceptualHash
import TestSupport
import Testing

/// The streaming path end to end: scanlines from the decoder, in small odd chunks, straight into a `RowHasher`.
private func streamedHashes(_ bytes: [UInt8], chunkRows: Int) throws -> HashResults {
    var hasher: RowHasher? = nil
    _ = try ImageDecoder.decodeRows(bytes, chunkRows: chunkRows, start: { w, h, c in
        hasher = RowHasher(width: w, height: h, channels: c, request: .all)
    }, consume: { rows, count in
        hasher!.append(rows: rows, count: count)
    })
    return hasher!.finish()
}

@Suite(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct RowHasherAnchorTests {
    /// Every unambiguous anchor row again, through decoder rows delivered 5 at a time (so tiles of the PDQ
    /// filter and chunks never line up): every hash equals the reference.
    @Test(arguments: AnchorRow.exactRows)
    func streamedRowMatchesReferences(_ row: AnchorRow) throws {
        let bytes = try [UInt8](Data(contentsOf: SharedData.url(row.file)))
        let info = try ImageDecoder.inspect(bytes)
        if info.width * info.height > AnchorRow.debugPixelLimit && !AnchorRow.runAll { return }
        row.expectEqual(try streamedHashes(bytes, chunkRows: 5))
    }
}

@Suite("RowHasher")
struct RowHasherTests {
    /// A deterministic noisy RGB or grey raster.
    static func noise(width: Int, height: Int, channels: Int, seed: UInt64) -> Raster {
        var state = seed
        let pixels = (0..<(width * height * channels)).map { i -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            // Smooth gradient plus noise, so every hash has structure to find.
            return UInt8(truncatingIfNeeded: (i % (width * channels)) / channels + Int(state >> 59))
        }
        return Raster(width: width, height: height, channels: channels, pixels: pixels)
    }

    @Test("Any chunking gives the whole-raster hashes, for every request, size class and channel count",
          arguments: [(5, 5), (64, 64), (63, 65), (130, 17), (17, 300), (257, 129)])
    func chunkingDoesNotMatter(_ size: (Int, Int)) {
        for channels in [1, 3] {
            let raster = Self.noise(width: size.0, height: size.1, channels: channels, seed: UInt64(size.0 * 1000 + size.1))
            let whole = computeHashes(raster, .all)
            #expect(whole.pdq == pdq(raster))
            #expect(whole.pdqDihedral == pdqDihedral(raster))
            #expect(whole.phash == (try? perceptualHash(raster)))
            #expect(whole.whash == (try? waveletHash(raster)))
            for chunk in [1, 3, 16, 17] {
                let hasher = RowHasher(width: raster.width, height: raster.height, channels: channels, request: .all)
                raster.pixels.withUnsafeBufferPointer { p in
                    var y = 0
                    while y < raster.height {
                        let n = min(chunk, raster.height - y)
                        #expect(!hasher.isComplete)
                        hasher.append(rows: p.baseAddress! + y * hasher.rowBytes, count: n)
                        y += n
                    }
                }
                #expect(hasher.isComplete)
                #expect(hasher.finish() == whole, "\(size) channels \(channels) chunk \(chunk)")
            }
            let pdqOnly = RowHasher(width: raster.width, height: raster.height, channels: channels, request: .pdq)
            raster.pixels.withUnsafeBufferPointer { pdqOnly.append(rows: $0.baseAddress!, count: raster.height) }
            let r = pdqOnly.finish()
            #expect(r.pdq == whole.pdq && r.pdqDihedral == nil && r.phash == nil)
        }
    }

    @Test("Images under 5 pixels on a side give PDQ's zero hash; an empty image no imagehash")
    func tinyImages() {
        let tiny = Self.noise(width: 4, height: 9, channels: 3, seed: 1)
        let hasher = RowHasher(width: 4, height: 9, channels: 3, request: .all)
        tiny.pixels.withUnsafeBufferPointer { hasher.append(rows: $0.baseAddress!, count: 9) }
        let r = hasher.finish()
        #expect(r.pdq == PDQHash(hash: .zero, quality: 0))
        #expect(r.phash == (try? perceptualHash(tiny)))
        let empty = computeHashes(Raster(width: 0, height: 3, channels: 1, pixels: []), .all)
        #expect(empty.pdq == PDQHash(hash: .zero, quality: 0) && empty.phash == nil)
    }
}
