import Foundation
import Testing
import TestSupport
import ObjtraceKit

/// VICS 2.0 JSON: writing, reading both shapes, and errors that point at the offending value.
@Suite struct InteropVICSTests {
    static let pdq = "eef09871053b4702544f1b2c80f2d444a32d86abd32f960cbad6eecf77216be9"
    static let md5 = "0123456789ABCDEF0123456789ABCDEF"
    static let sha1 = "0123456789ABCDEF0123456789ABCDEF01234567"

    /// A case file as a VICS 2.0 producer writes it (upper-case hashes, navigation links, flags as strings).
    static let caseFile = """
        {
          "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases",
          "value": [
            {
              "CaseID": "9f1c6e1e-0000-4000-8000-000000000001",
              "CaseNumber": "OBJ-7",
              "SourceApplicationName": "SomeTool",
              "Media": [
                {
                  "MediaID": 1, "Category": 3, "MD5": "\(md5)", "SHA1": "\(sha1)", "MediaSize": 2835,
                  "IsPrecategorized": "false", "Series": "Hotel rooms",
                  "MediaFiles": [{"MD5": "\(md5)", "FileName": "room.jpg", "FilePath": "exports/room.jpg"}],
                  "AlternativeHashes@odata.navigationLinkUrl": "/Media(\(md5))/AlternativeHashes",
                  "AlternativeHashes": [
                    {"MD5": "\(md5)", "HashName": "PhotoDNA", "HashValue": "AAAA"},
                    {"MD5": "\(md5)", "HashName": "pdq", "HashValue": "\(pdq.uppercased())"}
                  ]
                },
                {"MediaID": "2", "MD5": "ffffffffffffffffffffffffffffffff"}
              ]
            }
          ]
        }
        """

