import Foundation
import Store
import Testing
import TestSupport

/// The same commands on an SQLite file and on a PostgreSQL database print the same lines; a password in a
/// `postgres://` URL is used but never printed or audited; `store copy` moves a whole case both ways.
@Suite("objtrace on PostgreSQL", .serialized,
       .enabled(if: CLI.executable != nil, "the objtrace executable is not built"),
       .enabled(if: PostgresTestServer.url != nil, Comment(rawValue: PostgresTestServer.skipMessage)))
struct PostgresCLITests {
    /// A scenario an analyst runs, with the lines that name the store itself left out of the comparison.
    func scenario(_ cli: CLI) throws -> [String] {
        try cli.publishedCase()
        var out: [String] = []
        for (args, analyst) in [
            (["tip", "submit", "--text", "Seen at the corner shop", "--brand", "Alpro", "--country", "SE"], "alice"),
            (["tip", "submit", "--text", "Same carton", "--photo", CLI.sample("tips/alpro-mirrored-resized.jpg")], "alice"),
            (["tip", "submit", "--text", "Seen at the corner shop", "--brand", "Alpro", "--country", "SE"], "alice"),
            (["queue"], "bob"), (["tip", "list"], "bob"), (["tip", "show", "2"], "bob"), (["object", "list"], "bob"),
            (["review", "1", "--decision", "relevant", "--reason", "names the brand"], "bob"),
            (["review", "1", "--decision", "spam", "--reason", "again"], "carol"),
            (["candidate", "list", "TAO-2026-001"], "bob"), (["stats"], "bob"), (["object", "approve", "TAO-2026-001"], "alice"),
        ] {
            let r = try cli.run(args, analyst: analyst)
            out.append("$ \(args.joined(separator: " ")) -> \(r.status)")
            out += r.outLines
            out += r.err.split(separator: "\n").map { "! " + $0 }
        }
        return out
    }

    @Test func sameOutputOnSQLiteAndPostgreSQL() throws {
        let sqlite = try CLI()
        defer { sqlite.cleanUp() }
        let url = try #require(try PostgresTestServer.createDatabase())
        defer { PostgresTestServer.dropDatabase(url) }
        let postgres = try CLI(store: url.redacted)
        defer { postgres.cleanUp() }
        let a = try scenario(sqlite), b = try scenario(postgres)
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) { #expect(x == y) }
        #expect(a.contains { $0.hasPrefix("! ") && $0.contains("already been decided") })
        let verify = try postgres.run(["audit", "verify"])
        #expect(verify.status == 0 && verify.out.hasPrefix("audit log ok:"), "\(verify)")
    }

    @Test func aPasswordInTheURLIsNeverPrintedOrAudited() throws {
        let url = try #require(try PostgresTestServer.createDatabase())
        defer { PostgresTestServer.dropDatabase(url) }
        let secret = "Sup3r-s3cret-\(UUID().uuidString.prefix(8))"
        // The test server either trusts loopback or checks the password it was started with; a password in the
        // URL wins over PGPASSWORD, so give it the real one when there is one and show this one nowhere.
        let real = url.password() ?? secret
        let withPassword = url.redacted.replacingOccurrences(of: "postgres://\(url.user)@",
                                                             with: "postgres://\(url.user):\(real)@")
        let cli = try CLI(store: withPassword)
        defer { cli.cleanUp() }
        var everything = ""
        for (args, analyst) in [(["init"], "alice"), (["tip", "submit", "--text", "hello"], "alice"), (["stats"], "alice"),
                                (["audit", "verify"], "alice"), (["tip", "show", "99"], "alice"),
                                (["init", "--store", withPassword.replacingOccurrences(of: "/\(url.database)", with: "/no_such_db")], "alice")] {
            let r = try cli.run(args, analyst: analyst)
            everything += r.out + r.err
        }
        #expect(everything.contains("store \(url.redacted) at schema version"))
        #expect(!everything.contains(real) && !everything.contains(secret))
        let db = try Database(postgres: url)
        defer { db.close() }
        let leaked = try db.queryFirst("SELECT count(*) FROM audit_log WHERE details LIKE ? OR subject LIKE ?", ["%\(real)%", "%\(real)%"]) {
            $0.int(0)
        }
        #expect(leaked == 0)
    }

