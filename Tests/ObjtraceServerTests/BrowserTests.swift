import CaseWork
import Foundation
import ObjtraceKit
import ObjtraceServer
import Store
import TestSupport
import Testing

/// A real browser: headless Chromium driven by Selenium (Tests/Browser/tip_form.py) against the server.
/// Screenshots of the gallery, the form and the receipt are kept in `.build/browser-screenshots/`.
@Suite("Browser")
struct BrowserTests {
    /// `.ci/run` runs with CI=true: there a skipped browser test is a failure.
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let script = SharedData.repoRoot.appendingPathComponent("Tests/Browser/tip_form.py")

    @Test("Gallery → language switch → form with a photo → receipt, in headless Chromium",
          .enabled(if: pythonWith("selenium") != nil || BrowserTests.inCI,
                   "selenium is not installed for python3: browser test skipped (CI=true makes this a failure)"))
    func tipThroughABrowser() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        let out = SharedData.repoRoot.appendingPathComponent(".build/browser-screenshots")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(pythonWith("selenium")))
        p.arguments = [Self.script.path, "http://localhost:\(server.port)",
                       samples.appendingPathComponent("tips/alpro-mirrored-resized.jpg").path, out.path]
        let stdout = Pipe(), stderr = Pipe()
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if p.terminationStatus == 77 {
            // Chromium or chromedriver missing on this machine; CI installs them (.ci/install-deps), so there
            // the browser test must run.
            if Self.inCI { Issue.record("CI=true but the browser test could not start Chromium: \(errors)") }
            print("browser test skipped: \(errors)")
            try await server.stop()
            return
        }
        #expect(p.terminationStatus == 0, "\(errors)")
        let result = try JSONSerialization.jsonObject(with: output) as? [String: String]
        let receipt = try #require(result?["receipt"])
        let id = try #require(try await server.built.backend.tipID(forReceipt: receipt))
        let tip = try store.analystService().store.tip(TipID(id))
        #expect(tip.content.language == "fr")
        #expect(tip.content.claims[.country] == "FR")
        #expect(tip.content.photos.count == 1)
        for name in ["1-gallery-en.png", "2-gallery-fr.png", "3-form-fr.png", "4-receipt-fr.png"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        try await server.stop()
    }
}
