import CaseWork
import Testing

@Suite struct AuditTests {
    @Test func canonicalJSONSortsKeysAndEscapes() {
        let v = AuditValue.object([
            "z": .int(-3), "a": .array([.string("q\"\\\n\u{1}"), .bool(true), .null]), "m": .double(0.5),
        ])
        #expect(v.json == #"{"a":["q\"\\\n\u0001",true,null],"m":0.5,"z":-3}"#)
    }

    @Test func canonicalBytesAreLengthPrefixedAndCoverEveryField() {
        let t = Timestamp(millisecondsSince1970: 5)
        let base = AuditEntry.canonicalBytes(seq: 1, time: t, analyst: "al", action: "tip.review", subject: "tip:1",
                                             details: "{}", prevHash: AuditEntry.genesisHash)
        let text = String(decoding: base, as: UTF8.self)
        #expect(text.hasPrefix("objtrace-audit-v1\nseq=1:1\ntime=1:5\nanalyst=2:al\n"))
        #expect(text.hasSuffix("prev=64:" + AuditEntry.genesisHash + "\n"))
        let variants: [[UInt8]] = [
            AuditEntry.canonicalBytes(seq: 2, time: t, analyst: "al", action: "tip.review", subject: "tip:1", details: "{}", prevHash: AuditEntry.genesisHash),
            AuditEntry.canonicalBytes(seq: 1, time: Timestamp(millisecondsSince1970: 6), analyst: "al", action: "tip.review", subject: "tip:1", details: "{}", prevHash: AuditEntry.genesisHash),
            AuditEntry.canonicalBytes(seq: 1, time: t, analyst: "a", action: "ltip.review", subject: "tip:1", details: "{}", prevHash: AuditEntry.genesisHash),
            AuditEntry.canonicalBytes(seq: 1, time: t, analyst: "al", action: "tip.review", subject: "tip:2", details: "{}", prevHash: AuditEntry.genesisHash),
            AuditEntry.canonicalBytes(seq: 1, time: t, analyst: "al", action: "tip.review", subject: "tip:1", details: "{ }", prevHash: AuditEntry.genesisHash),
            AuditEntry.canonicalBytes(seq: 1, time: t, analyst: "al", action: "tip.review", subject: "tip:1", details: "{}", prevHash: String(repeating: "1", count: 64)),
        ]
        for v in variants { #expect(v != base) }
    }

    @Test func subjects() throws {
        #expect(Subject.object(Fx.code).description == "object:TAO-2026-014")
        #expect(Subject.tip(TipID(12)).description == "tip:12")
        #expect(Subject.candidate(CandidateID(4)).description == "candidate:4")
        #expect(throws: CaseWorkError.self) { try Review.requiredReason("  ") }
    }
}