    @Test func readsCasesWithMedia() throws {
        let records = try VICS.read(Self.caseFile)
        #expect(records.count == 2)
        #expect(records[0] == VICSRecord(path: "$.value[0].Media[0]", mediaID: 1, md5: Self.md5.lowercased(),
                                         sha1: Self.sha1.lowercased(), pdq: [Self.pdq], category: 3,
                                         series: "Hotel rooms", fileName: "room.jpg"))
        #expect(records[1] == VICSRecord(path: "$.value[0].Media[1]", mediaID: 2, md5: String(repeating: "f", count: 32),
                                         sha1: nil, pdq: [], category: nil, series: nil, fileName: nil))
    }

    @Test func readsAFlatMediaList() throws {
        let text = """
            {"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media",
             "value": [{"MediaID": 1, "Category": 0, "MD5": "\(Self.md5)", "SHA1": "\(Self.sha1)",
                        "AlternativeHashes": [{"HashName": "PDQ", "HashValue": "\(Self.pdq)"}]}]}
            """
        let records = try VICS.read(text)
        #expect(records.map(\.path) == ["$.value[0]"])
        #expect(records[0].pdq == [Self.pdq] && records[0].category == 0)
    }

    /// Each malformed file and the error it must produce, path first.
    static let malformed: [(String, String)] = [
        ("[1, 2]", "$: expected a JSON object with a 'value' array"),
        ("{\"value\": 3}", "$.value: expected an array, got a number"),
        ("{\"@odata.context\": 5, \"value\": []}", "$['@odata.context']: expected a string, got a number"),
        ("{}", "$.value: missing (no 'value' array)"),
        ("{\"value\": [{\"Media\": {}}]}", "$.value[0].Media: expected an array, got an object"),
        ("{\"value\": [{\"Media\": [{\"SHA1\": \"\(sha1)\"}]}]}",
         "$.value[0].Media[0].MD5: missing (every VICS media record is keyed by its MD5)"),
        ("{\"value\": [{\"MD5\": \"abc\"}]}", "$.value[0].MD5: expected 32 hex digits, got 'abc'"),
        ("{\"value\": [{\"MD5\": 12}]}", "$.value[0].MD5: expected a string, got a number"),
        ("{\"value\": [{\"MD5\": \"\(md5)\", \"SHA1\": \"\(md5)\"}]}", "$.value[0].SHA1: expected 40 hex digits, got '\(md5)'"),
        ("{\"value\": [{\"MD5\": \"\(md5)\", \"Category\": true}]}", "$.value[0].Category: expected an integer, got a boolean"),
        ("{\"value\": [{\"MD5\": \"\(md5)\", \"Category\": 1.5}]}", "$.value[0].Category: expected an integer, got a number"),
        ("{\"value\": [{\"MD5\": \"\(md5)\", \"Category\": -1}]}", "$.value[0].Category: must not be negative, got -1"),
        ("{\"value\": [{\"MD5\": \"\(md5)\", \"MediaID\": \"x1\"}]}", "$.value[0].MediaID: expected an integer, got 'x1'"),
        ("{\"value\": [{\"MD5\": \"\(md5)\", \"Series\": [\"a\"]}]}", "$.value[0].Series: expected a string, got an array"),
        ("{\"value\": [{\"MD5\": \"\(md5)\", \"AlternativeHashes\": {}}]}",
         "$.value[0].AlternativeHashes: expected an array, got an object"),
        ("{\"value\": [{\"MD5\": \"\(md5)\", \"AlternativeHashes\": [{\"HashValue\": \"00\"}]}]}",
         "$.value[0].AlternativeHashes[0].HashName: missing"),
        ("{\"value\": [{\"MD5\": \"\(md5)\", \"MediaFiles\": [{\"FileName\": 7}]}]}",
         "$.value[0].MediaFiles[0].FileName: expected a string, got a number"),
        ("{\"value\": [{\"MD5\": \"\(md5)\", \"AlternativeHashes\": [{\"HashName\": \"MD5\", \"HashValue\": false}]}]}",
         "$.value[0].AlternativeHashes[0].HashValue: expected a string, got a boolean"),
    ]

    @Test(arguments: malformed)
    func malformedFilesNameTheJSONPath(text: String, message: String) {
        #expect(throws: InteropError.self) { try VICS.read(text) }
        do {
            _ = try VICS.read(text)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test(arguments: [
        ("{\"value\": [1, 2,]}", "unexpected character ']' at line 1, column 17"),
        ("{\"value\": []} x", "unexpected text after the JSON value at line 1, column 15"),
        ("{\"value\": [\"\\ud800\"]}", "unpaired surrogate escape at line 1, column 19"),
        ("{\"value\": [01]}", "leading zero in a number at line 1, column 12"),
        ("{\"value\":\n [\"abc]}", "unterminated string at line 2, column 9"),
        (String(repeating: "[", count: 600), "nesting deeper than 32 levels at line 1, column 33"),
        ("{\"value\": [], \"value\": []}", "duplicate key 'value' at line 1, column 15"),
    ])
    func syntaxErrorsGiveLineAndColumn(text: String, detail: String) {
        #expect(throws: InteropError(path: "$", "not valid JSON: " + detail)) { try VICS.read(text) }
    }

    @Test func parserDecodesEscapesAndKeepsTypesApart() throws {
        let text = #"{"value": [{"MD5": "\#(Self.md5)", "Series": "caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \t", "Category": 0}]}"#
        let record = try VICS.read(Array("\u{FEFF}".utf8) + Array(text.utf8))
        #expect(record[0].series == "café 😀 \"q\" \\ / \t")
        let o = try JSONValue.parse(Array(#"{"a": true, "b": 1, "c": 1.0, "d": -2e3, "e": null}"#.utf8))
        #expect(o["a"]?.typeName == "a boolean")
        #expect(o["b"] == .number("1") && o["c"] == .number("1.0") && o["d"] == .number("-2e3"))
        #expect(o["e"]?.isNull == true && o["f"] == nil)
    }

    @Test func aBadPDQDeepInACaseIsReportedWithItsFullPath() {
        var media = (0..<4).map { n in "{\"MediaID\": \(n), \"MD5\": \"\(Self.md5)\"}" }
        media[3] = """
            {"MediaID": 3, "MD5": "\(Self.md5)", "AlternativeHashes": [{"HashName": "Pdq", "HashValue": "\(Self.pdq.dropLast())"}]}
            """
        let text = "{\"value\": [{\"CaseID\": \"x\", \"Media\": [\(media.joined(separator: ","))]}]}"
        #expect(throws: InteropError(path: "$.value[0].Media[3].AlternativeHashes[0].HashValue",
                                     "expected 64 hex digits, got '\(Self.pdq.dropLast())'")) {
            try VICS.read(text)
        }
    }

    @Test func invalidJSONIsReportedAtTheRoot() {
        do {
            _ = try VICS.read("{\"value\": [ {\"MD5\": } ]}")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "$: not valid JSON: unexpected character '}' at line 1, column 21")
        }
    }

    @Test func writerProducesTheVICSShapeAndReadsBack() throws {
        let digests = fileDigests(Array("abc".utf8))
        let item = VICSMedia(md5: digests.md5, sha1: digests.sha1, sha256: digests.sha256, fileName: "crop \"1\".png",
                             pdq: Self.pdq.uppercased(), category: 2, series: "OBJ-7", width: 640, height: 427, mediaSize: 3)
        let text = try VICS.write(VICSCase(caseID: "c0ffee00-0000-4000-8000-000000000000", caseNumber: "OBJ-7",
                                           sourceApplicationVersion: "0.1", media: [item, VICSMedia(md5: Self.md5, sha1: Self.sha1, category: 0)]))
        // The shape, checked through Foundation's own parser.
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(root["@odata.context"] as? String == VICS.context)
        let cases = try #require(root["value"] as? [[String: Any]])
        #expect(cases.count == 1)
        #expect(cases[0]["CaseNumber"] as? String == "OBJ-7")
        #expect(cases[0]["SourceApplicationName"] as? String == "objtrace")
        let media = try #require(cases[0]["Media"] as? [[String: Any]])
        #expect(media.map { $0["MediaID"] as? Int } == [1, 2])
        #expect(media[0]["MD5"] as? String == "900150983CD24FB0D6963F7D28E17F72")
        #expect(media[0]["SHA1"] as? String == "A9993E364706816ABA3E25717850C26C9CD0D89D")
        #expect(media[0]["Category"] as? Int == 2)
        #expect(media[0]["Series"] as? String == "OBJ-7")
        let alternatives = try #require(media[0]["AlternativeHashes"] as? [[String: Any]])
        #expect(alternatives.map { $0["HashName"] as? String } == ["PDQ", "SHA256"])
        #expect(alternatives[0]["HashValue"] as? String == Self.pdq)
        #expect(media[1]["AlternativeHashes"] == nil)
        // Keys in the conventional order: context before value, MediaID first in a record.
        #expect(text.range(of: "@odata.context")!.lowerBound < text.range(of: "\"value\"")!.lowerBound)
        // And our own reader takes it back.
        let back = try VICS.read(text)
        #expect(back.map(\.md5) == [digests.md5, Self.md5.lowercased()])
        #expect(back[0].pdq == [Self.pdq] && back[0].fileName == "crop \"1\".png" && back[0].mediaID == 1)
    }

    @Test func writerRejectsMalformedHashes() {
        let bad = VICSMedia(md5: Self.md5, sha1: Self.sha1, pdq: "abc", category: 1)
        #expect(throws: InteropError(path: "$.value[0].Media[0].PDQ", "PDQ: expected 64 hex digits, got 3")) {
            try VICS.write(VICSCase(caseID: "x", media: [bad]))
        }
        let negative = VICSMedia(md5: Self.md5, sha1: Self.sha1, category: -2)
        #expect(throws: InteropError(path: "$.value[0].Media[0].Category", "must not be negative")) {
            try VICS.write(VICSCase(caseID: "x", media: [negative]))
        }
    }

    @Test func digestsMatchTheStandardVectors() {
        let empty = fileDigests([])
        #expect(empty.md5 == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(empty.sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(empty.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let abc = fileDigests(Array("abc".utf8))
        #expect(abc.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// A real image's SHA-256 agrees with the manifest's recorded prefix.
    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func digestOfARealFileMatchesTheManifest() throws {
        let rows = try SharedData.readTSV("dev/MANIFEST.tsv").filter { !($0["sha256_16"] ?? "").isEmpty }.prefix(5)
        #expect(!rows.isEmpty)
        for row in rows {
            let bytes = try [UInt8](Data(contentsOf: SharedData.url("dev/" + row["file"]!)))
            #expect(fileDigests(bytes).sha256.hasPrefix(row["sha256_16"]!), "\(row["file"]!)")
        }
    }
}

