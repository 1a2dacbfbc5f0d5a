import Crypto
import Foundation
import ImageCore
import ImageDecoding
import Testing
import TestSupport

private func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: SharedData.url(relative))) }

/// The MANIFEST's verdict for a file in dev/formats, from its `notes` and `format` columns.
private enum Expectation { case decodes, rejected(DecodeError.Kind?) }

private func expectation(format: String, notes: String, file: String) -> Expectation {
    if notes.contains("must be REJECTED") { return .rejected(.corrupt) }
    if notes.contains("PARTIAL_DECODE") { return .rejected(.damaged) }
    if notes.contains("12-bit") { return .rejected(.unsupported) }
    if !["JPEG", "PNG", "WEBP", "GIF"].contains(format) { return .rejected(.unsupportedFormat) }
    return .decodes
}

@Suite("Decoding every real format file", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct FormatCorpusTests {
    @Test("dev/formats: each file decodes or fails the way its MANIFEST notes imply")
    func manifestVerdicts() throws {
        let rows = try SharedData.readTSV("dev/MANIFEST.tsv").filter { $0["file"]!.hasPrefix("formats/") }
        #expect(rows.count >= 80)
        for row in rows {
            let file = "dev/" + row["file"]!
            let data = try bytes(file)
            let want = expectation(format: row["format"] ?? "", notes: row["notes"] ?? "", file: file)
            do {
                let image = try ImageDecoder.decode(data)
                guard case .decodes = want else {
                    Issue.record("\(file) decoded but should be rejected (\(want))")
                    continue
                }
                #expect(image.raster.width == Int(row["width"]!), "\(file) width")
                #expect(image.raster.height == Int(row["height"]!), "\(file) height")
            } catch {
                switch want {
                case .decodes: Issue.record("\(file) should decode: \(error)")
                case .rejected(let kind): if let kind { #expect(error.kind == kind, "\(file): \(error)") }
                }
            }
        }
    }

    @Test("pdq-reference: every image decodes or gives a typed error, never a crash")
    func pdqReferenceFiles() throws {
        var decoded = 0
        for url in SharedData.files(under: "pdq-reference") {
            let data = [UInt8](try Data(contentsOf: url))
            let format = ImageFormat.sniff(data)
            do {
                let image = try ImageDecoder.decode(data)
                #expect(image.raster.pixelCount > 0)
                decoded += 1
            } catch {
                // Only non-JPEG/PNG files (WebP modes, CSV, README) may fail here.
                #expect(!format.isDecodable, "\(url.lastPathComponent): \(error)")
            }
        }
        #expect(decoded >= 50)
    }

    @Test("Decoded pixels equal Pillow's byte for byte (checksums in pixel-checksums.tsv)")
    func pixelExactness() throws {
        let tsv = try String(contentsOf: SharedData.repoRoot.appendingPathComponent("Tests/ImageDecodingTests/pixel-checksums.tsv"), encoding: .utf8)
        var jpegs = 0, pngs = 0
        for line in tsv.split(separator: "\n") where !line.hasPrefix("#") {
            let cols = line.split(separator: "\t").map(String.init)
            let (file, mode, width, height, sum) = (cols[0], cols[1], Int(cols[2])!, Int(cols[3])!, cols[4])
            let image = try ImageDecoder.decode(try bytes(file))
            let raster = mode == "RGB" ? image.raster.rgb() : image.raster
            #expect(raster.channels == (mode == "RGB" ? 3 : 1), "\(file) channel count")
            #expect(raster.width == width && raster.height == height, "\(file) size")
            let digest = SHA256.hash(data: raster.pixels).map { String(format: "%02x", $0) }.joined()
            #expect(digest == sum, "\(file) pixels differ from Pillow's")
            if file.hasSuffix(".jpg") { jpegs += 1 } else { pngs += 1 }
        }
        #expect(jpegs >= 10 && pngs >= 10)
    }

    @Test("EXIF-rotated photos decode to the same upright image as the unrotated original")
    func exifOrientation() throws {
        let pairs = try SharedData.readTSV("dev/KNOWN_PAIRS.tsv").filter { $0["query"]!.contains("exif_orientation") }
        #expect(pairs.count >= 5)
        for pair in pairs {
            let query = try ImageDecoder.decode(try bytes("dev/" + pair["query"]!))
            let reference = try ImageDecoder.decode(try bytes("dev/" + pair["reference"]!))
            #expect(query.orientation != .up, "\(pair["query"]!) should carry a rotation tag")
            let upright = query.upright().rgb(), want = reference.upright().rgb()
            #expect(upright.width == want.width && upright.height == want.height)
            guard upright.width == want.width, upright.height == want.height else { continue }
            // The rotated files were re-encoded, so allow JPEG noise, but far less than a wrong orientation gives.
            let mad = meanAbsoluteDifference(upright, want)
            #expect(mad < 5, "\(pair["query"]!) upright differs by \(mad) per sample")
            for wrong in [Orientation.up, .down, .right, .left] where wrong != query.orientation {
                let other = query.raster.applying(wrong).rgb()
                guard other.width == want.width, other.height == want.height else { continue }
                #expect(meanAbsoluteDifference(other, want) > 3 * mad, "\(pair["query"]!) as \(wrong) is as close as upright")
            }
        }
    }

    @Test("Derived citrus_exif_orient_N.jpg all show the same upright picture")
    func derivedOrientations() throws {
        let reference = try ImageDecoder.decode(try bytes("dev/formats/derived/citrus_exif_orient_1.jpg")).upright()
        for n in 2...8 {
            let image = try ImageDecoder.decode(try bytes("dev/formats/derived/citrus_exif_orient_\(n).jpg"))
            #expect(image.info.orientation == n)
            let upright = image.upright()
            #expect(upright.width == reference.width && upright.height == reference.height)
            if upright.width == reference.width { #expect(meanAbsoluteDifference(upright, reference) < 3, "orientation \(n)") }
        }
    }
}

func meanAbsoluteDifference(_ a: Raster, _ b: Raster) -> Double {
    precondition(a.pixels.count == b.pixels.count)
    var total = 0
    for i in 0..<a.pixels.count { total += abs(Int(a.pixels[i]) - Int(b.pixels[i])) }
    return Double(total) / Double(max(1, a.pixels.count))
}

@Suite("Limits and synthetic inputs")
struct LimitTests {
    @Test("A PNG header claiming 100000×100000 is refused before allocation")
    func pngBomb() {
        let data = PNGWriter.headerOnly(width: 100_000, height: 100_000)
        #expect(throws: DecodeError.self) { try ImageDecoder.decode(data) }
        do { _ = try ImageDecoder.decode(data) } catch { #expect(error.kind == .tooLarge) }
    }

    @Test("The pixel limit is configurable")
    func configurableLimit() throws {
        let rows = [[UInt8]](repeating: [UInt8](repeating: 7, count: 30), count: 10)
        let data = PNGWriter.png(width: 10, height: 10, bitDepth: 8, colorType: 2, rows: rows)
        #expect(try ImageDecoder.decode(data).raster.pixels.allSatisfy { $0 == 7 })
        do {
            _ = try ImageDecoder.decode(data, options: DecodeOptions(maxPixels: 99))
            Issue.record("limit not enforced")
        } catch { #expect(error.kind == .tooLarge) }
    }

    @Test("16-bit samples are scaled by the high byte (v >> 8, as OpenCV/ImageMagick), not clipped or linearised")
    func sixteenBit() throws {
        let values: [Int] = [0, 257, 32768, 40000, 65535, 1000]
        let row = values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let data = PNGWriter.png(width: values.count, height: 1, bitDepth: 16, colorType: 0, rows: [row])
        let image = try ImageDecoder.decode(data)
        let want = values.map { UInt8($0 >> 8) }
        #expect(image.raster.pixels == want)
    }

    @Test("Alpha is composited onto white")
    func alphaOnWhite() throws {
        // RGBA: opaque red, fully transparent black, half-transparent black.
        let row: [UInt8] = [255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 128]
        let image = try ImageDecoder.decode(PNGWriter.png(width: 3, height: 1, bitDepth: 8, colorType: 6, rows: [row]))
        #expect(image.info.hasAlpha)
        #expect(image.raster.pixels == [255, 0, 0, 255, 255, 255, 127, 127, 127])
    }

    @Test("Format is sniffed from bytes, not names; unknown formats get a clear error")
    func sniffing() {
        #expect(ImageFormat.sniff(Array("GIF89a....".utf8)) == .gif)
        #expect(ImageFormat.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        for data in [[UInt8](), Array("hello world".utf8), [0x49, 0x49, 0x2A, 0x00, 0, 0, 0, 0]] {
            do { _ = try ImageDecoder.decode(data); Issue.record("decoded garbage") } catch {
                #expect(error.kind == .unsupportedFormat)
            }
        }
        // GIF is decoded now: a GIF signature cut inside its header is a damaged GIF, not an unknown format.
        do { _ = try ImageDecoder.decode(Array("GIF89a....".utf8)); Issue.record("decoded garbage") } catch {
            #expect(error.kind == .damaged)
        }
    }

    @Test("DCT scale choice keeps the short side at least the minimum")
    func scaleChoice() {
        #expect(DCTScale.smallest(width: 4032, height: 3024, minShortSide: 512).eighths == 2)  // 1008×756
        #expect(DCTScale.smallest(width: 4032, height: 3024, minShortSide: 64).eighths == 1)   // 504×378
        #expect(DCTScale.smallest(width: 1224, height: 816, minShortSide: 512).eighths == 6)   // 5/8 gives 510
        #expect(DCTScale.smallest(width: 600, height: 400, minShortSide: 512) == .full)
    }

    @Test("Fast-mode decodes: M/8 scales give libjpeg's rounded-up sizes; luma-only is the luma of the RGB decode")
    func scaledLumaDecode() throws {
        let data = try bytes("dev/photos/palapeli_citrus-fruits.jpg")
        let rgb = try ImageDecoder.decode(data)
        #expect(rgb.raster.channels == 3)
        for m in 1...8 {
            let scaled = try ImageDecoder.decode(data, options: DecodeOptions(scale: DCTScale(eighths: m)!))
            #expect(scaled.raster.width == DCTScale(eighths: m)!.scaled(rgb.raster.width), "width at \(m)/8")
            #expect(scaled.raster.height == DCTScale(eighths: m)!.scaled(rgb.raster.height), "height at \(m)/8")
            #expect(scaled.scale.eighths == m)
        }
        let picked = try ImageDecoder.decode(data, options: DecodeOptions(minShortSide: 512))
        #expect(min(picked.raster.width, picked.raster.height) >= 512)
        #expect(picked.scale == DCTScale.smallest(width: rgb.raster.width, height: rgb.raster.height, minShortSide: 512))

        let luma = try ImageDecoder.decode(data, options: DecodeOptions(lumaOnly: true))
        #expect(luma.raster.channels == 1)
        #expect(luma.raster.width == rgb.raster.width && luma.raster.height == rgb.raster.height)
        // Y from the decoder against Rec. 601 luma of the decoded RGB: they differ by rounding, and where a
        // saturated colour was clamped to 0 or 255 in RGB (a few pixels, by more).
        var close = 0, total = 0
        for i in 0..<luma.raster.pixelCount {
            let r = Int(rgb.raster.pixels[3 * i]), g = Int(rgb.raster.pixels[3 * i + 1]), b = Int(rgb.raster.pixels[3 * i + 2])
            let y = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16
            let d = abs(y - Int(luma.raster.pixels[i]))
            if d <= 2 { close += 1 }
            total += d
        }
        #expect(Double(total) / Double(luma.raster.pixelCount) < 1.0)
        #expect(Double(close) / Double(luma.raster.pixelCount) >= 0.95)
        // The flag is JPEG-only: an RGB PNG still decodes to RGB.
        #expect(try ImageDecoder.decode(bytes("dev/photos/skimage_astronaut.png"), options: DecodeOptions(lumaOnly: true)).raster.channels == 3)
    }
}

@Suite("Mutation robustness", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct MutationTests {
    /// Flips, truncates and inserts bytes in real files (fixed seed): every case returns an image or a typed
    /// error, and the process survives.
    @Test func mutatedFilesNeverCrash() throws {
        let sources = ["dev/formats/libjpeg-turbo/testorig.jpg", "dev/formats/derived/citrus_progressive.jpg",
                       "dev/formats/pngsuite/basn2c08.png", "dev/formats/pngsuite/basi3p08.png",
                       "dev/formats/libjpeg-turbo/testimgari.jpg", "dev/formats/pngsuite/basn6a16.png"]
        var rng = SeededRandom(seed: 0x0B7_7ACE)
        var cases = 0, images = 0, errors = 0
        for source in sources {
            let original = try bytes(source)
            for i in 0..<100 {
                var data = original
                switch i % 4 {
                case 0:  // flip 1–8 random bytes
                    for _ in 0..<Int.random(in: 1...8, using: &rng) {
                        data[Int.random(in: 0..<data.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                    }
                case 1:  // truncate
                    data = Array(data.prefix(Int.random(in: 0..<data.count, using: &rng)))
                case 2:  // insert junk
                    let at = Int.random(in: 0...data.count, using: &rng)
                    data.insert(contentsOf: (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
                default:  // corrupt a header region
                    for _ in 0..<4 { data[Int.random(in: 0..<min(data.count, 200), using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                }
                cases += 1
                do {
                    let image = try ImageDecoder.decode(data, options: DecodeOptions(maxPixels: 4_000_000))
                    #expect(image.raster.pixels.count == image.raster.pixelCount * image.raster.channels)
                    images += 1
                } catch {
                    #expect(!error.reason.isEmpty)
                    errors += 1
                }
            }
        }
        #expect(cases >= 500)
        #expect(images > 0 && errors > 0)
    }
}

@Suite("JPEG encoding")
struct JPEGEncodingTests {
    /// A smooth test card: JPEG is made for such content, so a high-quality round trip stays close.
    static func card(channels: Int) -> Raster {
        let w = 96, h = 64
        var pixels: [UInt8] = []
        for y in 0..<h { for x in 0..<w { for c in 0..<channels { pixels.append(UInt8((x * 2 + y * (c + 1)) % 256)) } } }
        return Raster(width: w, height: h, channels: channels, pixels: pixels)
    }

    @Test("libjpeg-encoded rasters decode back to the same size and nearly the same pixels", arguments: [1, 3])
    func roundTrip(channels: Int) throws {
        let raster = Self.card(channels: channels)
        let high = try JPEGEncoder.encode(raster, quality: 95)
        #expect(ImageFormat.sniff(high) == .jpeg)
        let back = try ImageDecoder.decode(high).raster
        #expect(back.width == raster.width && back.height == raster.height && back.channels == channels)
        let meanError = zip(back.pixels, raster.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / raster.pixels.count
        #expect(meanError <= 2)
        // Lower quality gives a smaller file: the quality setting reaches the encoder.
        #expect(try JPEGEncoder.encode(raster, quality: 30).count < high.count)
    }

    @Test("An empty raster is refused with an error, not a crash")
    func emptyRefused() {
        #expect(throws: DecodeError.self) { try JPEGEncoder.encode(Raster(width: 0, height: 0, channels: 3, pixels: [])) }
    }
}

@Suite("PNG encoding")
struct PNGEncodingTests {
    @Test("libpng-encoded thumbnails decode back to the same pixels", arguments: [1, 3])
    func roundTrip(channels: Int) throws {
        var rng = SeededRandom(seed: UInt64(channels))
        let raster = Raster(width: 37, height: 21, channels: channels,
                            pixels: (0..<(37 * 21 * channels)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let png = try PNGEncoder.encode(raster)
        #expect(ImageFormat.sniff(png) == .png)
        #expect(try ImageDecoder.decode(png).raster == raster)
        let thumb = raster.thumbnail(maxSide: 10)
        #expect(thumb.width == 10 && thumb.height == 5)
    }
}

@Suite("Orientation transforms")
struct OrientationTransformTests {
    /// EXIF orientation semantics written out per pixel: where output pixel (ox, oy) comes from.
    static func source(_ o: Orientation, ox: Int, oy: Int, w: Int, h: Int) -> (Int, Int) {
        switch o {
        case .up: (ox, oy)
        case .upMirrored: (w - 1 - ox, oy)
        case .down: (w - 1 - ox, h - 1 - oy)
        case .downMirrored: (ox, h - 1 - oy)
        case .leftMirrored: (oy, ox)
        case .right: (oy, h - 1 - ox)
        case .rightMirrored: (w - 1 - oy, h - 1 - ox)
        case .left: (w - 1 - oy, ox)
        }
    }

    @Test("Every orientation moves every sample where EXIF says, across tile edges", arguments: [1, 3])
    func allOrientations(channels: Int) {
        let w = 70, h = 37  // not multiples of the 32-pixel tile
        var rng = SeededRandom(seed: 7 + UInt64(channels))
        let raster = Raster(width: w, height: h, channels: channels,
                            pixels: (0..<(w * h * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        for o in Orientation.allCases {
            let out = raster.applying(o)
            #expect(out.width == (o.swapsAxes ? h : w) && out.height == (o.swapsAxes ? w : h))
            var wrong = 0
            for oy in 0..<out.height {
                for ox in 0..<out.width {
                    let (sx, sy) = Self.source(o, ox: ox, oy: oy, w: w, h: h)
                    for k in 0..<channels where out.pixels[(oy * out.width + ox) * channels + k] != raster.pixels[(sy * w + sx) * channels + k] {
                        wrong += 1
                    }
                }
            }
            #expect(wrong == 0, "\(o)")
        }
    }
}
