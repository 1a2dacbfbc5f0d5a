import Foundation
import Matching
import ObjtraceKit
import Testing
import TestSupport

/// The evidence-sheet and referral renderer: structure, escaping of public input, region scaling, and
/// (opt-in) a real headless-browser check of a page built from real photos.
@Suite struct InteropSheetTests {
    static let hostile = "<script>alert('x')</script> & \"quoted\""

    static func image(_ path: String, _ fill: Character, _ w: Int, _ h: Int, thumb: (Int, Int)) -> SheetImage {
        SheetImage(relativePath: path, sha256: String(repeating: fill, count: 64), width: w, height: h,
                   thumbWidth: thumb.0, thumbHeight: thumb.1)
    }

    static func sample(kind: EvidenceSheet.Kind = .evidence) -> EvidenceSheet {
        let crop = image("thumbs/crop-1.png", "a", 400, 300, thumb: (200, 150))
        let tipA = image("thumbs/tip 17.png", "b", 1000, 500, thumb: (200, 100))
        let tipB = image("thumbs/tip-18.png", "c", 640, 480, thumb: (160, 120))
        let matches = [
            SheetMatch(tipID: "T17", claim: hostile, tipImage: tipA, cropImage: crop, algorithms: ["local"],
                       distances: [SheetDistance(algo: "local-inliers", distance: 41)], tier: .confirm, strength: 0.87,
                       region: [SheetPoint(x: 100, y: 50), SheetPoint(x: 900, y: 50), SheetPoint(x: 900, y: 450),
                                SheetPoint(x: 100, y: 450)], inliers: 57),
            SheetMatch(tipID: "T18", claim: "hotel in Lisbon", tipImage: tipB, cropImage: crop, algorithms: ["pdq", "phash"],
                       distances: [SheetDistance(algo: "pdq", distance: 22, threshold: 31), SheetDistance(algo: "phash", distance: 6)],
                       tier: .suggest, transform: "flipx"),
        ]
        let candidates = [
            SheetCandidate(rank: 1, brand: "Acme <b>", product: "Kettle", country: "PT", score: 2.5, share: 0.625,
                           state: "confirmed", supportingTips: ["T17", "T18"], evidence: ["orb 57 inliers on T17", hostile]),
            SheetCandidate(rank: 2, brand: nil, product: nil, country: "ES", score: 1.5, share: 0.375, state: "open"),
        ]
        if kind == .referral {
            return EvidenceSheet.referral(objectCode: "OBJ-7", category: "kettle", question: "Where is this sold?",
                                          state: "referred", country: "PT", crops: [crop], matches: matches,
                                          confirmed: [candidates[0]],
                                          claims: [SheetClaim(tipID: "T17", text: hostile, source: "web form")],
                                          generatedAt: "2024-05-01T10:00:00Z")
        }
        return EvidenceSheet(objectCode: "OBJ-7", title: "Evidence sheet", category: "kettle", question: "Where is this sold?",
                             state: "open", crops: [crop], matches: matches, candidates: candidates,
                             generatedAt: "2024-05-01T10:00:00Z")
    }

    @Test(arguments: [EvidenceSheet.Kind.evidence, .referral])
    func publicTextIsEscapedAndThePageIsSelfContained(kind: EvidenceSheet.Kind) {
        let html = Self.sample(kind: kind).html()
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"))
        #expect(!html.contains("http:") && !html.contains("https:") && !html.contains("url("))
        #expect(!html.contains("src=\"/"))
        #expect(Self.unbalancedTags(html).isEmpty, "\(Self.unbalancedTags(html))")
    }

    @Test func evidenceSheetShowsEachCropBesideItsTipWithTheNumbers() {
        let html = Self.sample().html()
        #expect(html.contains("<title>Evidence sheet — OBJ-7</title>"))
        #expect(html.components(separatedBy: "<article class=\"match").count - 1 == 2)
        // Relative, percent-encoded image paths at thumbnail size.
        #expect(html.contains("<img src=\"thumbs/tip%2017.png\" width=\"200\" height=\"100\" alt=\"tip T17\">"))
        #expect(html.contains("<img src=\"thumbs/crop-1.png\" width=\"200\" height=\"150\""))
        #expect(html.contains("<tr><th>Distances</th><td>pdq 22 (≤ 31), phash 6</td></tr>"))
        #expect(html.contains("<tr><th>Tier</th><td>suggest</td></tr>"))
        #expect(html.contains("<tr><th>Transform</th><td>flipx</td></tr>"))
        #expect(html.contains("<tr><th>Inliers</th><td>57</td></tr>"))
        #expect(html.contains("<h2>Candidate ranking</h2>"))
        #expect(html.contains("<td>Acme &lt;b&gt;</td>"))
        #expect(html.contains("<td>62%</td>") && html.contains("<td>2.500</td>"))
        // Three distinct originals → three SHA-256 rows.
        #expect(html.components(separatedBy: "<td><code>").count - 1 == 3)
    }

