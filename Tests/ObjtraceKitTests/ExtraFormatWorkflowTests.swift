import CaseWork
import Foundation
import ImageDecoding
import Matching
import ObjtraceKit
import Store
import Testing
import TestSupport

/// Tip photos in HEIC, WebP and GIF (the committed files of Tests/ImageDecodingTests/ExtraFormats, made from
/// dev photos) go through the real case-work path: ingest, working copy, flags, matching.
@Suite("HEIC, WebP and GIF tips end to end", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct ExtraFormatWorkflowTests {
    let alice = try! AnalystID("alice"), bob = try! AnalystID("bob")
    let folder = SharedData.repoRoot.appendingPathComponent("Tests/ImageDecodingTests/ExtraFormats")

    /// The source picture of each committed file (by name prefix) and the object published for it.
    let objects: [(prefix: String, code: String, image: String)] = [
        ("fruits", "TAO-2026-301", "dev/photos/opencv_fruits.jpg"),
        ("baboon", "TAO-2026-302", "dev/photos/opencv_baboon.jpg"),
        ("tux", "TAO-2026-303", "dev/products/tuxpaint/tux_cherimoya.png"),
    ]

    @Test("every committed HEIC/WebP/GIF tip photo is matched to the object it shows, stored as a bare PNG")
    func tipsMatchTheirObjects() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        for object in objects {
            let code = try ObjectCode(object.code)
            _ = try service.addObject(code: code, title: object.prefix, category: .packaging, question: "?", notes: "",
                                      images: [SharedData.url(object.image).path], by: alice)
            _ = try service.store.approve(code, by: alice)
            _ = try service.store.approve(code, by: bob)
            _ = try service.store.publish(code, by: bob)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.count >= 20)
        for file in files {
            let want = try ObjectCode(try #require(objects.first { file.hasPrefix($0.prefix) }).code)
            var input = CaseService.TipInput()
            input.photos = [folder.appendingPathComponent(file).path]
            let result = try service.submitTip(input, by: alice)
            let matches = try service.store.matches(tip: result.tipID)
            // Earlier tips of the same picture also match (as duplicates); the best object match is what counts.
            let best = matches.first { $0.object != nil }
            #expect(best?.object == want, "\(file): \(matches.map { "\(String(describing: $0.object)) \($0.algos)" })")
            #expect(best?.algos.contains(.pdq) == true, "\(file): not a PDQ match")
            let stored = try service.store.tip(result.tipID).content.photos[0]
            let working = try service.blobs.get(stored.workingSHA256.value)
            #expect(ImageFormat.sniff(working) == .png, "\(file): working copy is not a PNG")
            // Pixels and at most an orientation-only eXIf: nothing that could identify the sender.
            #expect(PNGChunks(working).allSatisfy { ["IHDR", "IDAT", "IEND", "eXIf"].contains($0.type) })
            let left = ExifSummary.read(from: working)
            #expect(!left.hasGPS && !left.hasDeviceSerial, "\(file): working copy carries GPS or a serial")
            #expect(stored.originalHadGPS == file.contains("gps"), "\(file): GPS flag")
            #expect(stored.originalHadDeviceSerial == (file.contains("gps") || file.contains("xmp")), "\(file): serial flag")
        }
    }
}
