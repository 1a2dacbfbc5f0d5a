/// The name of the analyst who performs an action, as recorded in reviews and the audit log.
public struct AnalystID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The identity: trimmed and lower-cased, so `alice` and `ALICE` are one analyst (four-eyes compares these).
    public let name: String

    /// Validates a name: non-empty after trimming, at most 64 characters, lower-cased; refuses control and
    /// invisible characters (format characters such as zero-width spaces and bidi controls, unassigned and
    /// private-use code points, line breaks) and characters that are not in Unicode NFKC case-folded form
    /// (full-width letters, ligatures, `ß`), so no two spellings of one name are two analysts. Callers that
    /// take names from people normalise first (NFKC + case folding), then call this.
    public init(_ raw: String) throws(CaseWorkError) {
        let trimmed = Text.trimmed(raw)
        guard !trimmed.isEmpty else {
            throw .invalidValue(field: "analyst", value: raw, reason: "an analyst name is required")
        }
        guard trimmed.unicodeScalars.count <= 64 else {
            throw .invalidValue(field: "analyst", value: raw, reason: "at most 64 characters")
        }
        guard !Text.hasControlCharacters(trimmed) else {
            throw .invalidValue(field: "analyst", value: raw, reason: "control characters are not allowed")
        }
        let folded = trimmed.lowercased()
        if let bad = folded.unicodeScalars.first(where: AnalystID.isInvisible) {
            throw .invalidValue(field: "analyst", value: raw,
                                reason: "invisible or formatting character U+\(Text.hexScalar(bad)) is not allowed")
        }
        if let bad = folded.unicodeScalars.first(where: { $0.properties.changesWhenNFKCCaseFolded }) {
            throw .invalidValue(field: "analyst", value: raw,
                                reason: "U+\(Text.hexScalar(bad)) is not in normalised form (NFKC, case-folded); write the plain letters")
        }
        name = folded
    }

    /// Characters a reader cannot see or that change how text around them shows.
    static func isInvisible(_ u: Unicode.Scalar) -> Bool {
        switch u.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate, .lineSeparator, .paragraphSeparator: return true
        default: return u.properties.isDefaultIgnorableCodePoint || (u.properties.isWhitespace && u != " ")
        }
    }

    /// The name.
    public var description: String { name }

    /// Orders by name.
    public static func < (a: AnalystID, b: AnalystID) -> Bool { a.name < b.name }
}

/// A public object code such as `TAO-2026-014`: the `TAO` prefix, a four-digit year and a 3-6 digit number.
public struct ObjectCode: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The canonical, upper-case code.
    public let value: String

    /// Validates and upper-cases a code.
    public init(_ raw: String) throws(CaseWorkError) {
        let code = Text.trimmed(raw).uppercased()
        let parts = code.split(separator: "-", omittingEmptySubsequences: false)
        let isDigits: (Substring) -> Bool = { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard parts.count == 3, parts[0] == "TAO", parts[1].count == 4, isDigits(parts[1]),
              (3...6).contains(parts[2].count), isDigits(parts[2])
        else {
            throw .invalidValue(field: "object code", value: raw, reason: "expected TAO-YYYY-NNN, e.g. TAO-2026-014")
        }
        value = code
    }

    /// The code.
    public var description: String { value }

    /// Orders by code text.
    public static func < (a: ObjectCode, b: ObjectCode) -> Bool { a.value < b.value }
}

/// An ISO 3166-1 alpha-2 country code (upper case), checked against the assigned codes.
public struct CountryCode: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The two upper-case letters.
    public let value: String

    /// Validates and upper-cases a code.
    public init(_ raw: String) throws(CaseWorkError) {
        let code = Text.trimmed(raw).uppercased()
        guard CountryCode.assigned.contains(code) else {
            throw .invalidValue(field: "country", value: raw, reason: "not an ISO 3166-1 alpha-2 country code")
        }
        value = code
    }

    /// The code.
    public var description: String { value }

    /// Orders by code.
    public static func < (a: CountryCode, b: CountryCode) -> Bool { a.value < b.value }

    /// Officially assigned ISO 3166-1 alpha-2 codes, plus `XK` (Kosovo), which EU institutions use.
    public static let assigned: Set<String> = {
        let table = """
            AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
            BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
            ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE
            IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
            MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU
            NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM
            SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE
            VG VI VN VU WF WS YE YT ZA ZM ZW XK
            """
        return Set(table.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }()
}