    @Test func regionIsScaledFromOriginalToThumbnailPixels() {
        let html = Self.sample().html()
        // 1000×500 shown at 200×100: a factor of 0.2 on both axes.
        #expect(html.contains("<svg viewBox=\"0 0 200 100\" width=\"200\" height=\"100\""))
        #expect(html.contains("points=\"20.0,10.0 180.0,10.0 180.0,90.0 20.0,90.0\""))
        // Only the local-feature match has a region.
        #expect(html.components(separatedBy: "<polygon").count - 1 == 1)
    }

    @Test func referralUsesTheSameRendererWithItsOwnSections() {
        let html = Self.sample(kind: .referral).html()
        #expect(html.contains("<h1>Referral: OBJ-7</h1>"))
        #expect(html.contains("<dt>Country</dt><dd>PT</dd>"))
        #expect(html.contains("<h2>Confirmed candidates</h2>"))
        #expect(!html.contains("<td>ES</td>"))
        #expect(html.contains("<h2>Supporting tips&#39; claims</h2>") || html.contains("<h2>Supporting tips' claims</h2>"))
        #expect(html.contains("<td>web form</td>"))
        for fill in ["a", "b", "c"] { #expect(html.contains(String(repeating: fill, count: 64))) }
    }

    @Test func pathsCannotBecomeURLs() {
        #expect(SheetHTML.relativeURL("https://example.org/x.png") == "https%3A//example.org/x.png")
        #expect(SheetHTML.relativeURL("/etc/passwd") == "etc/passwd")
        #expect(SheetHTML.relativeURL("a b/#c?.png") == "a%20b/%23c%3F.png")
    }

    /// Non-void elements that are opened but not closed (or closed but not open), in order.
    static func unbalancedTags(_ html: String) -> [String] {
        let void: Set<String> = ["meta", "img", "br", "hr", "link", "input", "polygon", "!doctype"]
        var stack: [String] = []
        var problems: [String] = []
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let tag = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            let selfClosing = tag.hasSuffix("/")
            var name = String(tag.prefix(while: { !$0.isWhitespace })).lowercased()
            if selfClosing && name.hasSuffix("/") { name.removeLast() }
            if name.hasPrefix("/") {
                let n = String(name.dropFirst())
                if stack.last == n { stack.removeLast() } else { problems.append("</\(n)> with \(stack.last ?? "nothing") open") }
            } else if !void.contains(name) && !selfClosing {
                stack.append(name)
            }
        }
        return problems + stack.map { "<\($0)> never closed" }
    }

    /// Writes a sheet beside two real photos and asks headless Chromium whether every image loads; opt in
    /// with OBJTRACE_CHECK_SHEET=1 (about ten seconds).
    @Test(.enabled(if: SharedData.isAvailable && ProcessInfo.processInfo.environment["OBJTRACE_CHECK_SHEET"] == "1",
                   "set OBJTRACE_CHECK_SHEET=1 (and have ../shared/data) to run the browser check"))
    func realBrowserLoadsEveryImage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interop-sheet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("thumbs"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var sheet = Self.sample()
        // Real files stand in for the PNG thumbnails the CLI writes (the browser only needs decodable images).
        let sources = ["dev/photos/mpl_grace_hopper.jpg": "thumbs/crop-1.png", "dev/photos/imagehash_peppers.png": "thumbs/tip 17.png",
                       "dev/photos/opencv_HappyFish.jpg": "thumbs/tip-18.png"]
        for (source, target) in sources {
            try FileManager.default.copyItem(at: SharedData.url(source), to: dir.appendingPathComponent(target))
        }
        let page = dir.appendingPathComponent("sheet.html")
        try sheet.html().write(to: page, atomically: true, encoding: .utf8)
        // OBJTRACE_SHEET_SCREENSHOT=/path.png keeps the screenshot for a person to look at.
        let ok = try Self.runCheck(page, screenshot: ProcessInfo.processInfo.environment["OBJTRACE_SHEET_SCREENSHOT"])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.hasPrefix("ok: 5 images loaded") || ok.output.hasPrefix("skipped: no chromium"), "\(ok.output)")

        // A missing thumbnail must be caught.
        sheet.matches[1].tipImage.relativePath = "thumbs/missing.png"
        try sheet.html().write(to: page, atomically: true, encoding: .utf8)
        let broken = try Self.runCheck(page)
        if !broken.output.hasPrefix("skipped") {
            #expect(broken.status == 1, "\(broken.output)")
            #expect(broken.output.contains("thumbs/missing.png"))
        }
    }

    /// Runs Scripts/check-sheet.sh on `page`; returns its exit status and stdout.
    static func runCheck(_ page: URL, screenshot: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [SharedData.repoRoot.appendingPathComponent("Scripts/check-sheet.sh").path, page.path]
            + (screenshot.map { [$0] } ?? [])
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
