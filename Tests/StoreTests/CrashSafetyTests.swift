import CaseWork
import Foundation
import Store
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The import loop a real importer runs: skip lines already in `import_progress`, submit the rest one
/// transaction each, with the line's progress row written in the same transaction.
enum ImportScript {
    static let source = "crash-test.jsonl"

    static func lines(_ count: Int) -> [String] {
        (1...count).map { #"{"text":"tip \#($0): the bottle is sold in shop \#($0 % 40)","brand":"Brand\#($0 % 25)","country":"PL"}"# }
    }

    static func run(store: CaseStore, count: Int) throws -> Int {
        let done = try store.importProgress(source: source)
        var submitted = 0
        for (i, line) in lines(count).enumerated() {
            let lineSHA = try SHA256Hex(CaseStore.sha256Hex(Array(line.utf8)))
            if done[lineSHA] != nil { continue }
            let photo = TipPhoto(originalSHA256: try sha("photo of line \(i)"), workingSHA256: try sha("working \(i)"),
                                 originalHadGPS: i % 3 == 0, originalHadDeviceSerial: false)
            let s = try TipSubmission(receivedOn: DayDate(iso: "2026-11-29"), channel: .import, language: "en",
                                      text: "tip \(i + 1)", claims: TipClaims(brand: "Brand\(i % 25)", country: "PL"),
                                      photos: [photo])
            let hashes = [try HashRecord(algo: "pdq", hex: String(repeating: "a5", count: 32), quality: 80),
                          try HashRecord(algo: "dhash", hex: "0f0f0f0f0f0f0f0f")]
            try store.submitTip(s, photoHashes: [photo.originalSHA256: hashes],
                                importLine: ImportLine(source: source, lineNumber: i + 1, lineSHA256: lineSHA),
                                by: try AnalystID("importer"))
            submitted += 1
        }
        return submitted
    }
}

@Suite struct CrashSafetyTests {
    static let childVariable = "OBJTRACE_STORE_CHILD_IMPORT"
    static let childStorePath = ProcessInfo.processInfo.environment[childVariable]
    static let tipCount = 2000

    /// Runs only in the child process that the kill test starts (and then kills).
    @Test(.enabled(if: childStorePath != nil, "runs only as the kill test's child process"))
    func childImport() throws {
        let store = try CaseStore(path: try #require(Self.childStorePath), durability: .normal)
        _ = try ImportScript.run(store: store, count: Self.tipCount)
    }

    /// SIGKILL during a 2,000-tip import leaves only whole tips; re-running finishes it without duplicates.
    @Test(.enabled(if: childStorePath == nil))
    func killedImportLeavesWholeTipsAndResumes() throws {
        let t = try TempStore()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--testing-library", "swift-testing", "--filter", "childImport"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: t.path]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()

        // Kill once a few hundred tips are in: most of the child's time is inside a transaction.
        let deadline = Date().addingTimeInterval(120)
        var stored: Int64 = 0
        while stored < 300 && child.isRunning && Date() < deadline {
            usleep(5_000)
            stored = try t.db.queryFirst("SELECT count(*) FROM tips") { $0.int(0) } ?? 0
        }
        try #require(child.isRunning, "the child finished or died before it could be killed")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)

        let db = t.db
        #expect(try db.queryFirst("PRAGMA integrity_check") { $0.text(0) } == "ok")
        let tips = try #require(try db.queryFirst("SELECT count(*) FROM tips") { $0.int(0) })
        #expect(tips >= 300 && tips < Int64(Self.tipCount))
        // Whole tips only: every tip has its photo, both claims, both hashes, its progress row and its audit row.
        let partial = try db.queryFirst("""
            SELECT count(*) FROM tips t WHERE
              (SELECT count(*) FROM tip_photos p WHERE p.tip_id = t.id) <> 1
              OR (SELECT count(*) FROM tip_claims c WHERE c.tip_id = t.id) <> 2
              OR (SELECT count(*) FROM hashes h JOIN tip_photos p ON h.owner_kind = 'tip_photo' AND h.owner_id = p.id
                  WHERE p.tip_id = t.id) <> 2
              OR NOT EXISTS (SELECT 1 FROM import_progress i WHERE i.tip_id = t.id AND i.outcome = 'imported')
              OR NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.subject = 'tip:' || t.id AND a.action = 'tip.submit')
            """) { $0.int(0) }
        #expect(partial == 0)
        #expect(try db.queryFirst("SELECT count(*) FROM import_progress") { $0.int(0) } == tips)
        #expect(try t.store.verifyAudit() == .ok(count: Int(tips) + Migrations.count))

        // Resume: only the missing lines are submitted, and nothing is duplicated.
        let bulk = try CaseStore(path: t.path, durability: .normal)
        let resumed = try ImportScript.run(store: bulk, count: Self.tipCount)
        #expect(Int64(resumed) == Int64(Self.tipCount) - tips)
        #expect(try db.queryFirst("SELECT count(*), count(DISTINCT content_sha256) FROM tips") { [$0.int(0), $0.int(1)] }
                    == [Int64(Self.tipCount), Int64(Self.tipCount)])
        #expect(try t.store.verifyAudit() == .ok(count: Self.tipCount + Migrations.count))
        #expect(try ImportScript.run(store: bulk, count: Self.tipCount) == 0)
    }
}
