import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// Where a store lives: an SQLite file, or a PostgreSQL database named by a `postgres://` URL.
public enum StoreLocation: Equatable, Sendable, CustomStringConvertible {
    /// An SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL database.
    case postgres(PostgresURL)

    /// `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is an SQLite path.
    public init(_ text: String) throws(StoreError) {
        if PostgresURL.looksLikePostgres(text) {
            self = .postgres(try PostgresURL(text))
        } else {
            self = .sqlite(path: text)
        }
    }

    /// The path or the URL without its password: safe to print, log and audit.
    public var description: String {
        switch self {
        case let .sqlite(path): path
        case let .postgres(url): url.redacted
        }
    }
}

/// A parsed `postgres://user[:password]@host[:port]/database[?host=/socket/dir]` URL.
///
/// The password may come from the URL, `PGPASSWORD` or `~/.pgpass` (in that order, as libpq does); it is kept
/// here only to connect and never appears in `description`, `redacted`, errors, logs or the audit log.
public struct PostgresURL: Equatable, Sendable, CustomStringConvertible {
    /// The user name (URL, else `PGUSER`, else `postgres`).
    public var user: String
    /// The host name or address; nil with a unix socket.
    public var host: String?
    /// The port.
    public var port: Int
    /// The unix socket folder (`?host=/dir` or a host starting with `/`); the socket is `.s.PGSQL.<port>` in it.
    public var socketDirectory: String?
    /// The database name (URL, else `PGDATABASE`, else the user name).
    public var database: String
    /// The password from the URL, if any (see `password(environment:)`).
    var urlPassword: String?

