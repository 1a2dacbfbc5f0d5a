import Crypto
package import Foundation
import Hummingbird
package import HTTPTypes
import ImageDecoding
import NIOCore
import Prometheus

/// The routes of the public site and the JSON API.
package struct Routes: Sendable {
    let options: ServerOptions
    let site: Site
    package let backend: CaseBackend
    package let limiter: RateLimiter
    let registry: PrometheusCollectorRegistry
    package let uploads: URL

    /// Every route, as (method, path) — the OpenAPI test checks these against the document.
    package static let apiRoutes: [(HTTPRequest.Method, String)] = [
        (.get, "/api/v1/objects"), (.get, "/api/v1/objects/{code}"), (.get, "/api/v1/objects/{code}/image"),
        (.post, "/api/v1/tips"), (.get, "/api/v1/openapi.json"), (.get, "/healthz"),
    ]

    func register(on router: Router<ServerContext>) {
        router.get("/") { request, _ in try await gallery(request) }
        router.get("/objects/:code") { request, context in try await objectPage(request, context) }
        router.get("/objects/:code/image") { _, context in try await image(context) }
        router.post("/objects/:code/tip") { request, context in try await formTip(request, context) }
        router.get("/static/site.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(bytes: site.css)))
        }
        router.get("/healthz") { _, _ in
            await backend.healthy()
                ? json(.ok, ["status": "ok"])
                : json(.serviceUnavailable, ["status": "store unavailable"])
        }
        router.get("/api/v1/objects") { _, _ in
            let objects = try await backend.publicObjects()
            return json(.ok, APIObjectList(objects: objects.map(APIObject.init)))
        }
        router.get("/api/v1/objects/:code") { _, context in
            guard let code = context.parameters.get("code"), let o = try await backend.publicObject(code) else {
                return json(.notFound, APIError(error: "object: not found", field: "object"))
            }
            return json(.ok, APIObject(o))
        }
        router.get("/api/v1/objects/:code/image") { _, context in try await image(context) }
        router.post("/api/v1/tips") { request, context in try await apiTip(request, context) }
        router.get("/api/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(bytes: site.openAPI)))
        }
    }

    // MARK: - pages

    private func language(_ request: Request) -> String {
        site.catalogues.negotiate(explicit: request.uri.queryParameters.get("lang"),
                                  acceptLanguage: request.headers[.acceptLanguage])
    }

    private func html(_ status: HTTPResponse.Status, _ body: String, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .contentLanguage: "en"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private func message(_ status: HTTPResponse.Status, language: String, heading: String, text: String,
                         closing: Bool = false) -> Response {
        let m = site.catalogues.messages(language)
        let body = site.render("message", language: language, path: "/", title: heading,
                               ["heading": heading, "text": text, "m": m])
        return html(status, body, extra: closing ? [.connection: "close"] : [:])
    }

    func gallery(_ request: Request) async throws -> Response {
        let lang = language(request)
        let filter: String? = request.uri.queryParameters.get("category").flatMap { $0.isEmpty ? nil : String($0) }
        let objects = try await backend.publicObjects().filter { filter == nil || $0.category == filter }
        let m = site.catalogues.messages(lang)
        let body = site.render("gallery", language: lang, path: "/",
                               query: filter.map { "&category=" + $0 } ?? "", title: m["gallery_heading"] ?? "", [
            "objects": objects.map { objectValues($0, lang) },
            "categories": site.categories(language: lang, selected: filter),
        ])
        return html(.ok, body)
    }

    private func objectValues(_ o: PublicObject, _ lang: String) -> [String: Any] {
        ["code": o.code, "title": o.title, "question": o.questions[lang] ?? o.question, "identified": o.identified,
         "category_label": site.categoryLabel(o.category, language: lang)]
    }

    func objectPage(_ request: Request, _ context: ServerContext, errors: [UploadError] = [],
                    values: [String: String] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let lang = language(request)
        guard let code = context.parameters.get("code"), let o = try await backend.publicObject(code) else {
            let m = site.catalogues.messages(lang)
            return message(.notFound, language: lang, heading: m["error_heading"] ?? "", text: m["not_found"] ?? "")
        }
        let m = site.catalogues.messages(lang)
        // The only cookie: a random CSRF token, reused while the browser keeps it.
        let token = CSRF.cookie(in: request) ?? CSRF.newToken()
        var extra: HTTPFields = [:]
        if CSRF.cookie(in: request) == nil {
            extra[.setCookie] = CSRF.setCookie(token, secure: options.secureCookies)
        }
        let selectedCountry = values["country"]
        let body = site.render("object", language: lang, path: "/objects/\(o.code)", title: o.questions[lang] ?? o.question, [
            "object": objectValues(o, lang),
            "csrf": token,
            "values": values,
            "countries": (site.countries[lang] ?? []).map { c -> [String: Any] in
                ["code": c["code"]!, "name": c["name"]!, "selected": c["code"] == selectedCountry]
            },
            "errors": errors.map { e -> [String: Any] in
                ["field": e.field, "label": m["field_" + e.field] ?? e.field, "reason": e.reason]
            },
        ])
        var response = html(status, body, extra: extra)
        if !errors.isEmpty { response.headers[.connection] = "close" }
        return response
    }

    func image(_ context: ServerContext) async throws -> Response {
        guard let code = context.parameters.get("code"), let bytes = try await backend.cropImage(code) else {
            return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "not found")))
        }
        let type = ImageFormat.sniff(bytes) == .png ? "image/png" : "image/jpeg"
        return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: - tips

    /// Where a tip came from and what it asked for, after the shared checks.
    private enum TipOutcome {
        case receipt(String)
        case refused(UploadError, fields: [String: String])
        case limited
    }

    private func clientKey(_ request: Request, _ context: ServerContext) -> String {
        if let header = options.clientAddressHeader, let name = HTTPField.Name(header),
           let value = request.headers[name] {
            return value
        }
        return context.peerAddress ?? "unknown"
    }

    private func receiveTip(_ request: Request, _ context: ServerContext, object: String?, language: String?,
                            requireCSRF: Bool) async throws -> TipOutcome {
        if options.rateBurst > 0, !limiter.allow(clientKey(request, context)) {
            registry.makeCounter(descriptor: Metric.rateLimited, labels: []).increment()
            return .limited
        }
        let parser = TipUploadParser(limits: options.limits, tempDirectory: uploads)
        let form: ParsedUpload
        do {
            form = try await parser.parse(request.body, contentType: request.headers[.contentType])
        } catch let error as UploadError {
            return .refused(error, fields: [:])
        }
        defer { form.cleanUp() }
        var f = form.fields
        if requireCSRF {
            guard let cookie = CSRF.cookie(in: request), let sent = f["csrf"], CSRF.same(cookie, sent) else {
                return .refused(UploadError(field: "csrf", reason: "expired", status: .forbidden), fields: f)
            }
        }
        f["csrf"] = nil
        func value(_ k: String) -> String? {
            guard let v = f[k]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            return v
        }
        var tip = WebTip()
        tip.object = object ?? value("object")
        tip.text = f["text"] ?? ""
        tip.brand = value("brand")
        tip.product = value("product")
        tip.shop = value("shop")
        tip.city = value("city")
        tip.url = value("url")
        if let country = value("country")?.uppercased() {
            guard CountryChoices.known.contains(country) else {
                return .refused(UploadError(field: "country", reason: "expected an ISO 3166-1 alpha-2 code"), fields: f)
            }
            tip.country = country
        }
        tip.language = language ?? value("language")?.lowercased() ?? "und"
        let optedIn = value("contact_opt_in") == "yes"
        if let contact = value("contact") {
            guard optedIn else {
                return .refused(UploadError(field: "contact_opt_in",
                                            reason: "a contact is stored only with contact_opt_in=yes"), fields: f)
            }
            tip.contact = contact
        }
        tip.photos = form.photos
        do {
            let receipt = try await backend.submit(tip)
            registry.makeCounter(descriptor: Metric.tips, labels: [("photos", String(tip.photos.count))])
                .increment()
            return .receipt(receipt)
        } catch let refusal as TipRefusal {
            let status: HTTPResponse.Status = refusal.notFound ? .notFound : .unprocessableContent
            return .refused(UploadError(field: refusal.field, reason: refusal.reason, status: status), fields: f)
        }
    }

    func formTip(_ request: Request, _ context: ServerContext) async throws -> Response {
        let lang = language(request)
        let m = site.catalogues.messages(lang)
        guard let code = context.parameters.get("code"), let o = try await backend.publicObject(code) else {
            return message(.notFound, language: lang, heading: m["error_heading"] ?? "", text: m["not_found"] ?? "",
                           closing: true)
        }
        // No CSRF cookie at all: refuse before reading a byte of the upload.
        guard CSRF.cookie(in: request) != nil else {
            return message(.forbidden, language: lang, heading: m["error_heading"] ?? "", text: m["csrf_failed"] ?? "",
                           closing: true)
        }
        switch try await receiveTip(request, context, object: o.code, language: lang, requireCSRF: true) {
        case .receipt(let receipt):
            let body = site.render("receipt", language: lang, path: "/", title: m["receipt_heading"] ?? "",
                                   ["receipt": receipt])
            return html(.ok, body)
        case .limited:
            return message(.tooManyRequests, language: lang, heading: m["error_heading"] ?? "",
                           text: m["rate_limited"] ?? "", closing: true)
        case .refused(let error, let fields) where error.field == "csrf":
            _ = fields
            return message(.forbidden, language: lang, heading: m["error_heading"] ?? "", text: m["csrf_failed"] ?? "",
                           closing: true)
        case .refused(var error, let fields):
            if error.field == "contact_opt_in" { error.reason = m["contact_without_opt_in"] ?? error.reason }
            var keep = fields
            keep["contact"] = nil
            return try await objectPage(request, context, errors: [error], values: keep, status: error.status)
        }
    }

    func apiTip(_ request: Request, _ context: ServerContext) async throws -> Response {
        switch try await receiveTip(request, context, object: nil, language: nil, requireCSRF: false) {
        case .receipt(let receipt):
            return json(.created, ["receipt": receipt])
        case .limited:
            var r = json(.tooManyRequests, APIError(error: "request: too many tips from this address, try later",
                                                    field: "request"))
            r.headers[.connection] = "close"
            return r
        case .refused(let error, _):
            var r = json(error.status, APIError(error: "\(error.field): \(error.reason)", field: error.field))
            r.headers[.connection] = "close"
            return r
        }
    }
}

