import Foundation
import ImageCore
import ImageDecoding
import PerceptualHash
import TestSupport
import Testing

/// One row of `expected/anchor-hashes.tsv`.
struct AnchorRow: Sendable, CustomTestStringConvertible {
    let file: String
    let pilMode: String
    let exact: Bool
    let pdq: String
    let quality: String
    let pdq8: String
    let ahash: String
    let dhash: String
    let phash: String
    let whash: String
    let error: String

    var testDescription: String { file }

    static let all: [AnchorRow] = {
        guard SharedData.isAvailable, let rows = try? SharedData.readTSV("expected/anchor-hashes.tsv") else {
            return []
        }
        return rows.map {
            AnchorRow(file: $0["file"] ?? "", pilMode: $0["pil_mode"] ?? "", exact: $0["exact"] == "1",
                      pdq: $0["pdq"] ?? "", quality: $0["pdq_quality"] ?? "", pdq8: $0["pdq8"] ?? "",
                      ahash: $0["ih_ahash"] ?? "", dhash: $0["ih_dhash"] ?? "", phash: $0["ih_phash"] ?? "",
                      whash: $0["ih_whash"] ?? "", error: $0["error"] ?? "")
        }
    }()

    /// Images above this size are hashed only in optimised builds or with OBJTRACE_FULL_ANCHORS=1, so the
    /// debug test run stays short; the release run (`swift test -c release`) covers every row.
    static let debugPixelLimit = 4_000_000

    static var runAll: Bool {
        #if DEBUG
        return ProcessInfo.processInfo.environment["OBJTRACE_FULL_ANCHORS"] == "1"
        #else
        return true
        #endif
    }

    static let exactRows = all.filter(\.exact)
    static let inexactRows = all.filter { !$0.exact }

    func decode() throws -> DecodedImage {
        let bytes = try [UInt8](Data(contentsOf: SharedData.url(file)))
        return try ImageDecoder.decode(bytes)
    }

    /// Expects every hash of `r` to equal this row's reference: PDQ, its quality, the dihedral PDQs and the
    /// four imagehash hashes.
    func expectEqual(_ r: HashResults, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.pdq?.hash.hex == pdq, "PDQ", sourceLocation: sourceLocation)
        #expect(r.pdq.map { String($0.quality) } == quality, "PDQ quality", sourceLocation: sourceLocation)
        #expect(r.pdqDihedral?.hashes.map(\.hex).joined(separator: ",") == pdq8, "PDQ dihedral", sourceLocation: sourceLocation)
        #expect(r.ahash?.hex == ahash, "ahash", sourceLocation: sourceLocation)
        #expect(r.dhash?.hex == dhash, "dhash", sourceLocation: sourceLocation)
        #expect(r.phash?.hex == phash, "phash", sourceLocation: sourceLocation)
        #expect(r.whash?.hex == whash, "whash", sourceLocation: sourceLocation)
    }
}

@Suite(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct AnchorHashTests {
    @Test func tableHasTheExpectedRows() {
        #expect(AnchorRow.exactRows.count == 289)
    }

    /// Every unambiguous image: PDQ, quality, all dihedral hashes and the four imagehash hashes, exactly.
    @Test(arguments: AnchorRow.exactRows)
    func exactRowMatchesReferences(_ row: AnchorRow) throws {
        let image = try row.decode()
        let raster = image.raster  // orientation as stored, as the references read it
        if raster.pixelCount > AnchorRow.debugPixelLimit && !AnchorRow.runAll { return }
        // 16-bit PNGs are reduced to their high byte as Pillow does for RGB, so they are exact too.
        row.expectEqual(computeHashes(raster, .all))
    }

    /// Modes whose anchor the reference front end (PIL → pdqhash) computes from wrongly decoded pixels.
    ///
    /// P: palette indices passed as grey; 1: 0/1 samples; CMYK: four channels read as RGB; I;16: clipped at
    /// 255 instead of scaled; RGBA/LA: alpha dropped without compositing (we composite onto white).
    static let misdecodedModes: Set<String> = ["P", "1", "CMYK", "I;16", "RGBA", "LA"]

    /// Rows the anchor could not be trusted on: within 10 PDQ bits, or a mode the reference mis-decodes.
    @Test(arguments: AnchorRow.inexactRows)
    func inexactRowIsCloseOrExplained(_ row: AnchorRow) throws {
        let bytes = try [UInt8](Data(contentsOf: SharedData.url(row.file)))
        let decoded: DecodedImage
        do {
            decoded = try ImageDecoder.decode(bytes)
        } catch {
            // A file the reference could not read either: refusing it is the right answer. PngSuite's
            // "x…" files are deliberately corrupt (e.g. xcsn0g01: bad IDAT CRC, which Pillow ignores).
            let corruptFixture = row.file.contains("/pngsuite/x")
            #expect(!row.error.isEmpty || corruptFixture, "we refuse a file the reference hashed: \(error)")
            return
        }
        guard let anchor = Hash256(hex: row.pdq) else {
            // The reference failed (e.g. a truncated JPEG: PIL refuses, libjpeg pads with grey and warns).
            #expect(!row.error.isEmpty)
            return
        }
        let ours = pdq(decoded.raster)
        let distance = ours.hash.distance(to: anchor)
        if distance > 10 {
            #expect(Self.misdecodedModes.contains(row.pilMode),
                    "PDQ \(distance) bits from the anchor for mode \(row.pilMode)")
        }
    }
}
