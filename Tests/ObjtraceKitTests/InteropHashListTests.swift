import Foundation
import Testing
import TestSupport
import ObjtraceKit

/// The hash-list formats: tolerant reading, per-line errors, writing, and round trips of real hashes.
@Suite struct InteropHashListTests {
    // Hashes of real files (anchor-hashes.tsv: citrus_420_q20.jpg and bridge-1-original.jpg).
    static let pdqA = "eef09871053b4702544f1b2c80f2d444a32d86abd32f960cbad6eecf77216be9"
    static let pdqB = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22"

    @Test func pdqListToleratesCommentsBlankLinesCRLFUpperCaseAndPrefix() throws {
        let text = "\u{FEFF}# bank exported 2024-01-01\r\n\r\n\(Self.pdqA.uppercased())\r\n  pdq \(Self.pdqB)  \r\n"
        let entries = try HashListFormat.pdqList.parse(text)
        #expect(entries == [HashListEntry(algo: "pdq", hex: Self.pdqA), HashListEntry(algo: "pdq", hex: Self.pdqB)])
    }

    @Test func pdqListReadsTheReferenceHasherLines() throws {
        let entries = try HashListFormat.pdqList.parse("\(Self.pdqB),100,reg-test-input/dih/bridge-1-original.jpg\n")
        #expect(entries == [HashListEntry(label: "reg-test-input/dih/bridge-1-original.jpg", algo: "pdq", hex: Self.pdqB, quality: 100)])
    }

    @Test func txReadsSignalLinesWithOrWithoutPrefix() throws {
        let text = "pdq \(Self.pdqA)\nPDQ \(Self.pdqB)\n\(Self.pdqA)\n"
        let entries = try HashListFormat.tx.parse(text)
        #expect(entries.map(\.hex) == [Self.pdqA, Self.pdqB, Self.pdqA])
        #expect(entries.allSatisfy { $0.algo == "pdq" })
    }

    @Test(arguments: [
        ("pdq \(String(pdqA.dropLast()))", "pdq: expected 64 hex digits, got 63"),
        ("pdq \(String(pdqA.dropLast()))x", "pdq: not hexadecimal ('x' at position 64)"),
        ("md5 d41d8cd98f00b204e9800998ecf8427e", "unsupported signal type 'md5' (only pdq)"),
        ("pdq \(pdqA) extra", "expected 'pdq <hex>' or '<hex>', got 3 words"),
    ])
    func txRejectsBadLinesWithTheLineNumber(line: String, reason: String) {
        let text = "# header\npdq \(Self.pdqA)\n\(line)\n"
        #expect(throws: InteropError(line: 3, reason)) { try HashListFormat.tx.parse(text) }
    }