    /// Against a server that checks passwords (the CI cluster does, over TCP): PGPASSWORD and a private
    /// `.pgpass` file work, a wrong password is refused with a message that shows no password.
    @Test func pgpasswordAndPgpassWork() throws {
        let url = try #require(try PostgresTestServer.createDatabase())
        defer { PostgresTestServer.dropDatabase(url) }
        guard let real = url.password(), url.socketDirectory == nil else { return }  // a trusting server checks nothing
        let cli = try CLI(store: url.redacted)
        defer { cli.cleanUp() }
        let env = try cli.run(["init"], analyst: "alice", environment: ["PGPASSWORD": real])
        #expect(env.status == 0, "\(env)")
        let pgpass = cli.dir.appendingPathComponent("pgpass").path
        try "\(url.host ?? "*"):\(url.port):*:\(url.user):\(real)\n".write(toFile: pgpass, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pgpass)
        let file = try cli.run(["stats"], analyst: "alice", environment: ["PGPASSWORD": "", "PGPASSFILE": pgpass])
        #expect(file.status == 0, "\(file)")
        let wrong = "wrong-\(UUID().uuidString.prefix(8))"
        let refused = try cli.run(["stats"], analyst: "alice", environment: ["PGPASSWORD": wrong])
        #expect(refused.status == 1 && refused.err.contains("28P01"), "\(refused)")
        #expect(!refused.err.contains(wrong) && !refused.err.contains(real))
    }

    @Test func storeCopyMovesAWholeCaseBothWays() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        _ = try scenario(cli)
        let url = try #require(try PostgresTestServer.createDatabase())
        defer { PostgresTestServer.dropDatabase(url) }
        let there = try cli.run(["store", "copy", "--from", cli.store, "--to", url.redacted])
        #expect(there.status == 0 && there.outLines.last?.contains("audit log ok") == true, "\(there)")
        let back = cli.dir.appendingPathComponent("back.sqlite").path
        let home = try cli.run(["store", "copy", "--from", url.redacted, "--to", back])
        #expect(home.status == 0 && home.outLines.last?.contains("audit log ok") == true, "\(home)")
        // The same case on all three: same listings, same audit head, each verifies.
        for args in [["audit", "anchor"], ["tip", "list"], ["object", "list"], ["stats"], ["candidate", "list", "TAO-2026-001"]] {
            let original = try cli.run(args, analyst: "bob")
            for store in [url.redacted, back] {
                let copy = try cli.run(args, analyst: "bob", environment: ["OBJTRACE_STORE": store])
                #expect(copy.out == original.out && copy.status == original.status, "\(args) on \(store)")
            }
        }
        for store in [url.redacted, back] {
            let verify = try cli.run(["audit", "verify"], environment: ["OBJTRACE_STORE": store])
            #expect(verify.status == 0, "\(verify)")
        }
        // The copies are live stores: a new tip on PostgreSQL is matched against the copied catalogue and blobs.
        let tip = try cli.run(["tip", "submit", "--text", "after the move", "--photo", CLI.sample("tips/alpro-mirrored-resized.jpg")],
                              analyst: "alice", environment: ["OBJTRACE_STORE": url.redacted])
        #expect(tip.status == 0, "\(tip)")
        // Copying into a store that is not empty is refused and changes nothing.
        let again = try cli.run(["store", "copy", "--from", cli.store, "--to", url.redacted])
        #expect(again.status == 1 && again.err.contains("already holds a store"), "\(again)")
    }
}
