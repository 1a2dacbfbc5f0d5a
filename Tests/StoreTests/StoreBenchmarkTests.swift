import CaseWork
import Foundation
import Store
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Timings for the report; opt in with `OBJTRACE_STORE_BENCH=1` (debug build is fine, it is I/O-bound).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["OBJTRACE_STORE_BENCH"] == "1", "set OBJTRACE_STORE_BENCH=1"))
struct StoreBenchmarkTests {
    @Test(arguments: ["NORMAL", "FULL"])
    func twoThousandTipsOneTransactionEach(synchronous: String) throws {
        let t = try TempStore()
        try t.published("TAO-2026-014")
        try t.db.execute("PRAGMA synchronous = \(synchronous)")
        let n = 2000
        let clock = ContinuousClock()
        let submissions = try (0..<n).map { i in
            let photo = TipPhoto(originalSHA256: try sha("o\(i)"), workingSHA256: try sha("w\(i)"),
                                 originalHadGPS: i % 7 == 0, originalHadDeviceSerial: false)
            return (try TipSubmission(receivedOn: DayDate(iso: "2026-11-29"), channel: .import, language: "en",
                                      text: "tip number \(i): sold in shop \(i % 50)",
                                      claims: TipClaims(brand: "Brand\(i % 30)", country: "PL"), photos: [photo],
                                      aboutObject: ObjectCode("TAO-2026-014")),
                    photo.originalSHA256,
                    ImportLine(source: "bench.jsonl", lineNumber: i + 1, lineSHA256: try sha("line\(i)")))
        }
        let pdq = try HashRecord(algo: "pdq", hex: String(repeating: "5a", count: 32), quality: 90)
        let phash = try HashRecord(algo: "phash", hex: "0123456789abcdef")
        let cpuBefore = cpuSeconds()
        let insert = try clock.measure {
            for (s, orig, line) in submissions {
                _ = try t.store.submitTip(s, photoHashes: [orig: [pdq, phash]], importLine: line, by: Ana.alice)
            }
        }
        let insertCPU = cpuSeconds() - cpuBefore
        let rerun = try clock.measure {
            for (s, orig, line) in submissions {
                let r = try t.store.submitTip(s, photoHashes: [orig: [pdq, phash]], importLine: line, by: Ana.alice)
                #expect(!r.isNew)
            }
        }
        var listed = 0
        let list = try clock.measure { listed = try t.store.tips().count }
        var queued = 0
        let queue = try clock.measure { queued = try t.store.queue(limit: 50).count }
        var verdict = AuditVerdict.ok(count: 0)
        let verify = try clock.measure { verdict = try t.store.verifyAudit() }
        let bytes = (try FileManager.default.attributesOfItem(atPath: t.path)[.size] as? Int ?? 0)
            + (try FileManager.default.attributesOfItem(atPath: t.path + "-wal")[.size] as? Int ?? 0)
        #expect(listed == n && queued == 50)
        #expect(verdict == .ok(count: n + 5 + Migrations.count))
        print("""
            [store bench] synchronous=\(synchronous) SQLite \(Database.sqliteVersion), \(n) tips (1 photo, 2 hashes, 2 claims, import line, audit row each):
              insert, one transaction each: \(insert) (\(per(insert, n)) per tip; process CPU \(String(format: "%.2f", insertCPU)) s)
              re-run (all duplicates):      \(rerun) (\(per(rerun, n)) per tip)
              list all tips:                \(list)
              queue(limit: 50):             \(queue)
              verifyAudit (\(n + 6) rows):     \(verify)
              file + wal bytes:             \(bytes)
            """)
    }

    /// User + system CPU seconds of this process: a load-independent view when other builds share the cores.
    private func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    private func per(_ d: Duration, _ n: Int) -> String {
        let us = Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
        return String(format: "%.0f µs", us / Double(n))
    }
}
