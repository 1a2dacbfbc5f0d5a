// Foundation only for Unicode case and diacritic folding, which the standard library does not offer.
import Foundation

/// Text folding shared by every claim comparison: what two people mean by the same brand or country should
/// compare equal however they typed it.
public enum ClaimText {
    /// Letters that Unicode does not decompose into base + accent, mapped to what a reader would write instead.
    static let extraFolds: [Character: String] = [
        "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ħ": "h", "ı": "i",
        "ŀ": "l", "ĸ": "k", "ŋ": "n", "ς": "σ", "’": "'", "ʼ": "'",
    ]

    /// Case-folds, strips diacritics, turns every run of non-letters/digits into one space, and trims.
    ///
    /// "  Nike®  AIR-max " → "nike air max"; "Ġermanja" → "germanja"; "Straße" → "strasse".
    public static func normalize(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        var out = ""
        out.reserveCapacity(folded.utf8.count)
        var pendingSpace = false
        for ch in folded {
            let mapped = extraFolds[ch].map { Substring($0) } ?? Substring(String(ch))
            for c in mapped {
                if c.isLetter || c.isNumber {
                    if pendingSpace, !out.isEmpty { out.append(" ") }
                    pendingSpace = false
                    out.append(c)
                } else if c != "'" {
                    // Apostrophes join ("l'Italia" stays one token for the article check); all else separates.
                    pendingSpace = true
                }
            }
        }
        return out
    }

    /// `normalize` without spaces, so that "U.S.A.", "U S A" and "USA" share one key.
    public static func compactKey(_ text: String) -> String {
        normalize(text).replacingOccurrences(of: " ", with: "")
    }
}

/// Maps free-text country claims in the EU languages (and others) to ISO 3166-1 alpha-2 codes.
///
/// Names come from CLDR in 39 languages (the 24 official EU languages plus neighbours' and frequent origin
/// countries' languages) for ~90 countries, plus hand-written aliases ("Holland", "UK", "EL", "PRC", "Made in
/// USA"). Alpha-2 and alpha-3 codes are accepted when they are the whole claim.
public struct CountryNormalizer: Sendable {
    /// Compact folded name → alpha-2.
    public private(set) var names: [String: String]
    /// Compact folded alpha-2 or alpha-3 code → alpha-2.
    public private(set) var codes: [String: String]

    /// Short forms that are unambiguous even inside a sentence ("made in USA"); other 2–3 letter codes collide
    /// with everyday words ("and", "can", "fin", "est", "us") and only count as the whole claim.
    static let inSentenceCodes: Set<String> = ["usa", "uk", "prc", "uae", "brd", "rpc"]

    /// Hand-written aliases: historical, colloquial and English variants CLDR does not list.
    static let aliases: [(String, String)] = [
        ("Great Britain", "GB"), ("Britain", "GB"), ("England", "GB"), ("Scotland", "GB"), ("Wales", "GB"),
        ("Northern Ireland", "GB"), ("UK", "GB"), ("U.K.", "GB"), ("United Kingdom of Great Britain", "GB"),
        ("Grande-Bretagne", "GB"), ("Großbritannien", "GB"), ("Gran Bretagna", "GB"), ("Gran Bretaña", "GB"),
        ("Anglia", "GB"), ("Angleterre", "GB"), ("Inghilterra", "GB"), ("Inglaterra", "GB"),
        ("USA", "US"), ("U.S.A.", "US"), ("U.S.", "US"), ("United States of America", "US"), ("America", "US"),
        ("Amerika", "US"), ("Etats-Unis d'Amerique", "US"), ("Stati Uniti d'America", "US"),
        ("Holland", "NL"), ("The Netherlands", "NL"), ("Hollande", "NL"), ("Olanda", "NL"), ("Holanda", "NL"),
        ("Czech Republic", "CZ"), ("Tschechische Republik", "CZ"), ("Republika Czeska", "CZ"),
        ("République tchèque", "CZ"), ("Česká republika", "CZ"), ("Repubblica Ceca", "CZ"),
        ("República Checa", "CZ"), ("Slovak Republic", "SK"), ("Slovenská republika", "SK"),
        ("Russian Federation", "RU"), ("Russische Föderation", "RU"), ("Rosja", "RU"), ("Rossiya", "RU"),
        ("Turkey", "TR"), ("Türkei", "TR"), ("Turkiye", "TR"), ("Türkiye", "TR"), ("Turquie", "TR"),
        ("PRC", "CN"), ("P.R.C.", "CN"), ("RPC", "CN"), ("People's Republic of China", "CN"),
        ("Mainland China", "CN"), ("Volksrepublik China", "CN"), ("Chińska Republika Ludowa", "CN"),
        ("South Korea", "KR"), ("Republic of Korea", "KR"), ("Korea", "KR"), ("Südkorea", "KR"),
        ("Corée du Sud", "KR"), ("Corea del Sud", "KR"), ("Corea del Sur", "KR"), ("Korea Południowa", "KR"),
        ("Macedonia", "MK"), ("FYROM", "MK"), ("Mazedonien", "MK"), ("Macédoine", "MK"),
        ("Bosnia", "BA"), ("Bosnia-Herzegovina", "BA"), ("Bosnia and Herzegovina", "BA"),
        ("Viet Nam", "VN"), ("UAE", "AE"), ("Emirates", "AE"), ("Hong Kong SAR", "HK"),
        ("Republic of Ireland", "IE"), ("Eire", "IE"), ("Moldova", "MD"), ("Republic of Moldova", "MD"),
        ("Byelorussia", "BY"), ("Weißrussland", "BY"), ("Bielorussia", "BY"), ("Białoruś", "BY"),
        ("Vatican", "VA"), ("Vatican City", "VA"), ("Holy See", "VA"), ("BRD", "DE"),
        ("Federal Republic of Germany", "DE"), ("Bundesrepublik Deutschland", "DE"),
        ("Swiss Confederation", "CH"), ("Helvetia", "CH"), ("Confoederatio Helvetica", "CH"), ("Schweiz", "CH"),
        ("Hellas", "GR"), ("Hellenic Republic", "GR"), ("Persia", "IR"), ("Burma", "MM"), ("Ceylon", "LK"),
        ("Siam", "TH"), ("Formosa", "TW"), ("Republic of China", "TW"), ("Kampuchea", "KH"),
        ("中国", "CN"), ("中華人民共和国", "CN"), ("中华人民共和国", "CN"),
    ]

