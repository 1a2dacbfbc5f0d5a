import CaseWork
import Crypto
import Foundation
import ObjtraceKit
import ObjtraceServer
import Store
import Testing
import TestSupport

/// Anonymity and safety, each against a real server on loopback.
@Suite("Anonymity and safety")
struct SafetyTests {
    @Test("No client address, user agent or referrer reaches the store, the blobs or the log")
    func nothingIdentifyingIsKept() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        // A client address used by nothing else on this machine, a marked user agent and referrer.
        let source = "127.0.0.77"
        let agent = "TestAgent/\(UUID().uuidString)"
        let referrer = "https://referrer.example/\(UUID().uuidString)"
        let headers = [("User-Agent", agent), ("Referer", referrer), ("X-Forwarded-For", "203.0.113.99")]
        for path in ["/", "/objects/\(StoreFixture.alpro)", "/api/v1/objects", "/nope"] {
            _ = try await http(server.port, "GET", path, headers: headers, source: source)
        }
        var f = Multipart()
        f.field("object", StoreFixture.alpro)
        f.field("text", "bought it in Lille")
        f.file(filename: "alpro.jpg", try sampleBytes("tips/alpro-mirrored-resized.jpg"))
        let ok = try await http(server.port, "POST", "/api/v1/tips",
                                headers: headers + [("Content-Type", f.contentType)], body: f.finished(), source: source)
        #expect(ok.status == 201)
        var bad = Multipart()
        bad.field("nonsense", "x")
        let refused = try await http(server.port, "POST", "/api/v1/tips",
                                     headers: headers + [("Content-Type", bad.contentType)], body: bad.finished(), source: source)
        #expect(refused.status == 400)
        try await server.stop()

