/// Why an interchange file (a hash list or a VICS JSON file) could not be read or written: where, and why.
public struct InteropError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line of a text list, when the problem is on one line.
    public let line: Int?
    /// The JSON path of the offending value (`$.value[0].Media[3].MD5`), when the input is JSON.
    public let path: String?
    /// What is wrong, phrased for an analyst ("expected 64 hex digits, got 63").
    public let reason: String

    /// An error on line `line` of a text list.
    public init(line: Int, _ reason: String) {
        self.line = line
        self.path = nil
        self.reason = reason
    }

    /// An error at JSON path `path`.
    public init(path: String, _ reason: String) {
        self.line = nil
        self.path = path
        self.reason = reason
    }

    /// An error that belongs to no single line or value (e.g. a missing CSV header).
    public init(_ reason: String) {
        self.line = nil
        self.path = nil
        self.reason = reason
    }

    /// `line 3: reason`, `$.value[0].MD5: reason` or the bare reason.
    public var description: String {
        if let line { return "line \(line): \(reason)" }
        if let path { return "\(path): \(reason)" }
        return reason
    }
}
