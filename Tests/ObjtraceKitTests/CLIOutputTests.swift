import Foundation
import Matching
import ObjtraceKit
import Testing
import TestSupport

/// The `hash` and `inspect` outputs, end to end on `samples/` (shipped with the repository).
@Suite("CLI outputs on samples/")
struct CLIOutputTests {
    let samples = SharedData.repoRoot.appendingPathComponent("samples").path

    func run(_ format: HashJob.Format, _ algos: String, mode: HashMode = .exact) throws -> (out: [String], err: [String], hashed: Int, failed: Int) {
        var out: [String] = [], err: [String] = []
        let job = HashJob(hasher: ImageHasher(algorithms: try HashAlgorithm.parseList(algos), orientation: .stored, mode: mode),
                          format: format, jobs: 2)
        let r = job.run(paths: [samples], emit: { out.append($0) }, report: { err.append($0) })
        return (out, err, r.hashed, r.failed)
    }

    @Test func jsonLinesInInputOrderWithErrorsInline() throws {
        let r = try run(.jsonl, "pdq,pdq8,phash")
        #expect(r.hashed == 7 && r.failed == 3)  // LICENSES.md, run.sh and the corrupt PNG
        let paths = r.out.compactMap { line -> String? in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return obj["path"] as? String
        }
        #expect(paths.count == r.out.count, "every line is a JSON object with a path")
        #expect(paths == paths.sorted(), "results come out in input order")
        let pdq8 = try #require(r.out.first { $0.contains("\"algo\":\"pdq8\"") })
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(pdq8.utf8)) as? [String: Any])
        #expect((obj["hexes"] as? [String])?.count == 8)
        #expect(obj["mode"] as? String == "exact")
        #expect(r.out.contains { $0.contains("corrupt-signature.png") && $0.contains("\"error\":\"corrupt: ") })
        // The pdq line of a sample equals the first dihedral hash (orig).
        let pdqLine = try #require(r.out.first { $0.contains("Alpro") && $0.contains("\"algo\":\"pdq\"") })
        let pdqObj = try #require(try JSONSerialization.jsonObject(with: Data(pdqLine.utf8)) as? [String: Any])
        let alpro8 = try #require(r.out.first { $0.contains("Alpro-Fresh") && $0.contains("pdq8") })
        let alpro8Obj = try #require(try JSONSerialization.jsonObject(with: Data(alpro8.utf8)) as? [String: Any])
        #expect((alpro8Obj["hexes"] as? [String])?.first == pdqObj["hex"] as? String)
    }

    @Test func csvPdqListAndTx() throws {
        let csv = try run(.csv, "pdq,phash")
        #expect(csv.out.first == "path,algo,hex,quality")
        #expect(csv.out.count == 1 + 2 * 7)
        #expect(csv.err.count == 3)
        let list = try run(.pdqList, "pdq")
        #expect(list.out.count == 7 && list.out.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        let tx = try run(.tx, "pdq")
        #expect(tx.out.map { String($0.dropFirst(4)) } == list.out)
        #expect(tx.out.allSatisfy { $0.hasPrefix("pdq ") })
        let parsed = try HashListFormat.tx.parse(tx.out.joined(separator: "\n"))
        #expect(parsed.map(\.hex) == list.out)
    }

    @Test func fastModeIsMarked() throws {
        let exact = try run(.jsonl, "phash"), fast = try run(.jsonl, "phash", mode: .fast)
        #expect(fast.out.filter { $0.contains("\"mode\":\"fast\"") }.count == 7)
        #expect(exact.out.count == fast.out.count)
    }

    @Test func inspectReportsEveryFile() {
        var lines: [String] = []
        let r = InspectJob.run(paths: [samples, "/nonexistent/file.jpg"]) { lines.append($0) }
        #expect(r.read == 7 && r.failed == 4)
        #expect(lines.last?.contains("no such file") == true)
        #expect(lines.contains { $0.contains("tropicana-rotated.png") && $0.contains("\"format\":\"png\"") })
    }
}
