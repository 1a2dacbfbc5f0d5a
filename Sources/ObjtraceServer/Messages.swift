import Foundation

/// UI text in every shipped language: one JSON catalogue per language (`messages/<tag>.json`), loaded at
/// start. Adding a language is adding a file; a key missing from a catalogue falls back to English.
package struct MessageCatalogues: Sendable {
    /// Catalogues by language tag (lower case).
    package let catalogues: [String: [String: String]]
    /// Tags, sorted, for the language switcher.
    package let languages: [String]
    static let fallback = "en"

    /// Loads every `*.json` in `directory`; English must be present.
    init(directory: URL) throws {
        var out: [String: [String: String]] = [:]
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        for file in files where file.pathExtension == "json" {
            let tag = file.deletingPathExtension().lastPathComponent.lowercased()
            out[tag] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: file))
        }
        guard let english = out[Self.fallback] else {
            throw ServerError("no English message catalogue in \(directory.path)")
        }
        // Every catalogue answers every key: missing ones in English.
        for (tag, messages) in out { out[tag] = english.merging(messages) { _, own in own } }
        catalogues = out
        languages = out.keys.sorted()
    }

    /// The messages for `language` (falling back to English).
    func messages(_ language: String) -> [String: String] {
        catalogues[language] ?? catalogues[Self.fallback]!
    }

    /// The language to answer in: an explicit, known `?lang=`, else the best `Accept-Language` match, else English.
    func negotiate(explicit: String?, acceptLanguage: String?) -> String {
        if let explicit = explicit?.lowercased(), catalogues[explicit] != nil { return explicit }
        guard let header = acceptLanguage else { return Self.fallback }
        var ranked: [(tag: String, q: Double, order: Int)] = []
        for (order, item) in header.split(separator: ",").prefix(20).enumerated() {
            let pieces = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let range = pieces.first?.lowercased(), !range.isEmpty else { continue }
            var q = 1.0
            for p in pieces.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            ranked.append((range, q, order))
        }
        ranked.sort { $0.q != $1.q ? $0.q > $1.q : $0.order < $1.order }
        for r in ranked where r.q > 0 {
            if catalogues[r.tag] != nil { return r.tag }
            let primary = String(r.tag.prefix { $0 != "-" })
            if catalogues[primary] != nil { return primary }
        }
        return Self.fallback
    }
}

/// A configuration or start-up error of the server, with a one-line message.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    package init(_ message: String) { description = message }
}

/// Country choices for the tip form: ISO 3166-1 alpha-2 codes, named in the page's language (CLDR via
/// Foundation), sorted by that name.
enum CountryChoices {
    /// The EU and EEA, the rest of Europe, and frequent countries of manufacture (the set the claim
    /// normaliser knows by name, see Scripts/generate-country-names.swift).
    static let codes = [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
        "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "GB", "CH", "TR", "RU", "UA", "BY",
        "MD", "RS", "BA", "ME", "MK", "AL", "AD", "MC", "SM", "VA", "GE", "AM", "AZ", "US", "CA", "MX", "BR", "AR",
        "CN", "HK", "TW", "JP", "KR", "IN", "PK", "BD", "VN", "TH", "ID", "MY", "PH", "SG", "AU", "NZ", "ZA", "EG",
        "MA", "TN", "NG", "IL", "AE", "SA", "IR", "IQ", "SY", "AF", "KZ", "LK", "KH", "MM", "ET",
    ]
    static let known = Set(codes)

    /// (code, localised name) pairs sorted by name in `language`.
    static func names(in language: String) -> [(code: String, name: String)] {
        let locale = Locale(identifier: language)
        return codes.map { code in (code, locale.localizedString(forRegionCode: code) ?? code) }
            .sorted { $0.name.compare($1.name, locale: locale) == .orderedAscending }
    }
}
