import CSQLite

/// A value bound to or read from the database (SQLite's storage classes; PostgreSQL's types map onto them).
public enum SQLValue: Hashable, Sendable {
    /// NULL.
    case null
    /// An INTEGER.
    case integer(Int64)
    /// A REAL.
    case real(Double)
    /// TEXT (UTF-8).
    case text(String)
    /// A BLOB.
    case blob([UInt8])
}

/// The storage class a Swift type binds as. SQLite never asks; PostgreSQL needs it to type a NULL parameter
/// (`?1 IS NULL OR state = ?1` with a nil `String?` binds a NULL of type text).
public enum SQLStorage: Sendable {
    case integer, real, text, blob
}

/// Conversions used when binding Swift values.
public protocol SQLBindable {
    /// The SQLite value.
    var sqlValue: SQLValue { get }
    /// The storage class of this type's values (nil: decided per value).
    static var sqlStorage: SQLStorage? { get }
}

extension SQLBindable {
    public static var sqlStorage: SQLStorage? { nil }
}

extension Int64: SQLBindable {
    public var sqlValue: SQLValue { .integer(self) }
    public static var sqlStorage: SQLStorage? { .integer }
}
extension Int: SQLBindable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static var sqlStorage: SQLStorage? { .integer }
}
extension Double: SQLBindable {
    public var sqlValue: SQLValue { .real(self) }
    public static var sqlStorage: SQLStorage? { .real }
}
extension String: SQLBindable {
    public var sqlValue: SQLValue { .text(self) }
    public static var sqlStorage: SQLStorage? { .text }
}
extension Bool: SQLBindable {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public static var sqlStorage: SQLStorage? { .integer }
}
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
/// nil binds as NULL.
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    public static var sqlStorage: SQLStorage? { Wrapped.sqlStorage }
}

/// The SQL spoken by a connection.
public enum SQLDialect: String, Sendable {
    /// SQLite 3 (the embedded default).
    case sqlite
    /// PostgreSQL 13 or later.
    case postgres
}

/// One connection to the store's database: an SQLite file (synchronous C API, a cache of prepared statements)
/// or a PostgreSQL database (postgres-nio, bridged to these synchronous calls; see `PostgresLink`).
///
/// The store writes its SQL once, in the common subset of both dialects (`?` or `?N` placeholders,
/// `ON CONFLICT … DO NOTHING/UPDATE`, `RETURNING`); this type makes the few translations in one place:
/// placeholders become `$n` on PostgreSQL, `BEGIN IMMEDIATE` becomes `BEGIN` plus a transaction-scoped advisory
/// lock (one writer at a time, as SQLite's write lock), `insert` adds `RETURNING id`.
///
/// Deliberately not `Sendable`: a connection must be used from one thread at a time, and the type
/// system is the cheapest place to enforce that. Wrap it in an actor if it ever needs to be shared.
public final class Database {
    private let handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private let pg: PostgresLink?
    private var pgInTransaction = false
    private var pgChanges = 0
    private var translated: [String: String] = [:]
    /// The file path given at open, or the PostgreSQL URL without its password.
    public let path: String
    /// Which SQL this connection speaks.
    public let dialect: SQLDialect

