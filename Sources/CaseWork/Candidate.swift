/// The store's number for a candidate identification.
public struct CandidateID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The row id.
    public let rawValue: Int64

    /// Wraps a row id.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    /// The number.
    public var description: String { String(rawValue) }

    /// Orders by number.
    public static func < (a: CandidateID, b: CandidateID) -> Bool { a.rawValue < b.rawValue }
}

/// A hypothesis about an object's origin: any of brand, product, country, at least one present.
public struct Hypothesis: Hashable, Sendable, CustomStringConvertible {
    /// The brand, if part of the hypothesis.
    public let brand: String?
    /// The product, if part of the hypothesis.
    public let product: String?
    /// The country, if part of the hypothesis.
    public let country: CountryCode?

    /// Validates: trimmed texts, at least one part present.
    public init(brand: String? = nil, product: String? = nil, country: CountryCode? = nil) throws(CaseWorkError) {
        self.brand = try Text.optional(brand, field: "brand", maxLength: 200)
        self.product = try Text.optional(product, field: "product", maxLength: 200)
        self.country = country
        guard self.brand != nil || self.product != nil || country != nil else {
            throw .invalidValue(field: "hypothesis", value: "", reason: "needs a brand, a product or a country")
        }
    }

    /// The identity of a hypothesis within an object: case-insensitive, so `ACME` and `acme` are one candidate.
    public var key: String {
        var w = CanonicalWriter(tag: "h1")
        w.field("brand", brand?.lowercased() ?? "")
        w.field("product", product?.lowercased() ?? "")
        w.field("country", country?.value ?? "")
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// `brand / product / country` with `-` for absent parts.
    public var description: String {
        [brand ?? "-", product ?? "-", country?.value ?? "-"].joined(separator: " / ")
    }
}

/// Where a candidate identification is in its review.
public enum CandidateState: String, CaseIterable, Sendable {
    /// Suggested (by the matcher or an analyst).
    case proposed
    /// Supported by enough independent tips, or judged so by an analyst.
    case corroborated
    /// Accepted by an analyst; final.
    case confirmed
    /// Dismissed by an analyst; final.
    case rejected

    /// The states each state may move to; anything else is refused.
    public static let allowedNext: [CandidateState: Set<CandidateState>] = [
        .proposed: [.corroborated, .rejected],
        .corroborated: [.confirmed, .rejected],
        .confirmed: [],
        .rejected: [],
    ]
}

/// A candidate identification of an object with the tips that support it.
public struct Candidate: Hashable, Sendable {
    /// The store's number.
    public let id: CandidateID
    /// The object it would identify.
    public let object: ObjectCode
    /// The hypothesis.
    public let hypothesis: Hypothesis
    /// Distinct supporting tips, ascending.
    public private(set) var supportingTips: [TipID]
    /// The latest score given by the matcher or analyst (higher = stronger).
    public private(set) var score: Double
    /// Current state.
    public private(set) var state: CandidateState
    /// The analyst who confirmed or rejected it.
    public private(set) var decidedBy: AnalystID?

    /// Distinct supporting tips at which a proposed candidate becomes corroborated on its own.
    public static let corroborationThreshold = 2

    /// A candidate in any state (restoring from the store, tests); a new one is `proposed`.
    public init(
        id: CandidateID, object: ObjectCode, hypothesis: Hypothesis, supportingTips: [TipID] = [],
        score: Double = 0, state: CandidateState = .proposed, decidedBy: AnalystID? = nil
    ) throws(CaseWorkError) {
        guard score.isFinite else { throw .invalidValue(field: "score", value: "\(score)", reason: "must be finite") }
        self.id = id
        self.object = object
        self.hypothesis = hypothesis
        self.supportingTips = Array(Set(supportingTips)).sorted()
        self.score = score
        self.state = state
        self.decidedBy = decidedBy
    }

    /// How this candidate is named in messages and the audit log.
    public var subject: String { "candidate \(id)" }

    /// Adds supporting tips and sets the score; a proposed candidate with enough support becomes corroborated.
    ///
    /// Support can still be added after a decision (it is evidence), but never changes a decision.
    public func addingSupport(_ tips: [TipID], score: Double) throws(CaseWorkError) -> Candidate {
        guard score.isFinite else { throw .invalidValue(field: "score", value: "\(score)", reason: "must be finite") }
        var next = self
        next.supportingTips = Array(Set(supportingTips).union(tips)).sorted()
        next.score = score
        if next.state == .proposed && next.supportingTips.count >= Candidate.corroborationThreshold {
            next.state = .corroborated
        }
        return next
    }

    /// An analyst judges a proposed candidate corroborated.
    public func corroborating() throws(CaseWorkError) -> Candidate {
        try moving(to: .corroborated, by: nil, reason: "only a proposed candidate can be corroborated")
    }

    /// An analyst confirms a corroborated candidate.
    public func confirming(by analyst: AnalystID) throws(CaseWorkError) -> Candidate {
        let reason = state == .proposed ? "it must be corroborated first" : "it has already been decided"
        return try moving(to: .confirmed, by: analyst, reason: reason)
    }

    /// An analyst rejects an undecided candidate.
    public func rejecting(by analyst: AnalystID) throws(CaseWorkError) -> Candidate {
        try moving(to: .rejected, by: analyst, reason: "it has already been decided")
    }

    private func moving(to target: CandidateState, by analyst: AnalystID?, reason: String) throws(CaseWorkError) -> Candidate {
        guard CandidateState.allowedNext[state, default: []].contains(target) else {
            throw .invalidTransition(subject: subject, from: state.rawValue, to: target.rawValue, reason: reason)
        }
        var next = self
        next.state = target
        if let analyst { next.decidedBy = analyst }
        return next
    }
}

extension CandidateID: Encodable {
    /// Encodes the number.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

extension Hypothesis: Encodable {
    private enum Keys: String, CodingKey { case brand, product, country }

    /// Encodes the present parts only.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(brand, forKey: .brand)
        try c.encodeIfPresent(product, forKey: .product)
        try c.encodeIfPresent(country, forKey: .country)
    }
}

extension CandidateState: Encodable {}
extension Candidate: Encodable {}
