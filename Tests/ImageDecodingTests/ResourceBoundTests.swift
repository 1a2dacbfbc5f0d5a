import Foundation
import ImageCore
import ImageDecoding
import Testing
import TestSupport

/// Hostile files built in the tests (or committed under Tests/HostileInputs).
enum Hostile {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func ihdr(_ width: Int, _ height: Int) -> [UInt8] {
        Tipster.pngChunk("IHDR", Tipster.be32(width) + Tipster.be32(height) + [8, 2, 0, 0, 0])
    }

    /// 93 bytes: a 16×16 PNG header, then a tEXt chunk claiming 2 GiB − 1 bytes.
    static func hugeTextChunk() -> [UInt8] {
        var out = signature + ihdr(16, 16) + Tipster.be32(0x7FFF_FFFF) + Array("tEXt".utf8) + Array("Comment".utf8) + [0]
        while out.count < 93 { out.append(0x41) }
        return out
    }

    /// A 16×16 RGB PNG whose IDAT is `compressedBytes` of one deflate block that never ends: a literal 0, then
    /// (length 258, distance 1) over and over, 13 bits each (about 159 inflated bytes per compressed byte).
    /// The first 784 inflated bytes are the image (filter 0, black pixels); the rest follows the last row.
    static func idatBomb(compressedBytes: Int) -> [UInt8] {
        var bits = BitWriter()
        bits.append(1, count: 1)  // BFINAL
        bits.append(1, count: 2)  // fixed Huffman codes
        bits.appendCode(0x30, length: 8)  // literal 0
        for _ in 0..<16 {
            bits.appendCode(0xC5, length: 8)  // length symbol 285 = 258, no extra bits
            bits.appendCode(0, length: 5)  // distance code 0 = 1
        }
        // From bit 11 on the stream repeats every 104 bits = 13 bytes, so from byte 2 on the bytes repeat.
        var deflate = Array(bits.bytes[0..<2])
        let period = Array(bits.bytes[2..<15])
        while deflate.count < compressedBytes { deflate += period }
        return signature + ihdr(16, 16) + Tipster.pngChunk("IDAT", [0x78, 0x01] + deflate) + Tipster.pngChunk("IEND", [])
    }

    static func committed(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HostileInputs").appendingPathComponent(name)
        return [UInt8](try Data(contentsOf: url))
    }

    /// Deterministic noise (JPEG-encoded noise has entropy data all the way through).
    static func noise(width: Int, height: Int) -> Raster {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let pixels = (0..<(width * height * 3)).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        return Raster(width: width, height: height, channels: 3, pixels: pixels)
    }
}

struct BitWriter {
    var bytes: [UInt8] = []
    var used = 0

    mutating func bit(_ b: Int) {
        if used % 8 == 0 { bytes.append(0) }
        if b != 0 { bytes[bytes.count - 1] |= UInt8(1 << (used % 8)) }
        used += 1
    }

    /// A value, least significant bit first (deflate header fields).
    mutating func append(_ value: Int, count: Int) { for i in 0..<count { bit(value >> i & 1) } }

    /// A Huffman code, most significant bit first.
    mutating func appendCode(_ code: Int, length: Int) { for i in (0..<length).reversed() { bit(code >> i & 1) } }
}

private func kind(of body: () throws -> Void) -> DecodeError.Kind? {
    do {
        try body()
        return nil
    } catch let error as DecodeError {
        return error.kind
    } catch {
        return nil
    }
}

@Suite("Decoding stays within bounds of memory and work (peak RSS and work counters, not time)")
struct ResourceBoundTests {
    @Test("A 93-byte PNG claiming a 2 GiB tEXt chunk is refused before libpng allocates it")
    func hugeChunkLength() throws {
        let file = Hostile.hugeTextChunk()
        #expect(file.count == 93)
        #expect(kind { _ = try ImageDecoder.decode(file) } == .corrupt)
        #expect(kind { _ = try ImageDecoder.inspect(file) } == .corrupt)
        let probe = try #require(DecodeProbe.peakRSSGrowth(file))
        #expect(probe.status != 0)
        #expect(probe.kib < 16 * 1024, "peak RSS grew by \(probe.kib) KiB")
    }

