/// A persistence failure: an SQLite error (with its result code and the SQL), a missing row, or a schema
/// problem. Domain refusals are not wrapped: they surface as `CaseWorkError`.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Kind: String, Equatable, Sendable {
        /// SQLite returned an error code.
        case sqlite
        /// PostgreSQL refused a statement or could not be reached (`sqlState` has its SQLSTATE).
        case postgres
        /// The object, tip or candidate asked for does not exist.
        case notFound
        /// The file's schema is newer than this program or otherwise unusable.
        case schema
        /// Stored data violates an invariant the store relies on (e.g. a bad value in a row).
        case integrity
    }

    /// What kind of failure.
    public let kind: Kind
    /// SQLite extended result code (`SQLITE_CONSTRAINT_UNIQUE` = 2067, ...), 0 when not from SQLite.
    public let resultCode: Int32
    /// SQLite's or the store's message.
    public let message: String
    /// The statement that failed, when there is one.
    public let sql: String?
    /// PostgreSQL's SQLSTATE (e.g. `23505`), nil for SQLite and store errors.
    public let sqlState: String?

    /// Makes an error.
    public init(kind: Kind, resultCode: Int32 = 0, message: String, sql: String? = nil, sqlState: String? = nil) {
        self.kind = kind
        self.resultCode = resultCode
        self.message = message
        self.sql = sql
        self.sqlState = sqlState
    }

    /// The primary SQLite result code (the low byte of the extended code), e.g. 19 = `SQLITE_CONSTRAINT`.
    public var primaryResultCode: Int32 { resultCode & 0xFF }

    /// Whether another connection held a lock for longer than the busy timeout (`SQLITE_BUSY`, `SQLITE_LOCKED`
    /// and their extended codes): the operation changed nothing and may be retried.
    /// For PostgreSQL: a serialization failure, deadlock or lock timeout (mapped to `SQLITE_BUSY`).
    public var isBusy: Bool { (kind == .sqlite || kind == .postgres) && (primaryResultCode == 5 || primaryResultCode == 6) }

    /// A one-line message; the SQL is appended for SQLite errors.
    public var description: String {
        switch kind {
        case .sqlite:
            let statement = sql.map { " in: " + $0.split(whereSeparator: \.isNewline).joined(separator: " ") } ?? ""
            return "SQLite error \(resultCode): \(message)\(statement)"
        case .postgres:
            let statement = sql.map { " in: " + $0.split(whereSeparator: \.isNewline).joined(separator: " ") } ?? ""
            return "PostgreSQL error \(sqlState ?? "-"): \(message)\(statement)"
        case .notFound, .schema, .integrity:
            return message
        }
    }

    static func notFound(_ what: String) -> StoreError { StoreError(kind: .notFound, message: "\(what) does not exist") }
    static func integrity(_ what: String) -> StoreError { StoreError(kind: .integrity, message: what) }
}
