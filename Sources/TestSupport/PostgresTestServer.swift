import Foundation
public import Store

/// The PostgreSQL server the tests may use: `OBJTRACE_TEST_POSTGRES` names it (a URL whose user may create
/// databases, e.g. `postgres://objtrace@127.0.0.1:54815/postgres`; `.ci/run` starts a throwaway cluster and
/// sets it). Each test store gets a fresh database of its own, dropped when the test releases it.
///
/// Unset or unreachable: PostgreSQL cases are left out of the parameterised suites and one test says so,
/// except under `CI=true`, where that test fails (CI must run the PostgreSQL half).
public enum PostgresTestServer {
    /// The environment variable naming the server.
    public static let variable = "OBJTRACE_TEST_POSTGRES"

    /// The admin URL when it is set and a connection succeeds; nil otherwise (see `unavailableReason`).
    public static let url: PostgresURL? = probe().url

    /// Why PostgreSQL tests do not run, when they do not.
    public static let unavailableReason: String? = probe().reason

    /// Whether this is a CI run (`CI=true`), where PostgreSQL tests must not be skipped.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The message a skipped PostgreSQL test shows.
    public static var skipMessage: String {
        "PostgreSQL tests skipped: \(unavailableReason ?? "?") (set \(variable)=postgres://user@host:port/db; .ci/run starts a server)"
    }

    private static let probed: (url: PostgresURL?, reason: String?) = {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else {
            return (nil, "\(variable) is not set")
        }
        do {
            let url = try PostgresURL(text)
            // Stores in tests are opened by their redacted URL (as an analyst would, with the password kept
            // out of the command line): the password travels in PGPASSWORD, also to child processes.
            if let password = url.password(), ProcessInfo.processInfo.environment["PGPASSWORD"] == nil {
                setenv("PGPASSWORD", password, 1)
            }
            let db = try Database(postgres: url)
            db.close()
            return (url, nil)
        } catch {
            return (nil, "\(variable) is not reachable: \(error)")
        }
    }()

    private static func probe() -> (url: PostgresURL?, reason: String?) { probed }

    /// Creates an empty database on the server and returns its URL (nil when no server is configured).
    public static func createDatabase(prefix: String = "objtrace_test") throws -> PostgresURL? {
        guard let url else { return nil }
        let name = "\(prefix)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        let admin = try Database(postgres: url)
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(name)")
        return url.with(database: name)
    }

    /// Drops a database made by `createDatabase` (closing other sessions on it first).
    public static func dropDatabase(_ target: PostgresURL) {
        guard let url, target.database != url.database else { return }
        guard let admin = try? Database(postgres: url) else { return }
        defer { admin.close() }
        try? admin.execute("DROP DATABASE IF EXISTS \(target.database) WITH (FORCE)")
    }
}

/// A store back end a parameterised test runs against.
public enum StoreBackend: String, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when a server is configured and reachable.
    public static var available: [StoreBackend] { PostgresTestServer.url == nil ? [.sqlite] : [.sqlite, .postgres] }

    public var description: String { rawValue }
}