    /// EU and common non-ISO codes: the EU writes Greece as EL; the UK is widely written UK.
    static let extraCodes: [(String, String)] = [("EL", "GR"), ("UK", "GB")]

    /// The built-in table, built once.
    public static let standard = CountryNormalizer()

    /// Builds the tables from the generated CLDR names, the aliases and the codes.
    ///
    /// A folded name that would map to two countries is dropped rather than guessed (`ambiguousNames` lists them).
    public init() {
        var names: [String: String] = [:]
        var ambiguous = Set<String>()
        var codes: [String: String] = [:]
        func add(_ raw: String, _ code: String) {
            let key = ClaimText.compactKey(raw)
            guard !key.isEmpty, !ambiguous.contains(key) else { return }
            if let existing = names[key], existing != code {
                names[key] = nil
                ambiguous.insert(key)
            } else {
                names[key] = code
            }
        }
        for entry in generatedCountryNames {
            codes[entry.alpha2.lowercased()] = entry.alpha2
            codes[entry.alpha3.lowercased()] = entry.alpha2
            for name in entry.names { add(name, entry.alpha2) }
        }
        for (name, code) in Self.aliases { add(name, code) }
        for (alias, code) in Self.extraCodes { codes[alias.lowercased()] = code }
        self.names = names
        self.codes = codes
        self.ambiguousNames = ambiguous
    }

    /// Folded names that CLDR gives for two different countries and that are therefore not resolved.
    public private(set) var ambiguousNames: Set<String>

    /// Every ISO alpha-2 code the normaliser knows.
    public var knownCodes: Set<String> { Set(codes.values) }

    /// The alpha-2 code a claim names, or nil when it names none or several different countries.
    ///
    /// Order: the whole claim as a code ("de", "DEU", "EL"), the whole claim as a name in any language, then
    /// any run of words inside it ("Made in Germany", "Fabriqué en Chine"). Inflected forms ("w Polsce") are
    /// not in CLDR and are not recognised.
    /// - Complexity: O(w²) dictionary look-ups for a claim of w words.
    public func isoCode(for claim: String) -> String? {
        let found = countries(in: claim)
        return found.count == 1 ? found[0] : nil
    }

    /// All distinct alpha-2 codes a claim names, longest match first (empty when none).
    public func countries(in claim: String) -> [String] {
        let normalized = ClaimText.normalize(claim)
        let whole = normalized.replacingOccurrences(of: " ", with: "")
        guard !whole.isEmpty else { return [] }
        if let code = codes[whole] ?? names[whole] { return [code] }
        let tokens = normalized.split(separator: " ").map(String.init)
        var found: [String] = []
        var covered = [Bool](repeating: false, count: tokens.count)
        // Longest runs first, so "united states" wins over a shorter name inside it.
        for length in stride(from: min(tokens.count, 6), through: 1, by: -1) {
            for start in 0 ... tokens.count - length where !covered[start ..< start + length].contains(true) {
                let key = tokens[start ..< start + length].joined()
                let code: String?
                if Self.inSentenceCodes.contains(key) {
                    code = codes[key] ?? names[key]
                } else if key.count >= 4 {
                    code = names[key]
                } else {
                    code = nil
                }
                guard let code else { continue }
                for i in start ..< start + length { covered[i] = true }
                if !found.contains(code) { found.append(code) }
            }
        }
        return found
    }
}

