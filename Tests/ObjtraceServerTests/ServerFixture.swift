import CaseWork
import Dispatch
import Foundation
import Logging
import ObjtraceKit
import ObjtraceServer
import ServiceLifecycle
import Store
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The repository's `samples/` folder (always present).
let samples = SharedData.repoRoot.appendingPathComponent("samples")

/// A store in a temporary folder with two published objects (Alpro: packaging, Oatly: bottle), one draft
/// (Tropicana) and, optionally, more set-up.
struct StoreFixture {
    let dir: URL
    let path: String
    static let alpro = "TAO-2026-101"
    static let oatly = "TAO-2026-102"
    static let draft = "TAO-2026-103"

    /// The PostgreSQL database, when the fixture is on PostgreSQL (dropped by `remove()`).
    let postgres: PostgresURL?

    init(_ backend: StoreBackend = .sqlite) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("objtrace-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if backend == .postgres, let url = try PostgresTestServer.createDatabase() {
            postgres = url
            path = url.redacted
        } else {
            postgres = nil
            path = dir.appendingPathComponent("case.sqlite").path
        }
        let service = try CaseService(path: path, requireSchema: false)
        let alice = try AnalystID("alice"), bob = try AnalystID("bob")
        try service.initialize(by: alice)
        let objects: [(String, String, ObjectCategory, String, Bool)] = [
            (Self.alpro, "grocery_iconic_Alpro-Fresh-Soy-Milk.jpg", .packaging, "Where is this carton sold?", true),
            (Self.oatly, "grocery_iconic_Oatly-Oat-Milk.jpg", .bottle, "Do you know this <b>bottle</b> & its shop?", true),
            (Self.draft, "grocery_iconic_Tropicana-Mandarin-Morning.jpg", .packaging, "Draft question", false),
        ]
        for (code, file, category, question, publish) in objects {
            let c = try ObjectCode(code)
            _ = try service.addObject(code: c, title: "Title \(code)", category: category, question: question, notes: "secret analyst note",
                                      images: [samples.appendingPathComponent("objects/\(file)").path], by: alice)
            guard publish else { continue }
            _ = try service.store.approve(c, by: alice)
            _ = try service.store.approve(c, by: bob)
            _ = try service.store.publish(c, by: bob)
        }
    }

    /// A second connection, as an analyst's CLI command in another process would open.
    func analystService() throws -> CaseService { try CaseService(path: path) }

    func remove() {
        try? FileManager.default.removeItem(at: dir)
        if let postgres { PostgresTestServer.dropDatabase(postgres) }
    }

    /// Every byte the store keeps on disk: database, WAL, blobs.
    func allStoredBytes() throws -> [UInt8] {
        var out: [UInt8] = []
        let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)!
        for case let url as URL in e {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue {
                out += Array(try Data(contentsOf: url))
            }
        }
        return out
    }
}

/// Log lines (message and metadata) captured from the server's logger, at trace level.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return lines.joined(separator: "\n") }

    func logger() -> Logger {
        Logger(label: "objtrace.test") { label in CaptureHandler(capture: self) }
    }
}

struct CaptureHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        capture.append("\(event.level) \(event.message) \(all) \(event.source) \(event.file)")
    }
}

/// A running server on loopback with ephemeral ports.
final class RunningServer: @unchecked Sendable {
    let port: Int
    let metricsPort: Int?
    let logs: LogCapture
    let built: TipServer.Built
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, metricsPort: Int?, logs: LogCapture, built: TipServer.Built, group: ServiceGroup,
                 task: Task<Void, any Error>) {
        self.port = port
        self.metricsPort = metricsPort
        self.logs = logs
        self.built = built
        self.group = group
        self.task = task
    }

    static func start(store: StoreFixture, configure: (inout ServerOptions) -> Void = { _ in }) async throws -> RunningServer {
        var options = ServerOptions(storePath: store.path)
        options.port = 0
        options.metricsPort = 0
        options.secureCookies = false
        configure(&options)
        let logs = LogCapture()
        let ports = AsyncStream<(Int, Int?)>.makeStream()
        let built = try await TipServer.build(options, logger: logs.logger()) { p, m in
            ports.continuation.yield((p, m))
            ports.continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: built.services, gracefulShutdownSignals: [],
                                                      logger: logs.logger()))
        let task = Task { try await group.run() }
        var iterator = ports.stream.makeAsyncIterator()
        guard let (p, m) = await iterator.next() else { throw ServerError("server did not start") }
        return RunningServer(port: p, metricsPort: m, logs: logs, built: built, group: group, task: task)
    }

    /// Graceful shutdown: stop accepting, finish in-flight requests.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        try? FileManager.default.removeItem(at: built.uploads)
    }
}

