import CaseWork
import Testing

@Suite struct ValueTests {
    @Test(arguments: ["TAO-2026-014", "tao-2026-014", " TAO-2019-123456 "])
    func validCodes(raw: String) throws {
        let code = try ObjectCode(raw)
        #expect(code.value == raw.trimmingSpaces.uppercased())
    }

    @Test(arguments: ["", "TAO-26-014", "TAO-2026-14", "XYZ-2026-014", "TAO-2026-0141234", "TAO-2026-01a", "TAO_2026_014"])
    func invalidCodes(raw: String) {
        #expect(throws: CaseWorkError.self) { try ObjectCode(raw) }
    }

    @Test func countries() throws {
        #expect(try CountryCode("de").value == "DE")
        #expect(CountryCode.assigned.count == 250)  // 249 assigned + XK
        for bad in ["UK", "EU", "D", "DEU", "", "Germany"] {
            #expect(throws: CaseWorkError.self) { try CountryCode(bad) }
        }
    }

    @Test func sha256() throws {
        let upper = String(repeating: "AB", count: 32)
        #expect(try SHA256Hex(upper).value == upper.lowercased())
        #expect(throws: CaseWorkError.self) { try SHA256Hex(String(repeating: "g", count: 64)) }
        #expect(throws: CaseWorkError.self) { try SHA256Hex("abc") }
    }

    @Test func analystNames() throws {
        #expect(try AnalystID("  alice ").name == "alice")
        #expect(throws: CaseWorkError.self) { try AnalystID("   ") }
        #expect(throws: CaseWorkError.self) { try AnalystID("a\u{7}b") }
        #expect(throws: CaseWorkError.self) { try AnalystID(String(repeating: "x", count: 65)) }
    }

    @Test(arguments: [
        ("1970-01-01", Int64(0)), ("2000-02-29", 11_016), ("2026-11-29", 20_786), ("2024-12-31", 20_088),
    ])
    func dayArithmetic(iso: String, days: Int64) throws {
        let d = try DayDate(iso: iso)
        #expect(d.daysSince1970 == days)
        #expect(DayDate(daysSince1970: days) == d)
        #expect(d.description == iso)
    }

    @Test func dayRoundTripOverManyYears() {
        for days in stride(from: Int64(0), to: 40_000, by: 37) {
            #expect(DayDate(daysSince1970: days).daysSince1970 == days)
        }
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-00-10", "2026-1-1", "26-01-01", "2026-04-31"])
    func invalidDays(iso: String) {
        #expect(throws: CaseWorkError.self) { try DayDate(iso: iso) }
    }

    @Test func timestamps() {
        let t = Timestamp(millisecondsSince1970: 1_764_452_000_123)  // 2025-11-29T21:33:20.123Z
        #expect(t.description == "2025-11-29T21:33:20.123Z")
        #expect(t.day.description == "2025-11-29")
        #expect(t.startOfDay.description == "2025-11-29T00:00:00.000Z")
    }

    @Test func hashRecords() throws {
        let r = try HashRecord(algo: "PDQ", hex: "ABCD", quality: 90)
        #expect(r.algo == "pdq" && r.hex == "abcd" && r.quality == 90)
        #expect(throws: CaseWorkError.self) { try HashRecord(algo: "pdq", hex: "abc") }
        #expect(throws: CaseWorkError.self) { try HashRecord(algo: "p dq", hex: "ab") }
    }
}

extension String {
    var trimmingSpaces: String { String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()) }
}