    @Test func lenientModeKeepsGoodLinesAndCollectsErrors() throws {
        let text = "\(Self.pdqA)\nnot-a-hash\n\n\(Self.pdqB)\nabc\n"
        let result = try HashListFormat.pdqList.parseLenient(text)
        #expect(result.entries.map(\.hex) == [Self.pdqA, Self.pdqB])
        #expect(result.errors.map(\.line) == [2, 5])
        #expect(result.errors[1].description == "line 5: pdq: expected 64 hex digits, got 3")
        // Strict mode stops at the first of them.
        #expect(throws: InteropError(line: 2, "pdq: not hexadecimal ('n' at position 1)")) {
            try HashListFormat.pdqList.parse(text)
        }
    }

    @Test func imagehashReadsBareAndPrefixedLines() throws {
        let text = "d14b2e3c4a5b6c7d\ndhash 0F0E0D0C0B0A0908\n# comment\nwhash ffffffffffffffff\n"
        let entries = try HashListFormat.imagehash.parse(text)
        #expect(entries == [
            HashListEntry(algo: "phash", hex: "d14b2e3c4a5b6c7d"),
            HashListEntry(algo: "dhash", hex: "0f0e0d0c0b0a0908"),
            HashListEntry(algo: "whash", hex: "ffffffffffffffff"),
        ])
        #expect(try HashListFormat.imagehash.parse("d14b2e3c4a5b6c7d", defaultAlgo: "ahash")[0].algo == "ahash")
        #expect(throws: InteropError(line: 1, "phash: expected 16 hex digits, got 64")) {
            try HashListFormat.imagehash.parse(Self.pdqA)
        }
        #expect(throws: InteropError(line: 2, "unknown imagehash algorithm 'colorhash' (known: phash, dhash, ahash, whash)")) {
            try HashListFormat.imagehash.parse("d14b2e3c4a5b6c7d\ncolorhash d14b2e3c4a5b6c7d\n")
        }
        #expect(throws: InteropError.self) { try HashListFormat.imagehash.parse("", defaultAlgo: "pdq") }
    }

    @Test func csvReadsWhatHashJobWritesIncludingQuotedPathsWithNewlines() throws {
        let text = """
            path,algo,hex,quality\r
            "dir, with comma/a.jpg",pdq,\(Self.pdqA.uppercased()),87\r
            "two\r
            lines ""quoted"".png",phash,d14b2e3c4a5b6c7d,\r
            b.jpg,pdq8.rot90,\(Self.pdqB),100\r

            """
        let entries = try HashListFormat.csv.parse(text)
        #expect(entries == [
            HashListEntry(label: "dir, with comma/a.jpg", algo: "pdq", hex: Self.pdqA, quality: 87),
            HashListEntry(label: "two\nlines \"quoted\".png", algo: "phash", hex: "d14b2e3c4a5b6c7d", quality: nil),
            HashListEntry(label: "b.jpg", algo: "pdq8.rot90", hex: Self.pdqB, quality: 100),
        ])
    }

    @Test func csvErrorsNameTheRecordsFirstLine() throws {
        let text = "path,algo,hex,quality\na.jpg,pdq,\(Self.pdqA),101\n\"b\nc.jpg\",sha1,00,\nd.jpg,pdq,\(Self.pdqA)\n\"open,pdq,\(Self.pdqA),\n"
        let result = try HashListFormat.csv.parseLenient(text)
        #expect(result.entries.isEmpty)
        #expect(result.errors == [
            InteropError(line: 2, "quality must be an integer 0–100, got '101'"),
            InteropError(line: 3, "unknown algorithm 'sha1'"),
            InteropError(line: 5, "expected 4 fields as in the header, got 3"),
            InteropError(line: 6, "unterminated quoted field"),
        ])
        #expect(throws: InteropError(line: 1, "CSV header must name the columns algo and hex (expected 'path,algo,hex,quality', got 'a.jpg,pdq,x,1')")) {
            try HashListFormat.csv.parseLenient("a.jpg,pdq,x,1\n")
        }
        #expect(throws: InteropError("empty CSV: no 'path,algo,hex,quality' header")) { try HashListFormat.csv.parse("\n\n") }
    }

    @Test func writersRefuseWhatTheFormatCannotCarry() throws {
        let phash = HashListEntry(algo: "phash", hex: "d14b2e3c4a5b6c7d")
        #expect(throws: InteropError("entry 1: the pdq-list format cannot carry phash hashes")) {
            try HashListFormat.pdqList.write([phash])
        }
        #expect(throws: InteropError("entry 2: pdq: expected 64 hex digits, got 3")) {
            try HashListFormat.tx.write([HashListEntry(algo: "pdq", hex: Self.pdqA), HashListEntry(algo: "pdq", hex: "abc")])
        }
        #expect(try HashListFormat.tx.write([HashListEntry(algo: "pdq", hex: Self.pdqA.uppercased())]) == "pdq \(Self.pdqA)\n")
        #expect(try HashListFormat.imagehash.write([phash]) == "phash d14b2e3c4a5b6c7d\n")
        #expect(try HashListFormat.csv.write([HashListEntry(label: "a,b.jpg", algo: "pdq", hex: Self.pdqA, quality: 50)])
            == "path,algo,hex,quality\n\"a,b.jpg\",pdq,\(Self.pdqA),50\n")
        #expect(HashListFormat.csv.carries(algo: "pdq8.flipx") && !HashListFormat.csv.carries(algo: "pdq8.sideways"))
    }

    /// Every real anchor hash goes out through each format that can carry it and comes back unchanged.
    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func realAnchorHashesRoundTripThroughEveryFormat() throws {
        let rows = try SharedData.readTSV("expected/anchor-hashes.tsv")
        var entries: [HashListEntry] = []
        for row in rows {
            let file = row["file"] ?? ""
            if let pdq = row["pdq"], !pdq.isEmpty {
                entries.append(HashListEntry(label: file, algo: "pdq", hex: pdq, quality: Int(row["pdq_quality"] ?? "")))
                let dihedral = (row["pdq8"] ?? "").split(separator: ",").map(String.init)
                for (name, hex) in zip(HashJob.dihedralNames, dihedral) {
                    entries.append(HashListEntry(label: file, algo: "pdq8.\(name)", hex: hex))
                }
            }
            for algo in HashListFormat.imagehashAlgorithms {
                if let hex = row["ih_\(algo)"], !hex.isEmpty { entries.append(HashListEntry(label: file, algo: algo, hex: hex)) }
            }
        }
        #expect(entries.count > 1000)
        for format in HashListFormat.allCases {
            let carried = entries.filter { format.carries(algo: $0.algo) }
            #expect(!carried.isEmpty)
            let back = try format.parse(try format.write(carried))
            switch format {
            case .csv:
                #expect(back == carried)
            case .pdqList, .tx, .imagehash:
                // Line formats carry no labels or qualities.
                #expect(back == carried.map { HashListEntry(algo: $0.algo, hex: $0.hex) })
            }
        }
    }

    /// The PDQ reference's expected.csv, read through the CSV reader by its own header names.
    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func referenceExpectedCSVIsReadableAsAPDQList() throws {
        let text = try String(contentsOf: SharedData.url("pdq-reference/expected.csv"), encoding: .utf8)
        // Map its header onto ours: image → path, expected_hex → hex, and every row is PDQ.
        var lines = HashListFormat.lines(of: text)
        #expect(lines.removeFirst().hasPrefix("source,image,expected_hex,expected_quality"))
        let converted = "path,algo,hex,quality\n" + lines.map { line -> String in
            let f = CSV.split(line)
            return [CSV.field(f[1]), "pdq", f[2], f[3]].joined(separator: ",")
        }.joined(separator: "\n")
        let parsed = try HashListFormat.csv.parseLenient(converted)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(parsed.entries.count == lines.count)
        #expect(parsed.entries.allSatisfy { $0.hex.count == 64 })
    }
}