/// A reply read off the socket.
struct HTTPReply {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    func headers(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
    }
}

/// A raw HTTP/1.1 client on POSIX sockets, run off the cooperative pool. It can bind a chosen loopback source
/// address (so a test knows the exact client address to look for), send a head without a body, trickle bytes,
/// or hold a connection idle.
final class RawConnection: @unchecked Sendable {
    let fd: Int32
    private static let queue = DispatchQueue(label: "raw-http", attributes: .concurrent)

    init(port: Int, source: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket failed") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let b = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard b == 0 else { close(fd); throw ServerError("bind \(source) failed") }
        let c = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard c == 0 else { close(fd); throw ServerError("connect failed") }
    }

    deinit { close(fd) }

    /// Sends bytes; false when the peer has closed.
    @discardableResult
    func send(_ bytes: [UInt8]) async -> Bool {
        await withCheckedContinuation { c in
            Self.queue.async {
                var sent = 0
                while sent < bytes.count {
                    let n = bytes[sent...].withUnsafeBytes { Glibc.send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n <= 0 { c.resume(returning: false); return }
                    sent += n
                }
                c.resume(returning: true)
            }
        }
    }

    /// Reads until the peer closes (or the 30 s receive timeout); returns the bytes.
    func readAll() async -> [UInt8] {
        await withCheckedContinuation { c in
            Self.queue.async {
                var out: [UInt8] = []
                var buf = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = buf.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { break }
                    out += buf[0..<n]
                }
                c.resume(returning: out)
            }
        }
    }

    /// Whether the server closed the connection (reads EOF) within the receive timeout.
    func waitForClose() async -> Bool {
        _ = await readAll()
        return true
    }

    static func parse(_ raw: [UInt8]) -> HTTPReply? {
        guard let split = raw.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: raw[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, statusLine.count >= 12,
              let status = Int(statusLine.split(separator: " ")[1]) else { return nil }
        var headers: [(String, String)] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(raw[split.upperBound...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased() == "chunked" }) {
            body = dechunk(body)
        } else if let len = headers.first(where: { $0.0.lowercased() == "content-length" }).flatMap({ Int($0.1) }) {
            body = Array(body.prefix(len))
        }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < data.count {
            guard let crlf = data[i...].firstRange(of: [13, 10]) else { break }
            let sizeText = String(decoding: data[i..<crlf.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = crlf.upperBound
            out += data[start..<min(data.count, start + size)]
            i = start + size + 2
        }
        return out
    }
}

/// One request on a fresh connection with `Connection: close`.
func http(_ port: Int, _ method: String = "GET", _ path: String, headers: [(String, String)] = [],
          body: [UInt8] = [], source: String = "127.0.0.1") async throws -> HTTPReply {
    let conn = try RawConnection(port: port, source: source)
    var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    for (k, v) in headers { head += "\(k): \(v)\r\n" }
    if method == "POST" || !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
    head += "\r\n"
    await conn.send(Array(head.utf8) + body)
    let raw = await conn.readAll()
    guard let reply = RawConnection.parse(raw) else { throw ServerError("no HTTP reply (\(raw.count) bytes)") }
    return reply
}

/// A multipart/form-data body.
struct Multipart {
    let boundary = "----objtrace-test-\(UUID().uuidString)"
    var bytes: [UInt8] = []

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func field(_ name: String, _ value: String) {
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func file(_ name: String = "photo", filename: String, type: String = "image/jpeg", _ data: [UInt8]) {
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        bytes += data
        bytes += Array("\r\n".utf8)
    }

    func finished() -> [UInt8] { bytes + Array("--\(boundary)--\r\n".utf8) }
}

func sampleBytes(_ relative: String) throws -> [UInt8] {
    Array(try Data(contentsOf: samples.appendingPathComponent(relative)))
}
