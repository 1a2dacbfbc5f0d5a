/// Why the case-work domain refused a value or a state change.
///
/// One error type for the module: every refusal names the subject (e.g. `object TAO-2026-014`, `tip 17`)
/// so an analyst reading the CLI message knows what was refused and why, without a stack trace.
public enum CaseWorkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A field value is malformed (bad code, unknown country, empty reason, ...).
    case invalidValue(field: String, value: String, reason: String)
    /// The subject's current state does not allow the requested change.
    case invalidTransition(subject: String, from: String, to: String, reason: String)
    /// Four-eyes: the same analyst tried to approve an object a second time.
    case duplicateApproval(subject: String, analyst: String)

    /// A one-line message for analysts.
    public var description: String {
        switch self {
        case let .invalidValue(field, value, reason):
            return "invalid \(field) \"\(value)\": \(reason)"
        case let .invalidTransition(subject, from, to, reason):
            return "\(subject): cannot go from \(from) to \(to): \(reason)"
        case let .duplicateApproval(subject, analyst):
            return "\(subject): \(analyst) has already approved it; four-eyes needs a second, different analyst"
        }
    }
}
