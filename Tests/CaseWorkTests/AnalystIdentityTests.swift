import CaseWork
import Testing

/// Four-eyes depends on "two analysts" meaning two people, not two spellings of one name.
@Suite struct AnalystIdentityTests {
    @Test(arguments: ["ALICE", "Alice", " alice ", "aLiCe"])
    func caseVariantsAreOneAnalyst(spelling: String) throws {
        #expect(try AnalystID(spelling) == Fx.alice)
        let once = try Fx.draft().addingCrop(Fx.crop).approving(by: Fx.alice)
        #expect(throws: CaseWorkError.self) { try once.approving(by: AnalystID(spelling)) }
    }

    @Test(arguments: [
        "ali\u{200B}ce",   // zero-width space
        "alice\u{200D}",   // zero-width joiner
        "\u{202E}ecila",   // right-to-left override
        "ali\u{00AD}ce",   // soft hyphen
        "ali\u{2028}ce",   // line separator
        "alice\u{E000}",   // private use
        "al\tice",         // tab
        "ａｌｉｃｅ",        // full-width: the caller normalises (NFKC) first
        "ﬁona",            // ligature
    ])
    func invisibleAndUnnormalisedCharactersAreRefused(name: String) {
        #expect(throws: CaseWorkError.self) { try AnalystID(name) }
    }

    @Test func lengthIsBounded() throws {
        #expect(try AnalystID(String(repeating: "x", count: 64)).name.count == 64)
        #expect(throws: CaseWorkError.self) { try AnalystID(String(repeating: "x", count: 65)) }
        #expect(try AnalystID("jürgen müller").name == "jürgen müller")
    }
}