        let stored = try store.allStoredBytes()
        let logs = server.logs.text
        // The scan can see what is there: the tip's own text is in the store, the start line in the log.
        #expect(stored.firstRange(of: Array("bought it in Lille".utf8)) != nil)
        #expect(logs.contains("Server started"))
        for marker in [source, agent, referrer, "203.0.113.99", "TestAgent", "referrer.example"] {
            #expect(stored.firstRange(of: Array(marker.utf8)) == nil, "store holds \(marker)")
            #expect(!logs.contains(marker), "log holds \(marker)")
        }
        // The rate limiter keys are keyed hashes, not the address.
        for key in server.built.limiter.bucketKeys {
            #expect(key.count == 16)
            #expect(key.firstRange(of: Data(source.utf8)) == nil)
        }
    }

    @Test("Security headers on pages, API answers and errors")
    func securityHeaders() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        for path in ["/", "/objects/\(StoreFixture.alpro)", "/api/v1/objects", "/nope", "/objects/\(StoreFixture.alpro)/image"] {
            let r = try await http(server.port, "GET", path)
            let csp = try #require(r.header("Content-Security-Policy"), "\(path)")
            #expect(csp.contains("default-src 'none'"))
            #expect(!csp.contains("unsafe-inline") && !csp.contains("script-src"), "no script source at all")
            #expect(r.header("Referrer-Policy") == "no-referrer")
            #expect(r.header("X-Content-Type-Options") == "nosniff")
            #expect(r.header("Server") == nil)
            #expect(r.header("Cache-Control") == "no-store", "\(path)")
        }
        let css = try await http(server.port, "GET", "/static/site.css")
        #expect(css.header("Content-Type") == "text/css; charset=utf-8")
        // No third-party resources: every src/href in the pages is local.
        let page = try await http(server.port, "GET", "/objects/\(StoreFixture.alpro)")
        for m in page.text.matches(of: /(?:src|href|action)="([^"]*)"/) {
            let url = String(m.1)
            #expect(url.hasPrefix("/") || url.hasPrefix("?"), "\(url)")
        }
        try await server.stop()
    }

    @Test("A photo is sniffed, stripped, hashed and auto-matched exactly as from the CLI, and never served")
    func photoGoesThroughCaseService() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        let photo = try sampleBytes("tips/alpro-mirrored-resized.jpg")
        var f = Multipart()
        f.field("object", StoreFixture.alpro)
        f.field("brand", "Alpro")
        // Named .png and declared text/plain: the bytes decide.
        f.file(filename: "photo.png", type: "text/plain", photo)
        let ok = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)],
                                body: f.finished())
        #expect(ok.status == 201, "\(ok.text)")
        let receipt = try #require(try ok.json()["receipt"] as? String)
        let id = TipID(try #require(try await server.built.backend.tipID(forReceipt: receipt)))
        let analyst = try store.analystService()
        let tip = try analyst.store.tip(id)
        let stored = try #require(tip.content.photos.first)
        #expect(stored.originalSHA256.value == ObjtraceKit.sha256Hex(photo))
        // The same photo through the CLI path on a second store gives the same working copy and matches.
        let other = try StoreFixture()
        defer { other.remove() }
        let cli = try other.analystService()
        var input = CaseService.TipInput()
        input.photos = [samples.appendingPathComponent("tips/alpro-mirrored-resized.jpg").path]
        let report = try cli.submitTip(input, by: AnalystID("alice"))
        #expect(report.photos.first?.workingSHA256 == stored.workingSHA256.value)
        let webMatches = try analyst.store.matches(tip: id).compactMap(\.object?.value)
        #expect(webMatches.contains(StoreFixture.alpro), "auto-matched on arrival")
        #expect(Set(webMatches) == Set(try cli.store.matches(tip: report.tipID).compactMap(\.object?.value)))
        // Not reachable by its hashes on any public route.
        for sha in [stored.workingSHA256.value, stored.originalSHA256.value] {
            for path in ["/objects/\(sha)/image", "/api/v1/objects/\(sha)/image", "/static/\(sha)", "/\(sha)"] {
                #expect(try await http(server.port, "GET", path).status == 404)
            }
        }
        try await server.stop()
    }

    @Test("HEIC, WebP and GIF photos from the form are stored like JPEG: GPS flagged, a working copy without it",
          arguments: ["fruits_q85_gps.heic", "fruits_q90_gps.webp", "fruits.gif"])
    func phoneAndWebFormats(file: String) async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        let url = SharedData.repoRoot.appendingPathComponent("Tests/ImageDecodingTests/ExtraFormats/\(file)")
        let photo = Array(try Data(contentsOf: url))
        var f = Multipart()
        f.field("text", "seen in a shop")
        f.file(filename: "photo.bin", type: "application/octet-stream", photo)
        let ok = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)],
                                body: f.finished())
        #expect(ok.status == 201, "\(file): \(ok.text)")
        let receipt = try #require(try ok.json()["receipt"] as? String)
        let id = TipID(try #require(try await server.built.backend.tipID(forReceipt: receipt)))
        let stored = try #require(try store.analystService().store.tip(id).content.photos.first)
        #expect(stored.originalSHA256.value == ObjtraceKit.sha256Hex(photo))
        #expect(stored.workingSHA256 != stored.originalSHA256, "a working copy made by construction")
        #expect(stored.originalHadGPS == file.contains("gps"))
        // The same file through the CLI gives the same working copy.
        let other = try StoreFixture()
        defer { other.remove() }
        var input = CaseService.TipInput()
        input.photos = [url.path]
        let report = try other.analystService().submitTip(input, by: AnalystID("alice"))
        #expect(report.photos.first?.workingSHA256 == stored.workingSHA256.value)
        try await server.stop()
    }

    @Test("Upload limits: type, photo count, photo size, pixel count, declared body size")
    func uploadLimits() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store) { o in
            o.limits.maxPhotoBytes = 200_000
            o.limits.maxPixels = 4_000_000
        }
        func post(_ f: Multipart) async throws -> HTTPReply {
            try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)], body: f.finished())
        }
        let jpeg = try sampleBytes("tips/alpro-mirrored-resized.jpg")
        var f = Multipart()
        f.field("text", "a text file pretending")
        f.file(filename: "x.jpg", Array("%PDF-1.4 a document is no photo".utf8))
        var r = try await post(f)
        #expect(r.status == 415)
        #expect(try r.json()["field"] as? String == "photo")

        f = Multipart()
        f.field("text", "four photos")
        for i in 0..<4 { f.file(filename: "\(i).jpg", jpeg + [UInt8(i)]) }
        r = try await post(f)
        #expect(r.status == 413)
        #expect(try r.json()["error"] as? String == "photo: at most 3 photos")

        f = Multipart()
        f.field("text", "too big")
        f.file(filename: "big.jpg", jpeg + [UInt8](repeating: 0, count: 250_000))
        r = try await post(f)
        #expect(r.status == 413)
        #expect(try r.json()["field"] as? String == "photo")

        // A PNG header declaring 5000 × 5000 pixels is refused from its first bytes.
        f = Multipart()
        f.field("text", "huge png")
        f.file(filename: "huge.png", type: "image/png", PNGWriter.headerOnly(width: 5000, height: 5000))
        r = try await post(f)
        #expect(r.status == 413)
        #expect((try r.json()["error"] as? String)?.contains("pixels") == true)

        // So is a GIF whose logical screen is 65535 × 65535 and a WebP whose VP8X canvas is 16384 × 16384.
        var webp = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8X".utf8) + [10, 0, 0, 0, 0, 0, 0, 0]
        webp += [0xFF, 0x3F, 0x00, 0xFF, 0x3F, 0x00] + [UInt8](repeating: 0, count: 64)
        for (name, bytes) in [("huge.gif", Array("GIF89a".utf8) + [0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 64)),
                              ("huge.webp", webp)] {
            f = Multipart()
            f.field("text", name)
            f.file(filename: name, bytes)
            r = try await post(f)
            #expect(r.status == 413, "\(name)")
            #expect((try r.json()["error"] as? String)?.contains("pixels") == true, "\(name)")
        }

        // A corrupt PNG passes the sniff but not the decoder: refused per field, nothing stored.
        f = Multipart()
        f.field("text", "corrupt")
        f.file(filename: "c.png", type: "image/png", try sampleBytes("tips/corrupt-signature.png"))
        r = try await post(f)
        #expect(r.status >= 400 && r.status < 500)
        #expect(try store.analystService().store.tips().isEmpty)

        // A 2 GB declared body: answered 413 from the head alone, without the server waiting for a byte of it.
        let conn = try RawConnection(port: server.port)
        let start = ContinuousClock.now
        await conn.send(Array("POST /api/v1/tips HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 2147483648\r\n\r\n".utf8))
        let raw = await conn.readAll()
        let reply = try #require(RawConnection.parse(raw))
        #expect(reply.status == 413)
        #expect(ContinuousClock.now - start < .seconds(5))
        try await server.stop()
    }

    @Test("Slow clients: header and body deadlines; 200 idle connections do not stop a real submission")
    func slowClients() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store) { o in
            o.headerTimeout = .seconds(2)
            o.bodyTimeout = .seconds(3)
        }
        // 200 idle connections, plus one trickling its head and one trickling its body.
        var idle: [RawConnection] = []
        for _ in 0..<200 { idle.append(try RawConnection(port: server.port)) }
        let trickleHead = try RawConnection(port: server.port)
        await trickleHead.send(Array("POST /api/v1/tips HTTP/1.1\r\nHo".utf8))
        let trickleBody = try RawConnection(port: server.port)
        await trickleBody.send(Array("POST /api/v1/tips HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n".utf8))

        var f = Multipart()
        f.field("object", StoreFixture.oatly)
        f.field("text", "real tip while 200 connections idle")
        let ok = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)],
                                body: f.finished())
        #expect(ok.status == 201)

        let start = ContinuousClock.now
        for _ in 0..<4 {
            try await Task.sleep(for: .milliseconds(500))
            _ = await trickleHead.send(Array("s".utf8))
        }
        #expect(await trickleHead.waitForClose())
        #expect(await trickleBody.waitForClose())
        #expect(await idle[0].waitForClose())
        let waited = ContinuousClock.now - start
        // Deadlines are 2 s and 3 s; the client's own receive timeout is 30 s (a busy 2-core machine gets slack).
        #expect(waited < .seconds(25), "closed by the deadlines, not the client's 30 s timeout (\(waited))")
        // Idle connections were closed by the server: a send now fails or reads EOF.
        #expect(await idle[199].readAll().isEmpty)
        try await server.stop()
    }

    @Test("Rate limiting by address: a burst, then 429; other addresses unaffected")
    func rateLimit() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store) { o in
            o.rateBurst = 2
            o.ratePerHour = 1
        }
        func post(_ n: Int, from source: String) async throws -> Int {
            var f = Multipart()
            f.field("object", StoreFixture.alpro)
            f.field("text", "tip \(n) from \(source.hashValue)")
            return try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)],
                                  body: f.finished(), source: source).status
        }
        #expect(try await post(1, from: "127.0.0.5") == 201)
        #expect(try await post(2, from: "127.0.0.5") == 201)
        #expect(try await post(3, from: "127.0.0.5") == 429)
        #expect(try await post(4, from: "127.0.0.6") == 201)
        try await server.stop()
    }

    @Test("The rate limiter's key rotates at UTC midnight and forgets every bucket")
    func limiterRotates() {
        let clock = ManualClock()
        let limiter = RateLimiter(capacity: 1, perHour: 0, now: { clock.now })
        clock.now = 86_400 * 20_000 + 86_000
        #expect(limiter.allow("10.0.0.1"))
        #expect(!limiter.allow("10.0.0.1"))
        let before = limiter.bucketKeys
        clock.now += 1_000
        #expect(limiter.allow("10.0.0.1"))
        #expect(limiter.bucketKeys.count == 1)
        #expect(limiter.bucketKeys != before, "same address, new key: yesterday's bucket cannot be linked")
    }
}

final class ManualClock: @unchecked Sendable {
    var now: Double = 0
}
