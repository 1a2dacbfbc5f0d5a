import CaseWork
import Foundation
import Store
import TestSupport
import Testing

/// The JSON the CLI's `--json` will print comes from these conformances; pin its shape.
@Suite struct JSONTests {
    func json(_ value: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    @Test(arguments: StoreBackend.available) func tipEncodesFlatValues(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        let r = try t.tip("seen in Lidl", photo: "p", brand: "Acme")
        let tip = try t.store.tip(r.tipID)
        let photo = tip.content.photos[0]
        // Absent optionals (about, linked object, score) are omitted, not null.
        #expect(try json(tip) == """
            {"content":{"channel":"cli","claims":{"brand":"Acme"},"contact":{"optedIn":false},\
            "language":"en","photos":[{"originalHadDeviceSerial":false,"originalHadGPS":true,\
            "originalSHA256":"\(photo.originalSHA256)","workingSHA256":"\(photo.workingSHA256)"}],\
            "receivedOn":"2026-11-29","text":"seen in Lidl"},"id":\(r.tipID),"state":"received"}
            """)
    }

    @Test(arguments: StoreBackend.available) func objectsStatsAndVerdicts(_ backend: StoreBackend) throws {
        let t = try TempStore(backend)
        try t.published("TAO-2026-014")
        let o = try json(t.store.object(ObjectCode("TAO-2026-014")))
        #expect(o.contains(#""approvals":["alice","bob"]"#) && o.contains(#""state":"published""#)
                    && o.contains(#""publishedOn":"2026-11-29""#) && o.contains(#""code":"TAO-2026-014""#))
        let s = try json(t.store.stats())
        #expect(s.contains(#""objects":{"published":1}"#) && s.contains(#""hashes":{"pdq":1}"#))
        #expect(try json(t.store.verifyAudit()) == #"{"count":10,"ok":true}"#)
        let entry = try json(t.lastAudit())
        #expect(entry.contains(#""action":"object.publish""#) && entry.contains(#""time":"2026-11-29T10:00:"#))
    }
}