/// Reading a hash-set-sized VICS file (opt-in: OBJTRACE_BIG=1); prints the time taken.
@Suite struct InteropVICSScaleTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["OBJTRACE_BIG"] == "1", "set OBJTRACE_BIG=1 for the large VICS read"))
    func readsOneHundredThousandRecords() throws {
        let count = 100_000
        var media: [String] = []
        media.reserveCapacity(count)
        for n in 0..<count {
            let md5 = String(format: "%032X", n)
            let pdq = String(repeating: String(format: "%08x", n), count: 8)
            media.append("{\"MediaID\":\(n),\"Category\":1,\"MD5\":\"\(md5)\",\"SHA1\":\"\(String(format: "%040X", n))\","
                + "\"IsPrecategorized\":\"true\",\"AlternativeHashes\":[{\"MD5\":\"\(md5)\",\"HashName\":\"PDQ\",\"HashValue\":\"\(pdq)\"}]}")
        }
        let text = "{\"@odata.context\":\"\(VICS.context)\",\"value\":[\(media.joined(separator: ","))]}"
        let clock = ContinuousClock()
        var records: [VICSRecord] = []
        let elapsed = try clock.measure { records = try VICS.read(text) }
        print("VICS read: \(count) records, \(text.utf8.count / 1_000_000) MB in \(elapsed)")
        #expect(records.count == count)
        #expect(records[count - 1].pdq == [String(repeating: String(format: "%08x", count - 1), count: 8)])
    }
}
