import CSQLite

/// A value bound to or read from SQLite.
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

/// Conversions used when binding Swift values.
public protocol SQLBindable {
    /// The SQLite value.
    var sqlValue: SQLValue { get }
}

extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
/// nil binds as NULL.
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One connection to an SQLite file. Owns the `sqlite3*` handle and a cache of prepared statements.
///
/// Deliberately not `Sendable`: an SQLite connection must be used from one thread at a time, and the type
/// system is the cheapest place to enforce that. Wrap it in an actor if it ever needs to be shared.
public final class Database {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    /// The file path given at open.
    public let path: String

    /// Opens (creating if needed) a database file with a busy timeout; no pragmas are set here.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws(StoreError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw StoreError(kind: .sqlite, resultCode: rc, message: "\(message) (\(path))")
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit {
        for stmt in statements.values { sqlite3_finalize(stmt) }
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements separated by `;` with no parameters (schema scripts, pragmas).
    public func execute(_ sql: String) throws(StoreError) {
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
        try withStatement(sql, values) { (stmt) throws(StoreError) in
            while try step(stmt, sql) {}
        }
    }

    /// Runs one query and maps each row.
    public func query<T>(
        _ sql: String, _ values: [any SQLBindable] = [], _ map: (Row) throws(StoreError) -> T
    ) throws(StoreError) -> [T] {
        var out: [T] = []
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
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
                throw error
            }
        }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // ROLLBACK can only fail if SQLite already rolled back (e.g. after SQLITE_FULL); the body's
            // error is the one worth reporting.
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    private var savepointDepth = 0

    /// Whether a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

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
    fileprivate let stmt: OpaquePointer
    fileprivate let sql: String

    /// Whether column `i` is NULL.
    public func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }

    /// Column `i` as an integer (NULL reads as 0).
    public func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }

    /// Column `i` as an integer, or nil when NULL.
    public func optionalInt(_ i: Int32) -> Int64? { isNull(i) ? nil : int(i) }

    /// Column `i` as a double (NULL reads as 0).
    public func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }

    /// Column `i` as a double, or nil when NULL.
    public func optionalDouble(_ i: Int32) -> Double? { isNull(i) ? nil : double(i) }

    /// Column `i` as text (NULL reads as "").
    public func text(_ i: Int32) -> String { optionalText(i) ?? "" }

    /// Column `i` as text, or nil when NULL.
    public func optionalText(_ i: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, i) else { return nil }
        let n = Int(sqlite3_column_bytes(stmt, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// Column `i` as a bool (non-zero integer).
    public func bool(_ i: Int32) -> Bool { int(i) != 0 }

    /// The number of columns in the result.
    public var columnCount: Int32 { sqlite3_column_count(stmt) }

    /// The index of the result column called `name` (its `AS` alias or column name), so records can be read
    /// by name rather than by position.
    public func index(_ name: String) throws(StoreError) -> Int32 {
        for i in 0..<columnCount {
            if let p = sqlite3_column_name(stmt, i), String(cString: p) == name { return i }
        }
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
