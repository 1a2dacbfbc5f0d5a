/// What a review or audit entry is about.
public enum Subject: Hashable, Sendable, CustomStringConvertible {
    /// An object, by public code.
    case object(ObjectCode)
    /// A tip, by number.
    case tip(TipID)
    /// A candidate identification, by number.
    case candidate(CandidateID)
    /// Something else, e.g. `store` for schema events or `import:FILE` for an import run.
    case other(String)

    /// The kind: `object`, `tip`, `candidate` or `other`.
    public var kind: String {
        switch self {
        case .object: return "object"
        case .tip: return "tip"
        case .candidate: return "candidate"
        case .other: return "other"
        }
    }

    /// The key within the kind: the code or number.
    public var key: String {
        switch self {
        case let .object(code): return code.value
        case let .tip(id): return id.description
        case let .candidate(id): return id.description
        case let .other(text): return text
        }
    }

    /// `kind:key`, as written in the audit log, e.g. `object:TAO-2026-014`.
    public var description: String { kind + ":" + key }
}

/// One analyst decision: who, when, what, why.
public struct Review: Hashable, Sendable {
    /// Who decided.
    public let analyst: AnalystID
    /// When.
    public let at: Timestamp
    /// About what.
    public let subject: Subject
    /// The decision, e.g. `approve`, `review:relevant`, `confirm`.
    public let action: String
    /// Why (may be empty where a reason is optional, e.g. approvals).
    public let reason: String

    /// Validates the reason (at most 5,000 characters).
    public init(analyst: AnalystID, at: Timestamp, subject: Subject, action: String, reason: String) throws(CaseWorkError) {
        self.analyst = analyst
        self.at = at
        self.subject = subject
        self.action = action
        self.reason = try Text.optional(reason, field: "reason", maxLength: 5000, multiline: true) ?? ""
    }

    /// Requires a non-empty reason: decisions about tips and candidates must say why.
    public static func requiredReason(_ raw: String) throws(CaseWorkError) -> String {
        try Text.required(raw, field: "reason", maxLength: 5000, multiline: true)
    }
}

extension Subject: Encodable {
    /// Encodes `kind:key`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension Review: Encodable {}
