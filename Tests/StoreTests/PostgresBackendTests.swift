import CaseWork
import Foundation
import Store
import TestSupport
import Testing

/// The PostgreSQL half of the parameterised store suites runs only against a real server; this says when it
/// did not, and fails a CI run (`CI=true`) that would otherwise pass with half the suite silently missing.
@Suite struct PostgresBackendTests {
    @Test func postgresCasesRanOrTheSkipIsVisible() throws {
        guard PostgresTestServer.url == nil else { return }
        if PostgresTestServer.isCI {
            Issue.record("CI=true but the PostgreSQL store tests cannot run: \(PostgresTestServer.skipMessage)")
        } else {
            try Test.cancel(Comment(rawValue: PostgresTestServer.skipMessage))
        }
    }

    @Test func urlsParseAndNeverPrintThePassword() throws {
        let url = try PostgresURL("postgres://ana:s3cr%40t@db.example:6543/cases", environment: [:])
        #expect(url.user == "ana" && url.host == "db.example" && url.port == 6543 && url.database == "cases")
        #expect(url.redacted == "postgres://ana@db.example:6543/cases")
        #expect(!"\(url)".contains("s3cr") && !"\(StoreLocation.postgres(url))".contains("s3cr"))
        let socket = try PostgresURL("postgresql:///cases?host=/tmp/pg&port=54815", environment: ["PGUSER": "bo"])
        #expect(socket.socketDirectory == "/tmp/pg" && socket.port == 54815 && socket.user == "bo" && socket.database == "cases")
        #expect(try StoreLocation("./objtrace.sqlite") == .sqlite(path: "./objtrace.sqlite"))
        #expect(throws: StoreError.self) { try PostgresURL("postgres://a@h:99999/db", environment: [:]) }
        #expect(throws: StoreError.self) { try PostgresURL("postgres://a@h/db?sslmode=verify-full", environment: [:]) }
    }

    @Test func passwordComesFromTheURLThenPGPASSWORDThenPgpass() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("objtrace-pgpass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("pgpass").path
        try "# comment\nother:5432:*:ana:wrong\ndb.example:6543:cases:ana:from\\:file\n".write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let bare = try PostgresURL("postgres://ana@db.example:6543/cases", environment: [:])
        #expect(bare.password(environment: ["PGPASSFILE": file]) == "from:file")
        #expect(bare.password(environment: ["PGPASSFILE": file, "PGPASSWORD": "env"]) == "env")
        let inURL = try PostgresURL("postgres://ana:url@db.example:6543/cases", environment: [:])
        #expect(inURL.password(environment: ["PGPASSFILE": file, "PGPASSWORD": "env"]) == "url")
        // A .pgpass others can read is ignored, as libpq does.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        #expect(bare.password(environment: ["PGPASSFILE": file]) == nil)
    }
}