// MARK: - JSON

/// One way to write JSON: sorted keys, no escaped slashes.
func json<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data(#"{"error":"encoding"}"#.utf8)
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

struct APIObject: Codable, Equatable {
    var code: String
    var title: String
    var category: String
    var question: String
    var image: String
    var identified: Bool
    /// The question in other languages; `question` is English, the analyst's original.
    var questions: [String: String]

    init(_ o: PublicObject) {
        code = o.code
        title = o.title
        category = o.category
        question = o.question
        image = "/api/v1/objects/\(o.code)/image"
        identified = o.identified
        questions = o.questions
    }
}

struct APIObjectList: Codable { var objects: [APIObject] }

struct APIError: Codable {
    var error: String
    var field: String
}

// MARK: - CSRF

/// The double-submit CSRF token: a random value in a `SameSite=Strict`, `HttpOnly` cookie that the form
/// echoes in a hidden field. It identifies nothing and is the site's only cookie.
enum CSRF {
    static let name = "csrf"

    static func newToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func setCookie(_ token: String, secure: Bool) -> String {
        "\(name)=\(token); Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static func cookie(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let kv = pair.trimmingCharacters(in: .whitespaces)
                if kv.hasPrefix(name + "=") {
                    let v = String(kv.dropFirst(name.count + 1))
                    if v.count == 43, v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) { return v }
                }
            }
        }
        return nil
    }

    /// Constant-time comparison.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
