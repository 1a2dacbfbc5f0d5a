import Foundation
import ImageCore
import ImageDecoding
import Testing

/// Peak resident set size of this process so far, in bytes (Linux reports kilobytes).
private func peakRSS() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

/// CPU seconds of the calling thread: the decoders run on it (libheif's tile threads are switched off), and
/// other tests running in parallel do not count.
private func threadCPU() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// A hostile input must end in a typed error (or, for a harmless mutation, a decode) within these bounds: a
/// 65535² canvas alone would be 12 GiB, 100,000 decoded frames minutes of CPU.
private let maxPeakGrowth = 512 << 20
private let maxCPUSeconds = 5.0

/// Decodes `bytes`, returning the error (nil when it decoded) and checking the work and memory bounds.
/// With `report`, prints one line: the outcome, thread CPU and peak-RSS growth (the numbers in the README).
@discardableResult
private func decodeBounded(_ bytes: [UInt8], _ label: String, options: DecodeOptions = DecodeOptions(),
                           report: Bool = false) -> DecodeError? {
    let rss = peakRSS(), cpu = threadCPU()
    var failure: DecodeError?
    do { _ = try ImageDecoder.decode(bytes, options: options) } catch { failure = error }
    let spent = threadCPU() - cpu, grown = peakRSS() - rss
    #expect(spent < maxCPUSeconds, "\(label): \(spent) s of CPU")
    #expect(grown < maxPeakGrowth, "\(label): peak RSS grew by \(grown >> 20) MiB")
    if report {
        let outcome = failure.map(\.description) ?? "decoded"
        print("[hostile] \(label) (\(bytes.count) bytes): \(outcome); CPU \(String(format: "%.3f", spent)) s, peak RSS +\(grown >> 20) MiB")
    }
    return failure
}

private func committed(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: ExtraFormatRow.folder.appendingPathComponent(name)))
}

private func le24(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF)] }
private func le32(_ v: Int) -> [UInt8] { le24(v) + [UInt8(v >> 24 & 0xFF)] }
private func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
private func riffChunk(_ type: String, _ payload: [UInt8]) -> [UInt8] {
    Array(type.utf8) + le32(payload.count) + payload + (payload.count % 2 == 1 ? [0] : [])
}

/// An animated WebP of `frames` 1×1 lossless frames (each a real VP8L bitstream made by cwebp).
func animatedWebP(frames: Int) -> [UInt8] {
    let vp8l: [UInt8] = [0x2f, 0x00, 0x00, 0x00, 0x00, 0x07, 0x50, 0x8f, 0x22, 0xd7, 0xa3, 0xff, 0x81, 0x88, 0xe8, 0x7f, 0x00]
    let frame = riffChunk("ANMF", le24(0) + le24(0) + le24(0) + le24(0) + le24(100) + [0] + riffChunk("VP8L", vp8l))
    var body = Array("WEBP".utf8) + riffChunk("VP8X", [0x02, 0, 0, 0] + le24(0) + le24(0)) + riffChunk("ANIM", [255, 255, 255, 255, 0, 0])
    body.reserveCapacity(body.count + frames * frame.count)
    for _ in 0..<frames { body += frame }
    return Array("RIFF".utf8) + le32(body.count) + body
}

/// A GIF with a two-colour table and `frames` image descriptors of `width`×`height`, each followed by `lzw`
/// (LZW minimum code size 2; the default codes one pixel: clear, 0, end).
func gif(screen: (Int, Int), frame: (Int, Int), frames: Int, lzw: [UInt8] = [2, 0x44, 0x01, 0]) -> [UInt8] {
    var b = Array("GIF89a".utf8) + le16(screen.0) + le16(screen.1) + [0x80, 0, 0] + [0, 0, 0, 255, 255, 255]
    let image = [0x2C] + le16(0) + le16(0) + le16(frame.0) + le16(frame.1) + [0x00, 2] + lzw
    b.reserveCapacity(b.count + frames * image.count + 1)
    for _ in 0..<frames { b += image }
    return b + [0x3B]
}

/// Offsets of the 4-byte type `type` in ISO-BMFF bytes (the box size is the 4 bytes before).
private func boxOffsets(_ bytes: [UInt8], _ type: String) -> [Int] {
    let t = Array(type.utf8)
    return (4..<(bytes.count - 4)).filter { bytes[$0] == t[0] && Array(bytes[$0..<($0 + 4)]) == t }
}

