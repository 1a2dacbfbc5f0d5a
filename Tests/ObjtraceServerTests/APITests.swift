import CaseWork
import Foundation
import HTTPTypes
import ObjtraceKit
import ObjtraceServer
import Store
import Testing
import TestSupport

/// The JSON API, its OpenAPI document, and the operators' endpoints.
@Suite("JSON API and operations")
struct APITests {
    @Test("Objects, one object, its image, and tips answer as documented", arguments: StoreBackend.available)
    func api(_ backend: StoreBackend) async throws {
        let store = try StoreFixture(backend)
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        let list = try await http(server.port, "GET", "/api/v1/objects")
        #expect(list.status == 200)
        #expect(list.header("Content-Type") == "application/json; charset=utf-8")
        let objects = try #require(try list.json()["objects"] as? [[String: Any]])
        #expect(objects.compactMap { $0["code"] as? String } == [StoreFixture.alpro, StoreFixture.oatly])
        #expect(Set(objects[0].keys) == ["code", "title", "category", "question", "image", "identified", "questions"])
        let one = try await http(server.port, "GET", "/api/v1/objects/\(StoreFixture.oatly)")
        #expect(try one.json()["category"] as? String == "bottle")
        #expect(try await http(server.port, "GET", "/api/v1/objects/\(StoreFixture.draft)").status == 404)
        #expect(try await http(server.port, "GET", "/api/v1/objects/not-a-code").status == 404)
        let image = try await http(server.port, "GET", "/api/v1/objects/\(StoreFixture.alpro)/image")
        #expect(image.status == 200)
        #expect(image.header("Content-Type") == "image/jpeg")
        #expect(image.body == (try sampleBytes("objects/grocery_iconic_Alpro-Fresh-Soy-Milk.jpg")))

        // Errors name the field.
        var f = Multipart()
        f.field("object", StoreFixture.alpro)
        f.field("country", "Narnia")
        f.field("text", "x")
        var r = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)], body: f.finished())
        #expect(r.status == 400)
        #expect(try r.json()["field"] as? String == "country")
        f = Multipart()
        f.field("object", StoreFixture.alpro)
        r = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)], body: f.finished())
        #expect(r.status == 422)
        #expect(try r.json()["field"] as? String == "text")
        f = Multipart()
        f.field("object", StoreFixture.alpro)
        f.field("text", "x")
        f.field("language", "not a language tag!")
        r = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)], body: f.finished())
        #expect(r.status == 422)
        #expect(try r.json()["field"] as? String == "language")
        r = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", "application/json")],
                           body: Array("{}".utf8))
        #expect(r.status == 415)
        f = Multipart()
        f.field("object", "TAO-2026-999")
        f.field("text", "x")
        r = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)], body: f.finished())
        #expect(r.status == 404)
        #expect(try r.json()["field"] as? String == "object")

        f = Multipart()
        for (k, v) in [("object", StoreFixture.alpro), ("text", "Sold at a market"), ("brand", "Alpro"), ("product", "Soya"),
                       ("shop", "Carrefour"), ("country", "fr"), ("city", "Lille"), ("url", "https://shop.example/alpro"),
                       ("language", "fr")] {
            f.field(k, v)
        }
        r = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)], body: f.finished())
        #expect(r.status == 201)
        let receipt = try #require(try r.json()["receipt"] as? String)
        #expect(receipt.wholeMatch(of: /[0-9A-Z]{4}(-[0-9A-Z]{4}){7}/) != nil)
        let tip = try store.analystService().store.tip(TipID(try #require(try await server.built.backend.tipID(forReceipt: receipt))))
        #expect(tip.content.claims[.country] == "FR")
        #expect(tip.content.claims[.shop] == "Carrefour")
        #expect(tip.content.aboutObject?.value == StoreFixture.alpro)
        try await server.stop()
    }

    @Test("The OpenAPI document lists exactly the API routes, with the statuses they answer")
    func openAPIMatchesRoutes() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        let doc = try await http(server.port, "GET", "/api/v1/openapi.json")
        let json = try doc.json()
        #expect(json["openapi"] as? String == "3.1.0")
        let paths = try #require(json["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, ops) in paths { for method in ops.keys { documented.insert("\(method.uppercased()) \(path)") } }
        let served = Set(Routes.apiRoutes.map { "\($0.0.rawValue) \($0.1)" })
        #expect(documented == served)
        // Each route answers with a status its operation documents.
        func statuses(_ method: String, _ path: String) -> Set<Int> {
            let op = paths[path]?[method] as? [String: Any]
            return Set(((op?["responses"] as? [String: Any]) ?? [:]).keys.compactMap { Int($0) })
        }
        let probes: [(String, String, String)] = [
            ("get", "/api/v1/objects", "/api/v1/objects"),
            ("get", "/api/v1/objects/{code}", "/api/v1/objects/\(StoreFixture.alpro)"),
            ("get", "/api/v1/objects/{code}", "/api/v1/objects/TAO-2026-999"),
            ("get", "/api/v1/objects/{code}/image", "/api/v1/objects/\(StoreFixture.alpro)/image"),
            ("get", "/api/v1/objects/{code}/image", "/api/v1/objects/TAO-2026-999/image"),
            ("get", "/api/v1/openapi.json", "/api/v1/openapi.json"),
            ("get", "/healthz", "/healthz"),
        ]
        for (method, template, path) in probes {
            let r = try await http(server.port, method.uppercased(), path)
            #expect(statuses(method, template).contains(r.status), "\(path) answered \(r.status)")
        }
        // The document validates as OpenAPI 3.1 where the validator is installed.
        if let validator = pythonWith("openapi_spec_validator") {
            let file = store.dir.appendingPathComponent("openapi.json")
            try Data(doc.body).write(to: file)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: validator)
            p.arguments = ["-c", "import sys, json; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1])))",
                           file.path]
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "openapi-spec-validator rejected the document")
        }
        try await server.stop()
    }

    @Test("healthz, and Prometheus metrics on their own loopback port only")
    func operators() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        let health = try await http(server.port, "GET", "/healthz")
        #expect(health.status == 200)
        #expect(try health.json()["status"] as? String == "ok")
        _ = try await http(server.port, "GET", "/")
        let metricsPort = try #require(server.metricsPort)
        let metrics = try await http(metricsPort, "GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("objtrace_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"}"))
        #expect(try await http(server.port, "GET", "/metrics").status == 404)
        try await server.stop()
        var options = ServerOptions(storePath: store.path)
        options.metricsHost = "0.0.0.0"
        await #expect(throws: ServerError.self) { _ = try await TipServer.build(options, logger: LogCapture().logger()) }
    }

    @Test("Graceful shutdown finishes an upload in flight")
    func gracefulShutdown() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        var f = Multipart()
        f.field("object", StoreFixture.alpro)
        f.field("text", "sent while the server stops")
        let body = f.finished()
        let conn = try RawConnection(port: server.port)
        let head = "POST /api/v1/tips HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: \(f.contentType)\r\nContent-Length: \(body.count)\r\n\r\n"
        await conn.send(Array(head.utf8) + body.prefix(20))
        try await Task.sleep(for: .milliseconds(200))
        let stopping = Task { try await server.stop() }
        try await Task.sleep(for: .milliseconds(200))
        await conn.send(Array(body.dropFirst(20)))
        let reply = try #require(RawConnection.parse(await conn.readAll()))
        #expect(reply.status == 201)
        try await stopping.value
        #expect(try store.analystService().store.tips().count == 1)
    }

    @Test("An object published from the CLI while serving appears at once and later tips match it",
          arguments: StoreBackend.available)
    func publishWhileServing(_ backend: StoreBackend) async throws {
        let store = try StoreFixture(backend)
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        // A tip before publication (warms the server's match engine).
        var f = Multipart()
        f.field("text", "general tip")
        #expect(try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)],
                               body: f.finished()).status == 201)
        let analyst = try store.analystService()
        let code = try ObjectCode(StoreFixture.draft)
        _ = try analyst.store.approve(code, by: AnalystID("alice"))
        _ = try analyst.store.approve(code, by: AnalystID("bob"))
        _ = try analyst.store.publish(code, by: AnalystID("bob"))
        #expect(try await http(server.port, "GET", "/").text.contains("object-\(StoreFixture.draft)"))
        f = Multipart()
        f.field("text", "rotated carton")
        f.file(filename: "t.png", type: "image/png", try sampleBytes("tips/tropicana-rotated.png"))
        let r = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)], body: f.finished())
        #expect(r.status == 201)
        let receipt = try #require(try r.json()["receipt"] as? String)
        let id = TipID(try #require(try await server.built.backend.tipID(forReceipt: receipt)))
        #expect(try analyst.store.matches(tip: id).contains { $0.object == code })
        try await server.stop()
    }
}