    /// Opens (creating if needed) a database file with a busy timeout; no pragmas are set here.
    public convenience init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws(StoreError) {
        if case let .postgres(url) = try StoreLocation(path) {
            try self.init(postgres: url)
            return
        }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw StoreError(kind: .sqlite, resultCode: rc, message: "\(message) (\(path))")
        }
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        self.init(handle: db, pg: nil, dialect: .sqlite, path: path)
    }

    /// Connects to a PostgreSQL database (which must exist; `objtrace init` creates the schema in it).
    public convenience init(postgres url: PostgresURL) throws(StoreError) {
        self.init(handle: nil, pg: try PostgresLink(url: url), dialect: .postgres, path: url.redacted)
    }

    private init(handle: OpaquePointer?, pg: PostgresLink?, dialect: SQLDialect, path: String) {
        self.handle = handle
        self.pg = pg
        self.dialect = dialect
        self.path = path
    }

    deinit {
        for stmt in statements.values { sqlite3_finalize(stmt) }
        if let handle { sqlite3_close_v2(handle) }
    }

    /// Closes a PostgreSQL connection now (SQLite closes when released).
    public func close() { pg?.close() }

    /// Runs one or more statements separated by `;` with no parameters (schema scripts, pragmas).
    public func execute(_ sql: String) throws(StoreError) {
        if let pg {
            for statement in SQLScript.statements(sql) {
                _ = try pg.run(statement)
                notePostgresTransactionControl(statement)
            }
            return
        }
        guard let handle else { return }
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errmsg)
            throw StoreError(kind: .sqlite, resultCode: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// Runs one statement that returns no rows we need.
    public func run(_ sql: String, _ values: [any SQLBindable] = []) throws(StoreError) {
        if let pg {
            pgChanges = try pg.run(postgresSQL(sql), values.map { ($0.sqlValue, type(of: $0).sqlStorage) }).affected
            return
        }
        try withStatement(sql, values) { (stmt) throws(StoreError) in
            while try step(stmt, sql) {}
        }
    }

    /// Runs one query and maps each row.
    public func query<T>(
        _ sql: String, _ values: [any SQLBindable] = [], _ map: (Row) throws(StoreError) -> T
    ) throws(StoreError) -> [T] {
        var out: [T] = []
        if let pg {
            let result = try pg.run(postgresSQL(sql), values.map { ($0.sqlValue, type(of: $0).sqlStorage) })
            pgChanges = result.affected
            for values in result.rows { out.append(try map(Row(values: values, names: result.columns, sql: sql))) }
            return out
        }
        try withStatement(sql, values) { (stmt) throws(StoreError) in
            while try step(stmt, sql) { out.append(try map(Row(stmt: stmt, sql: sql))) }
        }
        return out
    }

    /// Runs one query and maps its first row, if any.
    public func queryFirst<T>(
        _ sql: String, _ values: [any SQLBindable] = [], _ map: (Row) throws(StoreError) -> T
    ) throws(StoreError) -> T? {
        var out: T?
        if let pg {
            let result = try pg.run(postgresSQL(sql), values.map { ($0.sqlValue, type(of: $0).sqlStorage) })
            pgChanges = result.affected
            if let first = result.rows.first { out = try map(Row(values: first, names: result.columns, sql: sql)) }
            return out
        }
        try withStatement(sql, values) { (stmt) throws(StoreError) in
            if try step(stmt, sql) { out = try map(Row(stmt: stmt, sql: sql)) }
        }
        return out
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT`, rolling back if it throws.
    ///
    /// IMMEDIATE takes the write lock up front, so two processes never both read then fail to upgrade
    /// (which a deferred transaction would report as SQLITE_BUSY mid-way). Nested calls use savepoints.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        // Inside an open transaction (a command composed of several store operations) a savepoint makes
        // the inner operation undoable on its own while the outer one still commits or rolls back whole.
        if isInTransaction {
            savepointDepth += 1
            let name = "sp\(savepointDepth)"
            defer { savepointDepth -= 1 }
            try execute("SAVEPOINT \(name)")
            do {
                let result = try body()
                try execute("RELEASE \(name)")
                return result
            } catch {
                rollbackCount += 1
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
                throw error
            }
        }
        try execute(dialect == .postgres ? Self.postgresBeginWrite : "BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // ROLLBACK can only fail if SQLite already rolled back (e.g. after SQLITE_FULL); the body's
            // error is the one worth reporting.
            rollbackCount += 1
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    private var savepointDepth = 0

    /// How many transactions and savepoints this connection rolled back: a cache of rows read on this
    /// connection (which may have been written by a rolled-back transaction) is valid while this is unchanged.
    public private(set) var rollbackCount = 0

    /// On PostgreSQL a write transaction starts by taking one transaction-scoped advisory lock, so writers take
    /// turns exactly as under SQLite's `BEGIN IMMEDIATE`: a command reads the state it checks (a tip's state,
    /// an object's approvals, the audit chain's head) and writes in one turn, readers never wait, and the lock
    /// is released by COMMIT or ROLLBACK, also when the client dies.
    static let postgresBeginWrite = "BEGIN; SELECT pg_advisory_xact_lock(\(writeLockKey))"

    /// The advisory-lock key of the write lock (an arbitrary constant: "objtrace" in ASCII, folded to 63 bits).
    public static let writeLockKey: Int64 = 0x6F626A7472616365

    /// Whether a transaction is open on this connection.
    public var isInTransaction: Bool {
        if pg != nil { return pgInTransaction }
        guard let handle else { return false }
        return sqlite3_get_autocommit(handle) == 0
    }

    /// The id of the last row inserted into a table with an `id` key on this connection (PostgreSQL:
    /// `lastval()`, the identity sequence the INSERT advanced).
    public var lastInsertRowID: Int64 {
        if let pg {
            guard let row = (try? pg.run("SELECT lastval()"))?.rows.first, case let .integer(n)? = row.first else { return 0 }
            return n
        }
        guard let handle else { return 0 }
        return sqlite3_last_insert_rowid(handle)
    }

    /// Runs an INSERT into a table keyed by `id` and returns the new row's id (PostgreSQL: `RETURNING id`, one
    /// round trip; SQLite: the last rowid).
    public func insert(_ sql: String, _ values: [any SQLBindable]) throws(StoreError) -> Int64 {
        guard dialect == .postgres else {
            try run(sql, values)
            return lastInsertRowID
        }
        guard let id = try queryFirst(sql + " RETURNING id", values, { $0.int(0) }) else {
            throw StoreError(kind: .postgres, message: "the insert returned no id", sql: sql)
        }
        pgChanges = 1
        return id
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    public var changes: Int {
        if pg != nil { return pgChanges }
        guard let handle else { return 0 }
        return Int(sqlite3_changes(handle))
    }

    /// Whether a table exists (`sqlite_master` / `information_schema`).
    public func tableExists(_ name: String) throws(StoreError) -> Bool {
        switch dialect {
        case .sqlite:
            return try queryFirst("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]) { _ in true } ?? false
        case .postgres:
            // to_regclass, not information_schema (whose views cost milliseconds per query).
            return try queryFirst("SELECT to_regclass(?) IS NOT NULL", [name]) { $0.bool(0) } ?? false
        }
    }

    /// The user tables, sorted by name.
    public func tableNames() throws(StoreError) -> [String] {
        switch dialect {
        case .sqlite:
            return try query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name") { $0.text(0) }
        case .postgres:
            return try query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1") {
                $0.text(0)
            }
        }
    }

    /// The engine and its version, e.g. `SQLite 3.40.1` or `PostgreSQL 15.18`.
    public func engineVersion() throws(StoreError) -> String {
        switch dialect {
        case .sqlite: return "SQLite " + Self.sqliteVersion
        case .postgres: return "PostgreSQL " + (try queryFirst("SHOW server_version") { $0.text(0) } ?? "?")
        }
    }

    private func notePostgresTransactionControl(_ statement: String) {
        let word = statement.prefix(while: { !$0.isWhitespace && $0 != ";" }).uppercased()
        switch word {
        case "BEGIN", "START": pgInTransaction = true
        case "COMMIT", "END", "ROLLBACK", "ABORT":
            // ROLLBACK TO SAVEPOINT keeps the transaction open.
            if !statement.uppercased().contains(" TO ") { pgInTransaction = false }
        default: break
        }
    }

    /// `?` / `?N` placeholders as `$n` (outside quoted text), cached per statement.
    private func postgresSQL(_ sql: String) -> String {
        if let done = translated[sql] { return done }
        let out = SQLScript.postgresPlaceholders(sql)
        translated[sql] = out
        return out
    }

    /// The SQLite library version, e.g. `3.40.1`.
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }

    // MARK: - statements

    private func withStatement(
        _ sql: String, _ values: [any SQLBindable], _ body: (OpaquePointer) throws(StoreError) -> Void
    ) throws(StoreError) {
        let stmt = try prepared(sql)
        // Reset on every exit so a cached statement never holds a read snapshot or stale bindings.
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        try bind(values, to: stmt, sql: sql)
        try body(stmt)
    }

    private func prepared(_ sql: String) throws(StoreError) -> OpaquePointer {
        if let stmt = statements[sql] { return stmt }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(sql) }
        statements[sql] = stmt
        return stmt
    }

    private func bind(_ values: [any SQLBindable], to stmt: OpaquePointer, sql: String) throws(StoreError) {
        let expected = Int(sqlite3_bind_parameter_count(stmt))
        guard expected == values.count else {
            throw StoreError(kind: .sqlite, resultCode: SQLITE_RANGE,
                             message: "statement has \(expected) parameters, \(values.count) given", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            let i = Int32(offset + 1)
            let rc: Int32
            switch value.sqlValue {
            case .null: rc = sqlite3_bind_null(stmt, i)
            case let .integer(v): rc = sqlite3_bind_int64(stmt, i, v)
            case let .real(v): rc = sqlite3_bind_double(stmt, i, v)
            case let .text(v):
                // Bind by byte count, so embedded NULs survive; an empty buffer may have no base address,
                // which SQLite would read as NULL, hence the explicit "".
                var s = v
                rc = s.withUTF8 { buf in
                    buf.isEmpty ? sqlite3_bind_text(stmt, i, "", 0, Database.transient)
                        : sqlite3_bind_text(stmt, i, buf.baseAddress, Int32(buf.count), Database.transient)
                }
            case let .blob(v):
                rc = v.withUnsafeBytes { buf in
                    sqlite3_bind_blob(stmt, i, buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buf.count),
                                      Database.transient)
                }
            }
            guard rc == SQLITE_OK else { throw error(sql) }
        }
    }

    private func step(_ stmt: OpaquePointer, _ sql: String) throws(StoreError) -> Bool {
        switch sqlite3_step(stmt) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error(sql)
        }
    }

    private func error(_ sql: String) -> StoreError {
        StoreError(kind: .sqlite, resultCode: sqlite3_extended_errcode(handle),
                   message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// SQLITE_TRANSIENT: SQLite copies the bytes before the bind call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

@available(*, unavailable)
extension Database: Sendable {}

/// The current row of a query, valid only inside the mapping closure.
public struct Row {
    fileprivate let stmt: OpaquePointer?
    fileprivate let sql: String
    /// A PostgreSQL row, already read (nil for SQLite, which reads from the statement).
    private let values: [SQLValue]?
    private let names: [String]

    fileprivate init(stmt: OpaquePointer, sql: String) {
        self.stmt = stmt
        self.sql = sql
        values = nil
        names = []
    }

    fileprivate init(values: [SQLValue], names: [String], sql: String) {
        stmt = nil
        self.sql = sql
        self.values = values
        self.names = names
    }

    private func cell(_ i: Int32) -> SQLValue {
        guard let values, i >= 0, Int(i) < values.count else { return .null }
        return values[Int(i)]
    }

    /// Whether column `i` is NULL.
    public func isNull(_ i: Int32) -> Bool {
        guard let stmt else { return cell(i) == .null }
        return sqlite3_column_type(stmt, i) == SQLITE_NULL
    }

    /// Column `i` as an integer (NULL reads as 0).
    public func int(_ i: Int32) -> Int64 {
        guard let stmt else {
            switch cell(i) {
            case let .integer(v): return v
            case let .real(v): return v.isFinite ? Int64(v) : 0
            case let .text(v): return Int64(v) ?? 0
            case .null, .blob: return 0
            }
        }
        return sqlite3_column_int64(stmt, i)
    }

    /// Column `i` as an integer, or nil when NULL.
    public func optionalInt(_ i: Int32) -> Int64? { isNull(i) ? nil : int(i) }

    /// Column `i` as a double (NULL reads as 0).
    public func double(_ i: Int32) -> Double {
        guard let stmt else {
            switch cell(i) {
            case let .integer(v): return Double(v)
            case let .real(v): return v
            case let .text(v): return Double(v) ?? 0
            case .null, .blob: return 0
            }
        }
        return sqlite3_column_double(stmt, i)
    }

    /// Column `i` as a double, or nil when NULL.
    public func optionalDouble(_ i: Int32) -> Double? { isNull(i) ? nil : double(i) }

    /// Column `i` as text (NULL reads as "").
    public func text(_ i: Int32) -> String { optionalText(i) ?? "" }

    /// Column `i` as text, or nil when NULL.
    public func optionalText(_ i: Int32) -> String? {
        guard let stmt else {
            switch cell(i) {
            case .null: return nil
            case let .text(v): return v
            case let .integer(v): return String(v)
            case let .real(v): return String(v)
            case let .blob(v): return String(decoding: v, as: UTF8.self)
            }
        }
        guard let p = sqlite3_column_text(stmt, i) else { return nil }
        let n = Int(sqlite3_column_bytes(stmt, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// Column `i` as a bool (non-zero integer).
    public func bool(_ i: Int32) -> Bool { int(i) != 0 }

    /// The number of columns in the result.
    public var columnCount: Int32 {
        guard let stmt else { return Int32(values?.count ?? 0) }
        return sqlite3_column_count(stmt)
    }

    /// The name of result column `i`.
    public func columnName(_ i: Int32) -> String {
        guard let stmt else { return Int(i) < names.count ? names[Int(i)] : "" }
        return sqlite3_column_name(stmt, i).map { String(cString: $0) } ?? ""
    }

    /// The index of the result column called `name` (its `AS` alias or column name), so records can be read
    /// by name rather than by position.
    public func index(_ name: String) throws(StoreError) -> Int32 {
        for i in 0..<columnCount where columnName(i) == name { return i }
        throw StoreError(kind: .sqlite, resultCode: SQLITE_RANGE, message: "the result has no column \(name)", sql: sql)
    }

    /// Column `name` as an integer (NULL reads as 0).
    public func int(_ name: String) throws(StoreError) -> Int64 { int(try index(name)) }

    /// Column `name` as an integer, or nil when NULL.
    public func optionalInt(_ name: String) throws(StoreError) -> Int64? { optionalInt(try index(name)) }

    /// Column `name` as a double (NULL reads as 0).
    public func double(_ name: String) throws(StoreError) -> Double { double(try index(name)) }

    /// Column `name` as text (NULL reads as "").
    public func text(_ name: String) throws(StoreError) -> String { text(try index(name)) }

    /// Column `name` as text, or nil when NULL.
    public func optionalText(_ name: String) throws(StoreError) -> String? { optionalText(try index(name)) }

    /// Column `name` as a bool (non-zero integer).
    public func bool(_ name: String) throws(StoreError) -> Bool { bool(try index(name)) }

    /// Column `i` with its storage class.
    public func value(_ i: Int32) -> SQLValue {
        guard let stmt else { return cell(i) }
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .integer(int(i))
        case SQLITE_FLOAT: return .real(double(i))
        case SQLITE_TEXT: return .text(text(i))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }
}

@available(*, unavailable)
extension Row: Sendable {}