    @Test("An IDAT bomb (16×16, 8 MB of deflate inflating to 1.3 GB) stops after the last row")
    func idatBomb() throws {
        let file = Hostile.idatBomb(compressedBytes: 8 << 20)
        #expect(kind { _ = try ImageDecoder.decode(file) } == .corrupt)
        let probe = try #require(DecodeProbe.peakRSSGrowth(file))
        #expect(probe.work < 64 * 1024, "libpng read \(probe.work) of \(file.count) bytes")
        #expect(probe.kib < 16 * 1024, "peak RSS grew by \(probe.kib) KiB")
        // Every PNGSuite file still decodes as before (FormatCorpusTests); an honest 16×16 too.
        let honest = try PNGEncoder.encode(Hostile.noise(width: 16, height: 16))
        #expect(try ImageDecoder.decode(honest).raster == Hostile.noise(width: 16, height: 16))
    }

    @Test("100 progressive scans over 8000×8000: refused by the work budget, within one scan of it")
    func progressiveWork() throws {
        let file = try Hostile.committed("progressive-100-scans-8000x8000.jpg")
        var reason = ""
        do {
            _ = try ImageDecoder.decode(file)
            Issue.record("decoded")
        } catch {
            #expect(error.kind == .tooLarge)
            reason = error.reason
        }
        #expect(reason.contains("block-scans"), "\(reason)")
        let probe = try #require(DecodeProbe.peakRSSGrowth(file))
        let blocksPerScan = 1000 * 1000 + 4096
        #expect(probe.status == 5)  // OT_ERR_LIMIT
        #expect(probe.work > DecodeOptions().maxWork && probe.work <= DecodeOptions().maxWork + blocksPerScan)
        #expect(probe.kib < 400 * 1024, "peak RSS grew by \(probe.kib) KiB")
        // Work, not scans: with a larger budget the same 100 scans decode.
        var options = DecodeOptions()
        options.maxWork = 200_000_000
        let image = try ImageDecoder.decode(file, options: options)
        #expect(image.raster.width == 8000 && image.work > 100_000_000)
    }

    @Test("Ordinary progressive and baseline photos cost a small part of the work budget")
    func ordinaryWork() throws {
        let progressive = try ImageDecoder.decode(Hostile.noiseJPEG(progressive: false))
        #expect(progressive.work > 0 && progressive.work < DecodeOptions().maxWork / 100)
    }

    @Test("A truncated JPEG with an end marker appended is damaged (JWRN_HIT_MARKER counts)")
    func truncatedWithEndMarker() throws {
        let jpeg = try Hostile.noiseJPEG(progressive: false)
        let forged = Array(jpeg[0..<(jpeg.count * 6 / 10)]) + [0xFF, 0xD9]
        #expect(kind { _ = try ImageDecoder.decode(forged) } == .damaged)
        var lenient = DecodeOptions()
        lenient.allowDamaged = true
        #expect(try ImageDecoder.decode(forged, options: lenient).warnings > 0)
        #expect(kind { _ = try MetadataStripper.strip(forged) } == .damaged)
    }

    @Test("Workers sharing a memory budget never hold more than it; an image over it alone is refused")
    func sharedBudget() throws {
        let file = try Hostile.noiseJPEG(progressive: false)
        let one = 256 * 256 * 3 + 256 * 256 * 3 / 8
        let budget = DecodeBudget(bytes: one * 3 / 2)  // room for one decode at a time
        var options = DecodeOptions()
        options.memoryBudget = budget
        let failures = Counter()
        let shared = options
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if (try? ImageDecoder.decode(file, options: shared)) == nil { failures.add() }
        }
        #expect(failures.value == 0)
        let stats = budget.stats
        #expect(stats.used == 0)
        #expect(stats.peak >= one && stats.peak <= stats.limit, "peak \(stats.peak) of \(stats.limit)")
        options.memoryBudget = DecodeBudget(bytes: one / 2)
        #expect(kind { _ = try ImageDecoder.decode(file, options: options) } == .memory)
    }
}

extension Hostile {
    /// A 256×256 noise JPEG (quality 90), made with libjpeg.
    static func noiseJPEG(progressive: Bool) throws -> [UInt8] { try JPEGEncoder.encode(noise(width: 256, height: 256), quality: 90) }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
