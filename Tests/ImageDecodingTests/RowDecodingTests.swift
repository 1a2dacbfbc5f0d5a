import Foundation
import ImageCore
import ImageDecoding
import Testing
import TestSupport

private func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: SharedData.url(relative))) }

/// Collects what `decodeRows` delivers into one packed buffer, with the chunk sizes seen.
private func rowsOf(_ data: [UInt8], options: DecodeOptions = DecodeOptions(), chunkRows: Int)
    throws(DecodeError) -> (DecodedRows, [UInt8], [Int])
{
    var pixels: [UInt8] = []
    var chunks: [Int] = []
    var rowBytes = 0
    let info = try ImageDecoder.decodeRows(data, options: options, chunkRows: chunkRows, start: { w, _, c in
        rowBytes = w * c
    }, consume: { rows, count in
        pixels.append(contentsOf: UnsafeBufferPointer(start: rows, count: rowBytes * count))
        chunks.append(count)
    })
    return (info, pixels, chunks)
}

@Suite("Row-by-row decoding", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct RowDecodingTests {
    @Test("Scanline decoding delivers exactly the pixels of the whole-image decode, in chunks of the asked size",
          arguments: ["dev/formats/libjpeg-turbo/testorig.jpg", "dev/formats/derived/citrus_progressive.jpg",
                      "dev/formats/derived/citrus_cmyk.jpg", "dev/formats/derived/citrus_gray.jpg",
                      "dev/formats/tx_modes/CMYK.jpg", "dev/formats/libjpeg-turbo/testimgari.jpg",
                      "dev/formats/pngsuite/basn2c08.png"])
    func samePixelsAsWholeDecode(_ file: String) throws {
        let data = try bytes(file)
        let whole = try ImageDecoder.decode(data)
        for chunk in [1, 7, 16] {
            let (info, pixels, chunks) = try rowsOf(data, chunkRows: chunk)
            #expect(info.width == whole.raster.width && info.height == whole.raster.height)
            #expect(info.channels == whole.raster.channels)
            #expect(info.info == whole.info)
            #expect(pixels == whole.raster.pixels, "\(file) chunk \(chunk)")
            #expect(chunks.dropLast().allSatisfy { $0 == chunk } && (chunks.last ?? 0) <= chunk)
        }
    }

    @Test("DCT-scaled and luma-only row decodes equal the whole-image decode with the same options")
    func scaledAndLuma() throws {
        let data = try bytes("dev/formats/derived/citrus_progressive.jpg")
        let options = DecodeOptions(scale: DCTScale(eighths: 3)!, lumaOnly: true)
        let whole = try ImageDecoder.decode(data, options: options)
        let (info, pixels, _) = try rowsOf(data, options: options, chunkRows: 5)
        #expect(info.scale == whole.scale && info.channels == 1)
        #expect(pixels == whole.raster.pixels)
    }

    @Test("A truncated JPEG is refused as damaged, or delivered as the whole decode delivers it when allowed")
    func truncated() throws {
        let data = try bytes("dev/formats/derived/china_truncated60.jpg")
        #expect(throws: DecodeError.self) { _ = try rowsOf(data, chunkRows: 16) }
        do {
            _ = try rowsOf(data, chunkRows: 16)
        } catch {
            #expect(error.kind == .damaged)
        }
        var options = DecodeOptions()
        options.allowDamaged = true
        let whole = try ImageDecoder.decode(data, options: options)
        let (info, pixels, _) = try rowsOf(data, options: options, chunkRows: 16)
        #expect(pixels == whole.raster.pixels)
        #expect(info.warnings == whole.warnings && info.warnings > 0)
    }

    @Test("Limits hold: the pixel limit and the work budget refuse before or while decoding rows")
    func limits() throws {
        let data = try bytes("dev/formats/derived/citrus_progressive.jpg")
        var delivered = 0
        #expect(throws: DecodeError.self) {
            _ = try ImageDecoder.decodeRows(data, options: DecodeOptions(maxPixels: 1000), start: { _, _, _ in },
                                            consume: { _, n in delivered += n })
        }
        #expect(delivered == 0)
        var options = DecodeOptions()
        options.maxWork = 10_000
        do {
            _ = try ImageDecoder.decodeRows(data, options: options, start: { _, _, _ in }, consume: { _, _ in })
            Issue.record("a work budget of 10,000 block-scans should refuse a progressive 800×527 photo")
        } catch {
            #expect(error.kind == .tooLarge)
        }
    }

    @Test("Mutated JPEGs decoded by rows give the same verdict and pixels as the whole-image decode")
    func mutatedAgree() throws {
        let original = try bytes("dev/formats/libjpeg-turbo/testorig.jpg")
        var state: UInt64 = 0x5EED_0019
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var agreed = 0
        for i in 0..<60 {
            var data = original
            if i % 2 == 0 {
                for _ in 0..<(1 + next() % 6) { data[next() % data.count] ^= UInt8(1 + next() % 255) }
            } else {
                data = Array(data.prefix(next() % data.count))
            }
            let whole = try? ImageDecoder.decode(data)
            let rows = try? rowsOf(data, chunkRows: 16)
            #expect((whole == nil) == (rows == nil), "case \(i)")
            if let whole, let rows { #expect(whole.raster.pixels == rows.1, "case \(i)") }
            agreed += 1
        }
        #expect(agreed == 60)
    }
}

@Suite("Oriented row chunks")
struct OrientedRowChunkTests {
    @Test("Chunks gathered for every orientation equal the rows of `Raster.applying`", arguments: [1, 3])
    func everyOrientation(channels: Int) throws {
        let w = 45, h = 37
        let pixels = (0..<(w * h * channels)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 5) }
        let raster = Raster(width: w, height: h, channels: channels, pixels: pixels)
        let png = try PNGEncoder.encode(raster)
        let image = try ImageDecoder.decode(png)
        #expect(image.raster == raster)
        for o in Orientation.allCases {
            for chunk in [1, 16, 40] {
                var got: [UInt8] = []
                var shape = (0, 0, 0)
                image.forEachRowChunk(applying: o, chunkRows: chunk, start: { shape = ($0, $1, $2) }, consume: { rows, n in
                    got.append(contentsOf: UnsafeBufferPointer(start: rows, count: n * shape.0 * shape.2))
                })
                let want = raster.applying(o)
                #expect(shape.0 == want.width && shape.1 == want.height && shape.2 == channels)
                #expect(got == want.pixels, "\(o) chunk \(chunk)")
            }
        }
    }
}
