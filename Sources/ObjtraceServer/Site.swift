import CaseWork
package import Foundation
import Mustache

/// Templates, message catalogues and country names, loaded once at start.
///
/// Templates are mustache: `{{value}}` is HTML-escaped by construction, and no template uses the unescaped
/// forms (`{{{…}}}`, `{{&…}}`), which a test checks.
package struct Site: Sendable {
    let library: MustacheLibrary
    package let catalogues: MessageCatalogues
    let countries: [String: [[String: String]]]
    let css: [UInt8]
    let openAPI: [UInt8]

    /// Loads `templates/`, `messages/`, `static/site.css` and `openapi.json` from `resources`.
    package init(resources: URL) async throws {
        library = try await MustacheLibrary(directory: resources.appendingPathComponent("templates").path)
        catalogues = try MessageCatalogues(directory: resources.appendingPathComponent("messages"))
        var countries: [String: [[String: String]]] = [:]
        for tag in catalogues.languages {
            countries[tag] = CountryChoices.names(in: tag).map { ["code": $0.code, "name": $0.name] }
        }
        self.countries = countries
        css = Array(try Data(contentsOf: resources.appendingPathComponent("static/site.css")))
        openAPI = Array(try Data(contentsOf: resources.appendingPathComponent("openapi.json")))
    }

    /// The shipped resources folder (beside the executable in the build's resource bundle).
    package static func defaultResources() throws -> URL {
        guard let url = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw ServerError("the server's resource bundle is missing (templates, messages)")
        }
        return url
    }

    /// Renders `template` with the common page values (language, messages, switcher) merged in.
    func render(_ template: String, language: String, path: String, query: String = "", title: String,
                _ values: [String: Any]) -> String {
        let m = catalogues.messages(language)
        var context: [String: Any] = [
            "lang": language, "m": m, "title": title,
            "languages": catalogues.languages.map { tag -> [String: Any] in
                ["tag": tag, "name": catalogues.messages(tag)["language_name"] ?? tag, "current": tag == language,
                 "path": path, "query": query]
            },
        ]
        context.merge(values) { _, new in new }
        return library.render(context, withTemplate: template) ?? ""
    }

    /// The category's name in `language`.
    func categoryLabel(_ category: String, language: String) -> String {
        catalogues.messages(language)["category_" + category] ?? category
    }

    /// Category filter options.
    func categories(language: String, selected: String?) -> [[String: Any]] {
        ObjectCategory.allCases.map { c in
            ["value": c.rawValue, "label": categoryLabel(c.rawValue, language: language), "selected": c.rawValue == selected]
        }
    }
}