/// A python3 that can import `module`, or nil.
func pythonWith(_ module: String) -> String? {
    for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] + ((ProcessInfo.processInfo.environment["PATH"] ?? "")
        .split(separator: ":").map { "\($0)/python3" }) where FileManager.default.isExecutableFile(atPath: candidate) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: candidate)
        p.arguments = ["-c", "import \(module)"]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { continue }
        p.waitUntilExit()
        if p.terminationStatus == 0 { return candidate }
    }
    return nil
}

@Suite("Store shared with the CLI")
struct SharedStoreTests {
    @Test("An analyst's write gets the lock while tips arrive back to back")
    func analystWritesDuringLoad() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store) { $0.rateBurst = 0 }
        let stop = ManualFlag()
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var n = 0
                        while !stop.isSet {
                            var f = Multipart()
                            f.field("object", StoreFixture.alpro)
                            f.field("text", "load \(worker) \(n) \(UUID().uuidString)")
                            _ = try await http(server.port, "POST", "/api/v1/tips",
                                               headers: [("Content-Type", f.contentType)], body: f.finished())
                            n += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // Let the writer get going (tips committing back to back).
        let analyst = try store.analystService()
        let deadline = ContinuousClock.now + .seconds(60)
        while try analyst.store.tips().count < 40, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        // Another connection (as a CLI process): three write transactions, each must get the lock within the
        // store's 5 s busy timeout.
        let code = try ObjectCode(StoreFixture.draft)
        let start = ContinuousClock.now
        _ = try analyst.store.approve(code, by: AnalystID("alice"))
        _ = try analyst.store.approve(code, by: AnalystID("bob"))
        _ = try analyst.store.publish(code, by: AnalystID("bob"))
        let took = ContinuousClock.now - start
        stop.set()
        try await load.value
        #expect(try analyst.store.tips().count >= 40, "the writer was busy")
        #expect(try await http(server.port, "GET", "/").text.contains("object-\(StoreFixture.draft)"))
        print("analyst writes during load took \(took)")
        try await server.stop()
    }
}

final class ManualFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
