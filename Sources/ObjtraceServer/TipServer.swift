import Crypto
public import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
package import Prometheus
package import ServiceLifecycle
import UnixSignals

/// Everything `objtrace serve` can be told.
public struct ServerOptions: Sendable {
    /// The case-work store (must exist, with this build's schema).
    public var storePath: String
    /// Where the public site listens (behind a TLS-terminating proxy).
    public var host = "127.0.0.1"
    public var port = 8080
    /// Where Prometheus metrics are served; loopback only. Nil: no metrics listener.
    public var metricsHost = "127.0.0.1"
    public var metricsPort: Int? = 9090
    /// Upload limits.
    public var limits = UploadLimits()
    /// A connection must send a complete request head within this long.
    public var headerTimeout: Duration = .seconds(10)
    /// And its body within this long after the head.
    public var bodyTimeout: Duration = .seconds(120)
    /// Mark the CSRF cookie `Secure` (on behind TLS; off only for plain-HTTP local testing).
    public var secureCookies = true
    /// Take the client address for rate limiting from this header set by the reverse proxy (e.g. `X-Real-IP`).
    /// The address is never stored or logged either way.
    public var clientAddressHeader: String?
    /// Tips per client address: a burst of `rateBurst`, refilled at `ratePerHour` an hour. 0 disables the limit.
    public var rateBurst = 10
    public var ratePerHour = 30
    /// Templates, messages, CSS and the OpenAPI document; nil for the shipped ones.
    public var resources: URL?

    public init(storePath: String) { self.storePath = storePath }
}

/// The request context: Hummingbird's core storage plus the peer address, kept in memory for the rate limiter
/// and never written anywhere.
struct ServerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let peerAddress: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// The public web server: gallery, tip form, JSON API; and the metrics listener.
public enum TipServer {
    /// Runs until SIGTERM or SIGINT, then stops accepting, finishes in-flight requests and returns.
    public static func run(_ options: ServerOptions, logger: Logger) async throws {
        let built = try await build(options, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: built.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { try? FileManager.default.removeItem(at: built.uploads) }
        try await group.run()
    }

    /// A built server: its services (run them in a `ServiceGroup`) and the backend (for tests).
    package struct Built: Sendable {
        package var services: [any Service]
        package var backend: CaseBackend
        package var limiter: RateLimiter
        package var registry: PrometheusCollectorRegistry
        /// The private folder uploads stream into (each file deleted after its tip).
        package var uploads: URL
    }

    /// Builds the applications without running them; `onRunning` receives the bound ports.
    package static func build(_ options: ServerOptions, logger: Logger,
                      onRunning: @escaping @Sendable (_ public: Int, _ metrics: Int?) async -> Void = { _, _ in }) async throws -> Built {
        if options.metricsPort != nil, !["127.0.0.1", "::1", "localhost"].contains(options.metricsHost) {
            throw ServerError("--metrics-listen must be a loopback address, not \(options.metricsHost)")
        }
        let site = try await Site(resources: options.resources ?? Site.defaultResources())
        let backend = try CaseBackend(storePath: options.storePath, maxPixels: options.limits.maxPixels)
        let uploads = FileManager.default.temporaryDirectory
            .appendingPathComponent("objtrace-uploads-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let limiter = RateLimiter(capacity: options.rateBurst, perHour: options.ratePerHour)
        let registry = PrometheusCollectorRegistry()
        let routes = Routes(options: options, site: site, backend: backend, limiter: limiter, registry: registry,
                            uploads: uploads)
        let router = Router(context: ServerContext.self)
        router.add(middleware: SecurityHeaders())
        router.add(middleware: RequestMetrics(registry: registry))
        routes.register(on: router)

        let guardHeaders = SecurityHeaders.fields(cacheable: false)
        let limits = options.limits
        let headerTimeout = TimeAmount.nanoseconds(Int64(options.headerTimeout.components.seconds) * 1_000_000_000
            + options.headerTimeout.components.attoseconds / 1_000_000_000)
        let bodyTimeout = TimeAmount.nanoseconds(Int64(options.bodyTimeout.components.seconds) * 1_000_000_000
            + options.bodyTimeout.components.attoseconds / 1_000_000_000)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(headerTimeout: headerTimeout, bodyTimeout: bodyTimeout,
                                                        maxBody: Int64(limits.maxRequestBytes), refusalHeaders: guardHeaders)],
            idleTimeout: TimeAmount?.none)
        let metricsEnabled = options.metricsPort != nil
        let ports = PortWaiter(expected: metricsEnabled ? 2 : 1, onRunning: onRunning)
        let app = Application(
            router: router, server: .http1(configuration: http1),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in await ports.set(public: channel.localAddress?.port ?? 0) },
            logger: logger)
        var services: [any Service] = [app]
        if let metricsPort = options.metricsPort {
            let metricsRouter = Router()
            metricsRouter.get("/metrics") { _, _ -> Response in
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return Response(status: .ok, headers: headers,
                                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
            }
            let metricsApp = Application(
                router: metricsRouter,
                configuration: .init(address: .hostname(options.metricsHost, port: metricsPort), serverName: nil),
                onServerRunning: { channel in await ports.set(metrics: channel.localAddress?.port ?? 0) },
                logger: logger)
            services.append(metricsApp)
        }
        return Built(services: services, backend: backend, limiter: limiter, registry: registry, uploads: uploads)
    }
}