/// A lower-case hex SHA-256 digest (64 characters) naming stored bytes (crops, photos).
public struct SHA256Hex: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 64 lower-case hex characters.
    public let value: String

    /// Validates a digest; upper-case input is lower-cased.
    public init(_ raw: String) throws(CaseWorkError) {
        let hex = Text.trimmed(raw).lowercased()
        guard hex.utf8.count == 64, Text.isHex(hex) else {
            throw .invalidValue(field: "sha256", value: raw, reason: "expected 64 hex characters")
        }
        value = hex
    }

    /// The digest.
    public var description: String { value }

    /// Orders by text.
    public static func < (a: SHA256Hex, b: SHA256Hex) -> Bool { a.value < b.value }
}

/// A calendar day (proleptic Gregorian, no time of day, no zone): tips keep only this, being less identifying.
public struct DayDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The year (1970...9999).
    public let year: Int
    /// The month (1...12).
    public let month: Int
    /// The day of the month.
    public let day: Int

    /// Validates a calendar date.
    public init(year: Int, month: Int, day: Int) throws(CaseWorkError) {
        let text = DayDate.format(year, month, day)
        guard (1970...9999).contains(year), (1...12).contains(month),
              (1...DayDate.daysIn(month: month, year: year)).contains(day)
        else { throw .invalidValue(field: "day", value: text, reason: "not a calendar date") }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init(iso text: String) throws(CaseWorkError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { throw .invalidValue(field: "day", value: text, reason: "expected YYYY-MM-DD") }
        try self.init(year: y, month: m, day: d)
    }

    /// The day containing a UTC day count since 1970-01-01.
    public init(daysSince1970 days: Int64) {
        // Howard Hinnant's civil_from_days: exact for the proleptic Gregorian calendar.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = Int(yoe + era * 400 + (m <= 2 ? 1 : 0))
        month = Int(m)
        day = Int(d)
    }

    /// Days since 1970-01-01 (UTC).
    public var daysSince1970: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DD`.
    public var description: String { DayDate.format(year, month, day) }

    /// Orders chronologically.
    public static func < (a: DayDate, b: DayDate) -> Bool { a.daysSince1970 < b.daysSince1970 }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func format(_ y: Int, _ m: Int, _ d: Int) -> String {
        Text.padded(y, 4) + "-" + Text.padded(m, 2) + "-" + Text.padded(d, 2)
    }
}

/// A point in time as whole milliseconds since 1970-01-01T00:00:00Z (audit and review times).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch, UTC.
    public let millisecondsSince1970: Int64

    /// Wraps a millisecond count.
    public init(millisecondsSince1970: Int64) { self.millisecondsSince1970 = millisecondsSince1970 }

    /// The UTC day containing this instant.
    public var day: DayDate {
        let ms = millisecondsSince1970
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        return DayDate(daysSince1970: days)
    }

    /// Midnight UTC of this instant's day: what tip-related audit entries record, to keep no time of day.
    public var startOfDay: Timestamp { Timestamp(millisecondsSince1970: day.daysSince1970 * 86_400_000) }

    /// ISO 8601 UTC with milliseconds, e.g. `2026-11-29T21:33:09.123Z`.
    public var description: String {
        let ms = millisecondsSince1970
        let msOfDay = ms - day.daysSince1970 * 86_400_000
        let s = msOfDay / 1000
        return "\(day)T" + Text.padded(Int(s / 3600), 2) + ":" + Text.padded(Int(s / 60 % 60), 2) + ":"
            + Text.padded(Int(s % 60), 2) + "." + Text.padded(Int(msOfDay % 1000), 3) + "Z"
    }

    /// Orders chronologically.
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millisecondsSince1970 < b.millisecondsSince1970 }
}

/// One perceptual hash of a crop or photo, as text: the algorithm name and its hex form.
///
/// Kept as strings so this module does not depend on the hashing module's types; the hashing module owns
/// the text forms and their round trip.
public struct HashRecord: Hashable, Sendable {
    /// The algorithm name, e.g. `pdq`, `pdq8`, `phash`, `dhash` (lower-case letters, digits, `-`, `_`).
    public let algo: String
    /// The hash in lower-case hex.
    public let hex: String
    /// A quality score where the algorithm has one (PDQ: 0...100), else nil.
    public let quality: Int?

    /// Validates the algorithm name and hex text.
    public init(algo: String, hex: String, quality: Int? = nil) throws(CaseWorkError) {
        let a = Text.trimmed(algo).lowercased()
        guard !a.isEmpty, a.count <= 32,
              a.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F })
        else { throw .invalidValue(field: "hash algorithm", value: algo, reason: "expected a short lower-case name") }
        let h = Text.trimmed(hex).lowercased()
        guard !h.isEmpty, h.utf8.count % 2 == 0, h.utf8.count <= 1024, Text.isHex(h) else {
            throw .invalidValue(field: "\(a) hash", value: hex, reason: "expected an even number of hex characters")
        }
        self.algo = a
        self.hex = h
        self.quality = quality
    }
}

/// Small text helpers shared by the validators (stdlib only: no Foundation here).
enum Text {
    static func trimmed(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    static func hasControlCharacters(_ s: String) -> Bool {
        s.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    static func hexScalar(_ u: Unicode.Scalar) -> String {
        let hex = String(u.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    static func isHex(_ s: String) -> Bool {
        s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
    }

    static func padded(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Trims, requires non-empty text of bounded length; newlines are allowed only where `multiline` is set.
    static func required(
        _ raw: String, field: String, maxLength: Int, multiline: Bool = false
    ) throws(CaseWorkError) -> String {
        let t = trimmed(raw)
        guard !t.isEmpty else { throw .invalidValue(field: field, value: raw, reason: "must not be empty") }
        guard t.count <= maxLength else {
            throw .invalidValue(field: field, value: String(t.prefix(40)) + "…", reason: "at most \(maxLength) characters")
        }
        let bad = t.unicodeScalars.contains {
            $0.properties.generalCategory == .control && !(multiline && ($0 == "\n" || $0 == "\t"))
        }
        guard !bad else { throw .invalidValue(field: field, value: raw, reason: "control characters are not allowed") }
        return t
    }

    /// Like `required` but an empty or whitespace-only input means "absent".
    static func optional(
        _ raw: String?, field: String, maxLength: Int, multiline: Bool = false
    ) throws(CaseWorkError) -> String? {
        guard let raw, !trimmed(raw).isEmpty else { return nil }
        return try required(raw, field: field, maxLength: maxLength, multiline: multiline)
    }
}

// JSON for the CLI's `--json`: wrappers encode as their plain text or number, never as nested objects.

extension AnalystID: Encodable {
    /// Encodes the name.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }
}

extension ObjectCode: Encodable {
    /// Encodes the code text.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

extension CountryCode: Encodable {
    /// Encodes the two letters.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

extension SHA256Hex: Encodable {
    /// Encodes the hex digest.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

extension DayDate: Encodable {
    /// Encodes `YYYY-MM-DD`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension Timestamp: Encodable {
    /// Encodes ISO 8601 UTC with milliseconds.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension HashRecord: Encodable {}

/// What a hash bank is for. The two behave differently: a photo on an allow-list (stock imagery, products sold
/// everywhere) is no lead, so its auto-matches are suppressed; a photo on a watch-list is flagged for an analyst
/// and matched as usual.
public enum BankKind: String, Hashable, Sendable, CaseIterable, Codable {
    /// Ubiquitous images: matches are suppressed.
    case allowList = "allow-list"
    /// Images to watch for: hits are flagged, matching goes on.
    case watchList = "watch-list"
}
