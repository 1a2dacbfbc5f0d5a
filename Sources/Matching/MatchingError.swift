/// The one error type of the Matching module.
public struct MatchingError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
        case noNegatives(String)
        case noPositives(String)
        case invalidDistance(Int)
        case invalidTarget(Double)
    }

    private let kind: Kind

    /// Calibration needs at least one non-matching pair to measure a false-positive rate.
    public static func noNegatives(_ algorithm: String) -> MatchingError { .init(kind: .noNegatives(algorithm)) }
    /// Calibration needs at least one matching pair to measure a true-positive rate.
    public static func noPositives(_ algorithm: String) -> MatchingError { .init(kind: .noPositives(algorithm)) }
    /// A distance below zero was supplied.
    public static func invalidDistance(_ d: Int) -> MatchingError { .init(kind: .invalidDistance(d)) }
    /// A target rate outside [0, 1] was supplied.
    public static func invalidTarget(_ t: Double) -> MatchingError { .init(kind: .invalidTarget(t)) }

    /// A one-line explanation.
    public var description: String {
        switch kind {
        case .noNegatives(let a): "calibration of \(a): no non-matching pairs, the false-positive rate is undefined"
        case .noPositives(let a): "calibration of \(a): no matching pairs, the true-positive rate is undefined"
        case .invalidDistance(let d): "invalid distance \(d): distances are >= 0"
        case .invalidTarget(let t): "invalid target false-positive rate \(t): must be within 0...1"
        }
    }
}