/// A table of brand or product aliases over normalised text ("vw" → "volkswagen").
public struct AliasTable: Codable, Sendable, Hashable {
    /// Normalised alias → normalised canonical form.
    public private(set) var canonicalByAlias: [String: String] = [:]

    /// Creates an empty table.
    public init() {}

    /// Creates a table from (alias, canonical) pairs of raw text.
    public init(_ pairs: [(alias: String, canonical: String)]) {
        for pair in pairs { add(alias: pair.alias, canonical: pair.canonical) }
    }

    /// Declares `alias` to mean `canonical`; chains resolve ("a"→"b", "b"→"c" makes "a"→"c").
    public mutating func add(alias: String, canonical: String) {
        let a = ClaimText.normalize(alias)
        let c = resolve(ClaimText.normalize(canonical))
        guard !a.isEmpty, a != c else { return }
        canonicalByAlias[a] = c
        for (key, value) in canonicalByAlias where value == a { canonicalByAlias[key] = c }
    }

    /// The normalised canonical form of a raw brand or product text.
    public func canonical(_ text: String) -> String { resolve(ClaimText.normalize(text)) }

    private func resolve(_ normalized: String) -> String { canonicalByAlias[normalized] ?? normalized }
}

/// A tip's claims about an object's origin, as typed by the tipster.
public struct Claims: Codable, Sendable, Hashable {
    /// The claimed brand, if any.
    public var brand: String?
    /// The claimed product or model, if any.
    public var product: String?
    /// The claimed country, if any (a name in any language or an ISO code).
    public var country: String?

    /// Creates a claim set.
    public init(brand: String? = nil, product: String? = nil, country: String? = nil) {
        self.brand = brand
        self.product = product
        self.country = country
    }
}

/// Claims after normalisation: equal values mean the same hypothesis.
public struct NormalizedClaims: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Normalised canonical brand.
    public var brand: String?
    /// Normalised canonical product.
    public var product: String?
    /// ISO 3166-1 alpha-2 code, or the normalised text (lowercase) when the country was not recognised.
    public var country: String?

    /// Creates normalised claims from already normalised values.
    public init(brand: String? = nil, product: String? = nil, country: String? = nil) {
        self.brand = brand
        self.product = product
        self.country = country
    }

    /// Whether no field is set.
    public var isEmpty: Bool { brand == nil && product == nil && country == nil }

    /// Number of fields set.
    public var specifiedCount: Int { [brand, product, country].count { $0 != nil } }

    /// Whether the country field holds a recognised ISO code rather than unresolved text.
    public var countryIsISO: Bool { country.map { $0.count == 2 && $0 == $0.uppercased() } ?? false }

    /// A stable text form, e.g. `brand=nike product=air max country=VN`.
    public var description: String {
        [("brand", brand), ("product", product), ("country", country)]
            .compactMap { key, value in value.map { "\(key)=\($0)" } }
            .joined(separator: " ")
    }

    /// Orders by brand, product, country with absent fields first, for deterministic output.
    public static func < (lhs: NormalizedClaims, rhs: NormalizedClaims) -> Bool {
        func key(_ c: NormalizedClaims) -> [String] { [c.brand ?? "", c.product ?? "", c.country ?? ""] }
        return key(lhs).lexicographicallyPrecedes(key(rhs))
    }
}

/// Normalises raw claims: countries to ISO codes, brands and products through alias tables.
public struct ClaimNormalizer: Sendable {
    /// The country table.
    public var countries: CountryNormalizer
    /// Brand aliases.
    public var brandAliases: AliasTable
    /// Product aliases.
    public var productAliases: AliasTable

    /// Creates a normaliser with the built-in country table and the given alias tables.
    public init(brandAliases: AliasTable = AliasTable(), productAliases: AliasTable = AliasTable(),
                countries: CountryNormalizer = .standard) {
        self.countries = countries
        self.brandAliases = brandAliases
        self.productAliases = productAliases
    }

    /// Normalises each field; empty fields become nil; an unrecognised country keeps its normalised text.
    public func normalize(_ claims: Claims) -> NormalizedClaims {
        func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }
        let brand = claims.brand.flatMap { nonEmpty(brandAliases.canonical($0)) }
        let product = claims.product.flatMap { nonEmpty(productAliases.canonical($0)) }
        let country = claims.country.flatMap { raw -> String? in
            countries.isoCode(for: raw) ?? nonEmpty(ClaimText.normalize(raw))
        }
        return NormalizedClaims(brand: brand, product: product, country: country)
    }
}