    static func looksLikePostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL; a malformed one is refused with a message that never quotes the password.
    public init(_ text: String, environment: [String: String]? = nil) throws(StoreError) {
        let environment = environment ?? ProcessInfo.processInfo.environment
        guard let schemeEnd = text.range(of: "://") else { throw Self.bad("missing postgres:// scheme") }
        var rest = String(text[schemeEnd.upperBound...])
        var query: [String: String] = [:]
        if let q = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                query[kv[0]] = kv.count > 1 ? (kv[1].removingPercentEncoding ?? kv[1]) : ""
            }
            rest = String(rest[..<q])
        }
        var authority = rest
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = String(rest[..<slash])
            path = String(rest[rest.index(after: slash)...])
        }
        var userInfo: String?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = String(authority[..<at])
            hostPort = String(authority[authority.index(after: at)...])
        }
        var user: String?
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                user = String(userInfo[..<colon]).removingPercentEncoding
                urlPassword = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding
            } else {
                user = userInfo.removingPercentEncoding
            }
        }
        var host: String? = nil
        var port = Int(environment["PGPORT"] ?? "") ?? 5432
        if !hostPort.isEmpty {
            if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasPrefix("[") || hostPort[..<colon].hasSuffix("]") {
                guard let p = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(p) else {
                    throw Self.bad("the port is not a number between 1 and 65535")
                }
                port = p
                host = String(hostPort[..<colon])
            } else {
                host = hostPort
            }
            host = host?.removingPercentEncoding
            if let h = host, h.hasPrefix("[") && h.hasSuffix("]") { host = String(h.dropFirst().dropLast()) }
        }
        if let p = query["port"] {
            guard let n = Int(p), (1...65535).contains(n) else { throw Self.bad("the port is not a number between 1 and 65535") }
            port = n
        }
        if let h = query["host"], !h.isEmpty { host = h }
        if host == nil || host == "" { host = environment["PGHOST"] }
        if let h = host, h.hasPrefix("/") {
            socketDirectory = h
            self.host = nil
        } else if let h = host, !h.isEmpty {
            self.host = h
        } else {
            socketDirectory = "/var/run/postgresql"
            self.host = nil
        }
        self.port = port
        self.user = user.flatMap { $0.isEmpty ? nil : $0 } ?? query["user"] ?? environment["PGUSER"] ?? "postgres"
        if urlPassword == nil, let p = query["password"] { urlPassword = p }
        let db = path.removingPercentEncoding ?? path
        self.database = db.isEmpty ? (query["dbname"] ?? environment["PGDATABASE"] ?? self.user) : db
        if let mode = query["sslmode"], !["disable", "allow", "prefer"].contains(mode) {
            throw Self.bad("sslmode=\(mode) is not supported (use a unix socket, loopback or an SSH tunnel)")
        }
    }

    private static func bad(_ why: String) -> StoreError {
        StoreError(kind: .schema, message: "cannot read the PostgreSQL URL: \(why)")
    }

    /// `postgres://user@host:port/database` with no password: safe to print.
    public var redacted: String {
        if let socketDirectory {
            return "postgres://\(user)@/\(database)?host=\(socketDirectory)&port=\(port)"
        }
        let h = host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? ""
        return "postgres://\(user)@\(h):\(port)/\(database)"
    }

    public var description: String { redacted }

    /// The same server and user, another database (tests and `store copy` create scratch databases).
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The password to send: the URL's, else `PGPASSWORD` (when not empty), else the first matching `~/.pgpass` line
    /// (`PGPASSFILE` overrides the path; as libpq, a file readable by others is ignored).
    public func password(environment: [String: String]? = nil) -> String? {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let urlPassword { return urlPassword }
        if let p = environment["PGPASSWORD"], !p.isEmpty { return p }
        let file = environment["PGPASSFILE"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass")
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
              let mode = attributes[.posixPermissions] as? NSNumber, mode.intValue & 0o077 == 0,
              let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let hostField = host ?? "localhost"
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = Self.pgpassFields(String(line))
            guard fields.count == 5 else { continue }
            let wanted = [hostField, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// Splits a `.pgpass` line at unescaped colons (`\:` and `\\` are escapes).
    static func pgpassFields(_ line: String) -> [String] {
        var out: [String] = []
        var current = ""
        var escaped = false
        for ch in line {
            if escaped { current.append(ch); escaped = false }
            else if ch == "\\" { escaped = true }
            else if ch == ":" { out.append(current); current = "" }
            else { current.append(ch) }
        }
        out.append(current)
        return out
    }
}

/// One PostgreSQL connection used synchronously.
///
/// The store's API is synchronous (the CLI is a sequence of blocking calls, the server runs the store on its
/// own threads), so this bridge owns a one-thread `EventLoopGroup` of its own and blocks the calling thread on
/// `EventLoopFuture.wait()`. The caller is never that event-loop thread, so the wait cannot deadlock; each
/// store holds one connection and one small thread, as an SQLite store holds one file handle.
final class PostgresLink {
    let url: PostgresURL
    private let group: MultiThreadedEventLoopGroup
    private let connection: PostgresConnection
    private let logger: Logger
    private var closed = false

    struct Result {
        var columns: [String]
        var rows: [[SQLValue]]
        var affected: Int
    }

    init(url: PostgresURL) throws(StoreError) {
        self.url = url
        var logger = Logger(label: "objtrace.store.postgres")
        logger.logLevel = .critical
        self.logger = logger
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        let password = url.password()
        var configuration: PostgresConnection.Configuration
        if let socket = url.socketDirectory {
            configuration = .init(unixSocketPath: socket + "/.s.PGSQL.\(url.port)", username: url.user,
                                  password: password, database: url.database)
        } else {
            configuration = .init(host: url.host ?? "localhost", port: url.port, username: url.user,
                                  password: password, database: url.database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(10)
        do {
            connection = try PostgresConnection.connect(on: group.next(), configuration: configuration, id: 1,
                                                        logger: logger).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw Self.storeError(error, sql: nil, url: url)
        }
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        try? connection.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Runs one statement with `$n` parameters and collects every row.
    func run(_ sql: String) throws(StoreError) -> Result {
        try run(sql, [(SQLValue, SQLStorage?)]())
    }

    /// Runs one statement; a NULL whose Swift type is known is sent with that type (else the server infers it).
    func run(_ sql: String, _ values: [(SQLValue, SQLStorage?)]) throws(StoreError) -> Result {
        var binds = PostgresBindings(capacity: values.count)
        for (value, storage) in values {
            switch value {
            case .null:
                switch storage {
                case .integer?: binds.append(PostgresData(type: .int8, value: nil))
                case .real?: binds.append(PostgresData(type: .float8, value: nil))
                case .text?: binds.append(PostgresData(type: .text, value: nil))
                case .blob?: binds.append(PostgresData(type: .bytea, value: nil))
                case nil: binds.appendNull()
                }
            case let .integer(v): binds.append(v)
            case let .real(v): binds.append(v)
            case let .text(v): binds.append(v)
            case let .blob(v): binds.append(ByteBuffer(bytes: v))
            }
        }
        let result: PostgresQueryResult
        do {
            result = try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
        } catch {
            throw Self.storeError(error, sql: sql, url: url)
        }
        var columns: [String] = []
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(result.rows.count)
        for row in result.rows {
            if columns.isEmpty { columns = row.map(\.columnName) }
            rows.append(row.map(Self.value))
        }
        return Result(columns: columns, rows: rows, affected: result.metadata.rows ?? 0)
    }

    /// One cell as the store's value type: integers (and booleans) as `.integer`, floating and numeric as
    /// `.real`, bytea as `.blob`, everything else as its text.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard var bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map(SQLValue.real) ?? .null
        case .numeric:
            if let d = try? cell.decode(Decimal.self) { return .real(NSDecimalNumber(decimal: d).doubleValue) }
            return .null
        case .bytea:
            return .blob(bytes.readBytes(length: bytes.readableBytes) ?? [])
        default:
            if let s = try? cell.decode(String.self) { return .text(s) }
            return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        }
    }

    /// A PostgreSQL error as a `StoreError`: the SQLSTATE, the server's message, the statement, never the URL's
    /// password. Constraint violations carry the matching SQLite extended code so callers test one number.
    static func storeError(_ error: any Error, sql: String?, url: PostgresURL) -> StoreError {
        if let e = error as? PSQLError, let info = e.serverInfo {
            let state = info[.sqlState] ?? "?????"
            var message = info[.message] ?? "\(e.code)"
            if let detail = info[.detail] { message += " (\(detail))" }
            return StoreError(kind: .postgres, resultCode: sqliteEquivalent(state), message: message, sql: sql,
                              sqlState: state)
        }
        if let e = error as? PSQLError {
            return StoreError(kind: .postgres, resultCode: 0, message: "\(e.code) talking to \(url.redacted)", sql: sql)
        }
        return StoreError(kind: .postgres, resultCode: 0, message: "cannot reach \(url.redacted): \(error)", sql: sql)
    }

    /// SQLite's extended result code for the same failure (0 when there is none).
    static func sqliteEquivalent(_ state: String) -> Int32 {
        switch state {
        case "23505": 2067    // SQLITE_CONSTRAINT_UNIQUE
        case "23503": 787     // SQLITE_CONSTRAINT_FOREIGNKEY
        case "23514": 275     // SQLITE_CONSTRAINT_CHECK
        case "23502": 1299    // SQLITE_CONSTRAINT_NOTNULL
        case "P0001": 1811    // SQLITE_CONSTRAINT_TRIGGER (a trigger's RAISE)
        case "40001", "40P01", "55P03": 5  // SQLITE_BUSY: serialization failure, deadlock, lock not available
        default: 1            // SQLITE_ERROR
        }
    }
}

@available(*, unavailable)
extension PostgresLink: Sendable {}