/// Collects the bound ports of both listeners and reports them once both are up.
private actor PortWaiter {
    let expected: Int
    let onRunning: @Sendable (Int, Int?) async -> Void
    var publicPort: Int?
    var metricsPort: Int?

    init(expected: Int, onRunning: @escaping @Sendable (Int, Int?) async -> Void) {
        self.expected = expected
        self.onRunning = onRunning
    }

    func set(public port: Int) async {
        publicPort = port
        await fire()
    }

    func set(metrics port: Int) async {
        metricsPort = port
        await fire()
    }

    private func fire() async {
        let have = (publicPort == nil ? 0 : 1) + (metricsPort == nil ? 0 : 1)
        if have == expected, let publicPort { await onRunning(publicPort, metricsPort) }
    }
}

/// Headers on every response: a strict CSP without any inline script, no referrer, no MIME sniffing, no
/// framing, and no caching unless the route says otherwise.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = ServerContext

    static let csp = "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'"

    static func fields(cacheable: Bool) -> HTTPFields {
        var h = HTTPFields()
        h[.contentSecurityPolicy] = csp
        h[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        h[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        h[HTTPField.Name("X-Frame-Options")!] = "DENY"
        h[HTTPField.Name("Cross-Origin-Resource-Policy")!] = "same-origin"
        if !cacheable { h[.cacheControl] = "no-store" }
        return h
    }

    func handle(_ request: Request, context: ServerContext,
                next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = Response(status: error.status, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: error.body ?? error.status.reasonPhrase)))
        }
        for field in Self.fields(cacheable: response.headers[.cacheControl] != nil) {
            if response.headers[field.name] == nil { response.headers.append(field) }
        }
        return response
    }
}

/// Request counts and latencies per route and status, into the Prometheus registry (no addresses, no paths
/// with codes: the route pattern only).
struct RequestMetrics: RouterMiddleware {
    typealias Context = ServerContext
    let registry: PrometheusCollectorRegistry

    func handle(_ request: Request, context: ServerContext,
                next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let labels = [("method", request.method.rawValue), ("route", route), ("status", String(response.status.code))]
        registry.makeCounter(descriptor: Metric.requests, labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: Metric.requestDuration, labels: [("route", route)],
            buckets: [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(1000),
                      .seconds(5)]
        ).record(ContinuousClock.now - start)
        return response
    }
}

/// The server's metric names (Prometheus conventions: namespace, name, unit).
enum Metric {
    static var requests: MetricNameDescriptor { MetricNameDescriptor(namespace: "objtrace", metricName: "http_requests", unitName: "total",
                                               helpText: "HTTP requests by method, route pattern and status") }
    static var requestDuration: MetricNameDescriptor { MetricNameDescriptor(namespace: "objtrace", metricName: "http_request_duration",
                                                      unitName: "seconds", helpText: "HTTP request latency by route") }
    static var tips: MetricNameDescriptor { MetricNameDescriptor(namespace: "objtrace", metricName: "tips_received", unitName: "total",
                                           helpText: "Tips stored, by number of photos") }
    static var rateLimited: MetricNameDescriptor { MetricNameDescriptor(namespace: "objtrace", metricName: "tips_rate_limited",
                                                  unitName: "total", helpText: "Tips refused by the rate limiter") }
}