private func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

@Suite("HEIC, WebP and GIF: hostile input is refused within bounds", .serialized)
struct ExtraFormatHostileTests {
    @Test("truncated files: typed errors, never a crash")
    func truncated() throws {
        for row in ExtraFormatRow.all {
            let bytes = try row.bytes()
            let n = bytes.count
            for cut in [0, 6, 12, 20, 40, 100, n / 4, n / 2, 3 * n / 4, n - 16] where cut >= 0 && cut < n {
                let error = decodeBounded(Array(bytes.prefix(cut)), "\(row.file)[..<\(cut)]")
                // Cut inside the first frame (animations decode their first frame only, which may be whole).
                if cut <= n / (2 * row.frames) { #expect(error != nil, "\(row.file) cut at \(cut) decoded") }
            }
        }
    }

    @Test("wrong box and chunk lengths: typed errors or a decode, never a crash")
    func wrongLengths() throws {
        var refused = 0, tried = 0
        for row in ExtraFormatRow.all where row.format != "gif" {
            let bytes = try row.bytes()
            var fields: [Int] = []  // offsets of 4-byte length fields
            if row.format == "webp" {
                fields = [4] + WebPChunks(bytes).map { $0.range.lowerBound + 4 }
            } else {
                for type in ["ftyp", "meta", "hdlr", "pitm", "iloc", "iinf", "infe", "iprp", "ipco", "hvcC", "ispe", "ipma", "iref", "idat", "mdat", "irot", "auxC"] {
                    fields += boxOffsets(bytes, type).prefix(2).map { $0 - 4 }
                }
            }
            for field in fields {
                for value in [0, 1, 7, 0xFFFF_FFF0, 0x7FFF_FFFF] {
                    var mutated = bytes
                    let encoded = row.format == "webp" ? le32(value) : be32(value)
                    mutated.replaceSubrange(field..<(field + 4), with: encoded)
                    tried += 1
                    if decodeBounded(mutated, "\(row.file) length@\(field)=\(value)") != nil { refused += 1 }
                }
            }
        }
        #expect(tried > 300)
        #expect(refused > tried / 2)
    }

    @Test("HEIF overlay (iovl) primary image found by the fuzzer: refused before libheif, no crash")
    func heifOverlayFromFuzzer() throws {
        // 58 KB; Debian's libheif 1.15 allocated 2.6 GB for it and then crashed in memset (objtrace inspect: 7.6 GB
        // RSS, SIGSEGV) before the shim refused primary overlay images.
        let bytes = [UInt8](try Data(contentsOf: ExtraFormatRow.folder.deletingLastPathComponent()
            .appendingPathComponent("FuzzFindings/iovl-overlay-crash.heic")))
        let error = decodeBounded(bytes, "fuzzed iovl overlay", report: true)
        #expect(error?.kind == .unsupported, "\(String(describing: error))")
        #expect(error?.description.contains("overlay") == true, "\(String(describing: error))")
    }

    @Test("HEIF declaring 65535² pixels (ispe) is refused before decoding")
    func heifHugeISPE() throws {
        var bytes = try committed("fruits_q30.heic")
        let boxes = boxOffsets(bytes, "ispe")
        #expect(!boxes.isEmpty)
        for at in boxes { bytes.replaceSubrange((at + 8)..<(at + 16), with: be32(65535) + be32(65535)) }
        let error = decodeBounded(bytes, "ispe 65535²", report: true)
        #expect(error?.kind == .tooLarge || error?.kind == .corrupt, "\(String(describing: error))")
        #expect((try? ImageDecoder.inspect(bytes)) == nil || (try? ImageDecoder.inspect(bytes))?.width == 65535)
    }

    @Test("HEIF grid declaring 256×256 tiles and a 65535² canvas is refused")
    func heifHugeGrid() throws {
        let original = try committed("baboon_grid.heic")
        let idat = boxOffsets(original, "idat")
        #expect(!idat.isEmpty)
        for patchISPE in [false, true] {
            var bytes = original
            for at in idat {
                // ImageGrid: version, flags (bit 0: 32-bit sizes), rows - 1, columns - 1, output width, height.
                let p = at + 4
                bytes[p + 2] = 255
                bytes[p + 3] = 255
                bytes.replaceSubrange((p + 4)..<(p + 8), with: [0xFF, 0xFF, 0xFF, 0xFF])
            }
            if patchISPE {
                for at in boxOffsets(bytes, "ispe") { bytes.replaceSubrange((at + 8)..<(at + 16), with: be32(65535) + be32(65535)) }
            }
            let error = decodeBounded(bytes, "grid 256² tiles, ispe patched: \(patchISPE)", report: true)
            #expect(error != nil)
        }
    }

    @Test("animated WebP with 100,000 frames: too-large, counted without decoding")
    func webpManyFrames() {
        let bytes = animatedWebP(frames: 100_000)
        #expect(bytes.count > 4_000_000)
        let error = decodeBounded(bytes, "WebP 100,000 frames", report: true)
        #expect(error?.kind == .tooLarge, "\(String(describing: error))")
        let few = animatedWebP(frames: 3)
        #expect(decodeBounded(few, "WebP 3 frames") == nil)
        #expect((try? ImageDecoder.decode(few))?.info.frames == 3)
    }

    @Test("animated GIF with 100,000 frames: too-large, counted without decoding")
    func gifManyFrames() {
        let bytes = gif(screen: (1, 1), frame: (1, 1), frames: 100_000)
        let error = decodeBounded(bytes, "GIF 100,000 frames", report: true)
        #expect(error?.kind == .tooLarge, "\(String(describing: error))")
        let few = gif(screen: (1, 1), frame: (1, 1), frames: 3)
        let image = try? ImageDecoder.decode(few)
        #expect(image?.info.frames == 3)
        #expect(image?.raster.pixels == [0, 0, 0])
    }

    @Test("GIF LZW bombs: huge declared frames refused before allocation; endless clear codes end in an error")
    func gifBombs() {
        // 65535² declared on the screen and the frame, with a few bytes of LZW: refused on the header.
        let huge = decodeBounded(gif(screen: (65535, 65535), frame: (65535, 65535), frames: 1), "GIF 65535²", report: true)
        #expect(huge?.kind == .tooLarge)
        // A small screen but a huge first frame (its LZW work): refused too.
        let wide = decodeBounded(gif(screen: (16, 16), frame: (65535, 65535), frames: 1), "GIF frame 65535²", report: true)
        #expect(wide?.kind == .tooLarge)
        // 16 MP within the limit but LZW data for one pixel: an error once the data runs out.
        let short = decodeBounded(gif(screen: (4000, 4000), frame: (4000, 4000), frames: 1), "GIF 4000² short data", report: true)
        #expect(short?.kind == .damaged || short?.kind == .corrupt, "\(String(describing: short))")
        // Clear codes only (3-bit codes 4, 4, 4, …): no pixel ever comes out, and giflib empties its 4096-entry
        // table on each. 1 MB of them (2.7 million clears, over a second of giflib's CPU) is refused before
        // decoding by the code-stream walk; 30 KB under a 2000² frame is within the work bound, so giflib runs
        // through it and reports the defect.
        func flood(_ blocks: Int) -> [UInt8] {
            var data: [UInt8] = []
            for _ in 0..<blocks { data += [255] + Array(repeating: [0x24, 0x49, 0x92] as [UInt8], count: 85).flatMap { $0 } }
            return data + [0]
        }
        let bomb = decodeBounded(gif(screen: (100, 100), frame: (100, 100), frames: 1, lzw: flood(4000)), "GIF clear-code flood 1 MB", report: true)
        #expect(bomb?.kind == .tooLarge, "\(String(describing: bomb))")
        let within = decodeBounded(gif(screen: (2000, 2000), frame: (2000, 2000), frames: 1, lzw: flood(120)), "GIF clear-code flood 30 KB", report: true)
        #expect(within?.kind == .damaged || within?.kind == .corrupt, "\(String(describing: within))")
    }

    @Test("a pixel limit applies to animation canvases too")
    func animationCanvasLimit() {
        let error = decodeBounded(animatedWebP(frames: 2), "tiny canvas", options: DecodeOptions(maxPixels: 0))
        #expect(error?.kind == .tooLarge)
    }
}
