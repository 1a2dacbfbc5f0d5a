import CaseWork
import Foundation
import ObjtraceKit
import ObjtraceServer
import Store
import Testing

/// The gallery, the object page, the tip form and the receipt, against a real server on loopback.
@Suite("Public site")
struct PublicSiteTests {
    @Test("The gallery shows published objects only, filters by category, and drops a withdrawn object at once")
    func galleryFollowsTheStore() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        var page = try await http(server.port, "GET", "/")
        #expect(page.status == 200)
        #expect(page.text.contains("object-\(StoreFixture.alpro)"))
        #expect(page.text.contains("object-\(StoreFixture.oatly)"))
        #expect(!page.text.contains(StoreFixture.draft))
        #expect(!page.text.contains("secret analyst note"))
        // Escaped by construction: the question's markup is text.
        #expect(page.text.contains("Do you know this &lt;b&gt;bottle&lt;/b&gt; &amp; its shop?"))
        #expect(!page.text.contains("<script"))

        let bottles = try await http(server.port, "GET", "/?category=bottle")
        #expect(bottles.text.contains("object-\(StoreFixture.oatly)"))
        #expect(!bottles.text.contains("object-\(StoreFixture.alpro)"))

        // An analyst (another connection, as the CLI) withdraws and identifies: the next page shows it.
        let analyst = try store.analystService()
        _ = try analyst.store.withdraw(ObjectCode(StoreFixture.alpro), by: AnalystID("carol"), reason: "victim found")
        _ = try analyst.store.resolve(ObjectCode(StoreFixture.oatly),
                                      as: .identified(Identification(countries: [CountryCode("SE")], brand: "Oatly")),
                                      by: AnalystID("carol"), reason: "confirmed")
        page = try await http(server.port, "GET", "/")
        #expect(!page.text.contains("object-\(StoreFixture.alpro)"))
        #expect(page.text.contains("card identified\" id=\"object-\(StoreFixture.oatly)"))
        let gone = try await http(server.port, "GET", "/objects/\(StoreFixture.alpro)")
        #expect(gone.status == 404)
        let goneImage = try await http(server.port, "GET", "/objects/\(StoreFixture.alpro)/image")
        #expect(goneImage.status == 404)
        // An identified object shows no form and takes no tips.
        let identified = try await http(server.port, "GET", "/objects/\(StoreFixture.oatly)")
        #expect(identified.status == 200)
        #expect(!identified.text.contains("<form method=\"post\""))
        var form = Multipart()
        form.field("object", StoreFixture.oatly)
        form.field("text", "I know it")
        let refused = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", form.contentType)],
                                     body: form.finished())
        #expect(refused.status == 422)
        #expect(try refused.json()["field"] as? String == "object")
        try await server.stop()
    }

    @Test("Languages: Accept-Language and the switcher pick the catalogue; country names follow the page language")
    func languages() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        let de = try await http(server.port, "GET", "/", headers: [("Accept-Language", "de-AT,de;q=0.9,en;q=0.5")])
        #expect(de.text.contains("<html lang=\"de\">"))
        #expect(de.text.contains("Erkennen Sie einen Gegenstand?"))
        let fr = try await http(server.port, "GET", "/objects/\(StoreFixture.alpro)?lang=fr",
                                headers: [("Accept-Language", "de")])
        #expect(fr.text.contains("<html lang=\"fr\">"))
        #expect(fr.text.contains("<option value=\"DE\">Allemagne</option>"))
        let unknown = try await http(server.port, "GET", "/", headers: [("Accept-Language", "xx, *;q=0.1")])
        #expect(unknown.text.contains("<html lang=\"en\">"))
        // Every shipped catalogue has every English key.
        let site = try await Site(resources: Site.defaultResources())
        #expect(Set(site.catalogues.languages).isSuperset(of: ["en", "fr", "de", "nl", "es", "it", "pl"]))
        try await server.stop()
    }

    @Test("Templates never use mustache's unescaped forms")
    func templatesEscapeByConstruction() throws {
        let dir = try Site.defaultResources().appendingPathComponent("templates")
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("{{{"), "\(file)")
            #expect(!text.contains("{{&"), "\(file)")
            #expect(!text.lowercased().contains("<script"), "\(file)")
            #expect(!text.contains("style=\""), "\(file): inline style would need a CSP exception")
        }
    }

    @Test("Form: CSRF cookie is the only cookie, the receipt is shown, tip text stays off public pages")
    func formFlow() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        let page = try await http(server.port, "GET", "/objects/\(StoreFixture.alpro)")
        let cookies = page.headers("Set-Cookie")
        #expect(cookies.count == 1)
        let cookie = try #require(cookies.first)
        #expect(cookie.hasPrefix("csrf="))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let token = String(cookie.dropFirst(5).prefix { $0 != ";" })
        #expect(page.text.contains("name=\"csrf\" value=\"\(token)\""))

        let secret = "UNIQUE-TIP-TEXT-\(UUID().uuidString)"
        func form(csrf: String?) -> Multipart {
            var f = Multipart()
            if let csrf { f.field("csrf", csrf) }
            f.field("language", "en")
            f.field("text", secret)
            f.field("country", "BE")
            f.field("contact", "")
            return f
        }
        // Without the cookie: refused, nothing stored.
        var f = form(csrf: token)
        let noCookie = try await http(server.port, "POST", "/objects/\(StoreFixture.alpro)/tip",
                                      headers: [("Content-Type", f.contentType)], body: f.finished())
        #expect(noCookie.status == 403)
        // With a different token: refused.
        f = form(csrf: String(repeating: "A", count: 43))
        let wrong = try await http(server.port, "POST", "/objects/\(StoreFixture.alpro)/tip",
                                   headers: [("Content-Type", f.contentType), ("Cookie", "csrf=\(token)")], body: f.finished())
        #expect(wrong.status == 403)
        #expect(try store.analystService().store.tips().isEmpty)

        f = form(csrf: token)
        let ok = try await http(server.port, "POST", "/objects/\(StoreFixture.alpro)/tip?lang=nl",
                                headers: [("Content-Type", f.contentType), ("Cookie", "csrf=\(token)")], body: f.finished())
        #expect(ok.status == 200)
        #expect(ok.header("Cache-Control") == "no-store")
        #expect(ok.headers("Set-Cookie").isEmpty)
        #expect(ok.text.contains("Uw ontvangstcode"))
        let receipt = try #require(ok.text.firstMatch(of: /id="receipt">([0-9A-Z-]+)</)?.1)
        let tipID = try #require(try await server.built.backend.tipID(forReceipt: String(receipt)))
        let tip = try store.analystService().store.tip(TipID(tipID))
        #expect(tip.content.text == secret)
        #expect(tip.content.claims[.country] == "BE")
        #expect(tip.content.language == "nl")
        #expect(tip.content.channel == .web)
        #expect(tip.content.contact == .declined)
        // The receipt is not the tip id and is not stored in clear.
        #expect(String(receipt) != String(tipID))
        #expect(try store.allStoredBytes().firstRange(of: Array(String(receipt).utf8)) == nil)

        for path in ["/", "/objects/\(StoreFixture.alpro)", "/api/v1/objects", "/api/v1/objects/\(StoreFixture.alpro)"] {
            #expect(!(try await http(server.port, "GET", path)).text.contains(secret), "\(path)")
        }
        try await server.stop()
    }

    @Test("A contact is stored only with the opt-in box ticked")
    func contactNeedsOptIn() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        var f = Multipart()
        f.field("object", StoreFixture.alpro)
        f.field("text", "seen in a shop in Ghent")
        f.field("contact", "me@example.org")
        let refused = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)],
                                     body: f.finished())
        #expect(refused.status == 400)
        #expect(try refused.json()["field"] as? String == "contact_opt_in")
        #expect(try store.analystService().store.tips().isEmpty)

        f = Multipart()
        f.field("object", StoreFixture.alpro)
        f.field("text", "seen in a shop in Ghent")
        f.field("contact", "me@example.org")
        f.field("contact_opt_in", "yes")
        let ok = try await http(server.port, "POST", "/api/v1/tips", headers: [("Content-Type", f.contentType)],
                                body: f.finished())
        #expect(ok.status == 201)
        let receipt = try #require(try ok.json()["receipt"] as? String)
        let id = try #require(try await server.built.backend.tipID(forReceipt: receipt))
        #expect(try store.analystService().store.tip(TipID(id)).content.contact == .optedIn(contact: "me@example.org"))
        try await server.stop()
    }
}

@Suite("Public questions in several languages")
struct QuestionTranslationTests {
    @Test("An analyst's translation shows in that language, with English as the fallback, and is audited")
    func translatedQuestion() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let server = try await RunningServer.start(store: store)
        try PublicQuestions.set(storePath: store.path, code: StoreFixture.alpro, language: "fr",
                                text: "Où ce carton est-il vendu ?", analyst: "alice")
        let fr = try await http(server.port, "GET", "/?lang=fr")
        #expect(fr.text.contains("Où ce carton est-il vendu ?"))
        let de = try await http(server.port, "GET", "/?lang=de")
        #expect(de.text.contains("Where is this carton sold?"))
        let api = try await http(server.port, "GET", "/api/v1/objects/\(StoreFixture.alpro)")
        #expect((try api.json()["questions"] as? [String: String])?["fr"] == "Où ce carton est-il vendu ?")
        #expect(try store.analystService().store.auditLog().last?.action == "setting.set")
        #expect(throws: (any Error).self) {
            try PublicQuestions.set(storePath: store.path, code: "TAO-2026-999", language: "fr", text: "x", analyst: "alice")
        }
        try await server.stop()
    }
}
