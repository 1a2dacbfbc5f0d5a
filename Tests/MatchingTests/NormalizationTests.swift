import Testing
import Matching

@Suite struct NormalizationTests {
    static let countryCases: [(String, String)] = [
        // German in many languages and forms.
        ("Deutschland", "DE"), ("Allemagne", "DE"), ("Niemcy", "DE"), ("Germany", "DE"), ("DE", "DE"),
        ("deu", "DE"), ("Németország", "DE"), ("Saksamaa", "DE"), ("Γερμανία", "DE"), ("Германия", "DE"),
        ("il-Ġermanja", "DE"), ("an Ghearmáin", "DE"), ("Vokietija", "DE"), ("Tyskland", "DE"),
        ("  made in   GERMANY!  ", "DE"), ("Nemčija", "DE"),
        // Others, with diacritics dropped or kept, codes and aliases.
        ("Česko", "CZ"), ("Czech Republic", "CZ"), ("Cesko", "CZ"), ("Tschechien", "CZ"),
        ("Ελλάδα", "GR"), ("EL", "GR"), ("Grèce", "GR"), ("Grecja", "GR"),
        ("Royaume-Uni", "GB"), ("UK", "GB"), ("Wielka Brytania", "GB"), ("England", "GB"), ("Made in U.K.", "GB"),
        ("Stany Zjednoczone", "US"), ("U.S.A.", "US"), ("Made in USA", "US"), ("États-Unis", "US"),
        ("Chine", "CN"), ("Fabriqué en Chine", "CN"), ("Made in P.R.C.", "CN"), ("Chiny", "CN"), ("中国", "CN"),
        ("Schweiz", "CH"), ("Suisse", "CH"), ("Svizzera", "CH"), ("Helvetia", "CH"),
        ("Türkiye", "TR"), ("Turkey", "TR"), ("Turcja", "TR"),
        ("Україна", "UA"), ("Ukraine", "UA"), ("Ucrania", "UA"), ("Россия", "RU"), ("Rosja", "RU"),
        ("Holland", "NL"), ("Nederland", "NL"), ("Pays-Bas", "NL"), ("Alankomaat", "NL"),
        ("Norge", "NO"), ("Ísland", "IS"), ("Suomi", "FI"), ("Magyarország", "HU"), ("Hrvatska", "HR"),
        ("Österreich", "AT"), ("Rakousko", "AT"), ("Portugal", "PT"), ("Polska", "PL"), ("Polen", "PL"),
        ("Italia", "IT"), ("España", "ES"), ("Lietuva", "LT"), ("Latvija", "LV"), ("Eesti", "EE"),
        ("Slovensko", "SK"), ("Slovenija", "SI"), ("România", "RO"), ("България", "BG"), ("Κύπρος", "CY"),
        ("Luxembourg", "LU"), ("Belgique", "BE"), ("Danmark", "DK"), ("Sverige", "SE"), ("Malta", "MT"),
        ("Éire", "IE"), ("Vietnam", "VN"), ("Japan", "JP"), ("Indie", "IN"),
    ]

    @Test(arguments: countryCases)
    func countryNamesResolveToISO(name: String, code: String) {
        #expect(CountryNormalizer.standard.isoCode(for: name) == code, "\(name)")
    }

    @Test func ambiguityAndNonCountries() {
        let c = CountryNormalizer.standard
        // Two countries named: no single answer, but both are reported.
        #expect(c.isoCode(for: "Designed in Germany, made in China") == nil)
        #expect(c.countries(in: "Designed in Germany, made in China") == ["DE", "CN"])
        #expect(c.isoCode(for: "Nike") == nil)
        #expect(c.isoCode(for: "") == nil)
        // Everyday words that are alpha-3 codes do not count inside sentences.
        #expect(c.isoCode(for: "you can find it and buy it") == nil)
        #expect(c.isoCode(for: "contact us") == nil)
        #expect(c.knownCodes.isSuperset(of: ["DE", "FR", "PL", "GB", "US", "CN", "TR", "RU", "UA", "CH", "NO", "IS", "LI"]))
        // No name in the table is silently assigned to two countries: the ambiguous set is empty or documented.
        #expect(c.ambiguousNames.isEmpty, "\(c.ambiguousNames)")
    }

    @Test func textFolding() {
        #expect(ClaimText.normalize("  Nike®  AIR-max ") == "nike air max")
        #expect(ClaimText.normalize("Ġermanja") == "germanja")
        #expect(ClaimText.normalize("STRASSE") == ClaimText.normalize("Straße"))
        #expect(ClaimText.normalize("Łódź") == "lodz")
        #expect(ClaimText.normalize("Ærø Øl") == "aero ol")
        #expect(ClaimText.normalize("Crème  Brûlée\t#2") == "creme brulee 2")
        #expect(ClaimText.normalize("ΕΛΛΆΔΑ") == ClaimText.normalize("Ελλάδα"))
        #expect(ClaimText.compactKey("U. S. A.") == "usa")
        #expect(ClaimText.normalize("...") == "")
    }

    @Test func aliasTables() throws {
        var brands = AliasTable([(alias: "VW", canonical: "Volkswagen"), (alias: "Volks wagen", canonical: "VOLKSWAGEN")])
        #expect(brands.canonical("vw") == "volkswagen")
        #expect(brands.canonical(" Volks-Wagen ") == "volkswagen")
        #expect(brands.canonical("Škoda") == "skoda")
        // Chains resolve in either order.
        brands.add(alias: "Volkswagen AG", canonical: "VW")
        #expect(brands.canonical("volkswagen ag") == "volkswagen")
        var chain = AliasTable()
        chain.add(alias: "a", canonical: "b")
        chain.add(alias: "b", canonical: "c")
        #expect(chain.canonical("A") == "c")

        let normalizer = ClaimNormalizer(brandAliases: brands)
        let n = normalizer.normalize(Claims(brand: "VW", product: "  Golf  GTI ", country: "Niemcy"))
        #expect(n == NormalizedClaims(brand: "volkswagen", product: "golf gti", country: "DE"))
        #expect(n.description == "brand=volkswagen product=golf gti country=DE")
        let unknown = normalizer.normalize(Claims(brand: "", country: "Atlantis"))
        #expect(unknown == NormalizedClaims(country: "atlantis"))
        #expect(!unknown.countryIsISO)
    }
}
