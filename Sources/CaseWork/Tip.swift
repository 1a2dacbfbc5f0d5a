/// The store's number for a tip.
public struct TipID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The row id.
    public let rawValue: Int64

    /// Wraps a row id.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    /// The number.
    public var description: String { String(rawValue) }

    /// Orders by number.
    public static func < (a: TipID, b: TipID) -> Bool { a.rawValue < b.rawValue }
}

/// How a tip reached the analysts.
public enum TipChannel: String, CaseIterable, Sendable {
    /// Typed in by an analyst with the CLI.
    case cli
    /// A line of an import file.
    case `import`
    /// The public web form (later).
    case web
}

/// The kinds of structured claim a tipster can make.
public enum ClaimKind: String, CaseIterable, Sendable {
    /// Brand name.
    case brand
    /// Product name.
    case product
    /// Shop where it is sold.
    case shop
    /// Country where it is sold or made, as the tipster wrote it (normalisation is the matcher's job).
    case country
    /// City.
    case city
    /// A web address.
    case url
}

/// What a tipster claims about the object, each as free text; absent claims are nil.
public struct TipClaims: Hashable, Sendable {
    /// The claims by kind; only non-empty, trimmed values.
    public let values: [ClaimKind: String]

    /// No claims.
    public static let none = TipClaims(validated: [:])

    /// Validates each claim (trimmed, at most 500 characters, single line); empty means absent.
    public init(
        brand: String? = nil, product: String? = nil, shop: String? = nil, country: String? = nil,
        city: String? = nil, url: String? = nil
    ) throws(CaseWorkError) {
        var v: [ClaimKind: String] = [:]
        let raw: [(ClaimKind, String?)] = [
            (.brand, brand), (.product, product), (.shop, shop), (.country, country), (.city, city), (.url, url),
        ]
        for (kind, value) in raw {
            if let t = try Text.optional(value, field: "\(kind.rawValue) claim", maxLength: 500) { v[kind] = t }
        }
        values = v
    }

    /// Validates claims given as a dictionary.
    public init(_ claims: [ClaimKind: String]) throws(CaseWorkError) {
        try self.init(brand: claims[.brand], product: claims[.product], shop: claims[.shop],
                      country: claims[.country], city: claims[.city], url: claims[.url])
    }

    private init(validated: [ClaimKind: String]) { values = validated }

    /// The claim of one kind.
    public subscript(kind: ClaimKind) -> String? { values[kind] }

    /// Whether no claim was made.
    public var isEmpty: Bool { values.isEmpty }
}

/// A photo sent with a tip: the original is only hashed; the stored working copy has its metadata stripped.
public struct TipPhoto: Hashable, Sendable {
    /// SHA-256 of the original bytes as received (kept as evidence and for idempotent import).
    public let originalSHA256: SHA256Hex
    /// SHA-256 of the stored, metadata-stripped working copy.
    public let workingSHA256: SHA256Hex
    /// Whether the original carried GPS position metadata (only the fact is kept, never the position).
    public let originalHadGPS: Bool
    /// Whether the original carried a camera/device serial number (only the fact is kept).
    public let originalHadDeviceSerial: Bool

    /// Describes one photo.
    public init(
        originalSHA256: SHA256Hex, workingSHA256: SHA256Hex, originalHadGPS: Bool, originalHadDeviceSerial: Bool
    ) {
        self.originalSHA256 = originalSHA256
        self.workingSHA256 = workingSHA256
        self.originalHadGPS = originalHadGPS
        self.originalHadDeviceSerial = originalHadDeviceSerial
    }
}

/// Whether the tipster left a way to be contacted: a contact value exists only in the opted-in case.
public enum ContactConsent: Hashable, Sendable {
    /// Anonymous: no contact is stored.
    case declined
    /// The tipster chose to leave a contact (e.g. an e-mail address).
    case optedIn(contact: String)

    /// Validates an opted-in contact (trimmed, non-empty, at most 200 characters).
    public static func optIn(_ contact: String) throws(CaseWorkError) -> ContactConsent {
        .optedIn(contact: try Text.required(contact, field: "contact", maxLength: 200))
    }

    /// The contact, present only when opted in.
    public var contact: String? {
        if case let .optedIn(c) = self { return c }
        return nil
    }
}

/// A tip as received, before the store numbers it. Anonymous by design: there is no field for a name,
/// address, IP address or device id, and the day carries no time.
public struct TipSubmission: Hashable, Sendable {
    /// The day the tip was received (UTC).
    public let receivedOn: DayDate
    /// How it arrived.
    public let channel: TipChannel
    /// Language tag of the text (BCP 47 style, lower-cased, e.g. `en`, `de`, `pt-br`; `und` if unknown).
    public let language: String
    /// The free text (may be empty when claims or photos say enough).
    public let text: String
    /// Structured claims.
    public let claims: TipClaims
    /// Attached photos.
    public let photos: [TipPhoto]
    /// Contact, only if the tipster opted in.
    public let contact: ContactConsent
    /// The object the tipster says the tip is about, if any.
    public let aboutObject: ObjectCode?

    /// Validates a tip: it must carry text, a claim or a photo; photos must be distinct.
    public init(
        receivedOn: DayDate, channel: TipChannel, language: String = "und", text: String = "",
        claims: TipClaims = .none, photos: [TipPhoto] = [], contact: ContactConsent = .declined,
        aboutObject: ObjectCode? = nil
    ) throws(CaseWorkError) {
        let lang = Text.trimmed(language).lowercased()
        let langOK = (2...35).contains(lang.count)
            && lang.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        guard langOK else {
            throw .invalidValue(field: "language", value: language, reason: "expected a language tag such as en or pt-br")
        }
        let body = try Text.optional(text, field: "tip text", maxLength: 20_000, multiline: true) ?? ""
        guard !body.isEmpty || !claims.isEmpty || !photos.isEmpty else {
            throw .invalidValue(field: "tip", value: "", reason: "a tip needs text, a claim or a photo")
        }
        guard Set(photos.map(\.originalSHA256)).count == photos.count else {
            throw .invalidValue(field: "photos", value: "", reason: "the same photo is attached twice")
        }
        self.receivedOn = receivedOn
        self.channel = channel
        self.language = lang
        self.text = body
        self.claims = claims
        self.photos = photos
        self.contact = contact
        self.aboutObject = aboutObject
    }

    /// The canonical form of the tip's content, whose SHA-256 makes re-submission idempotent.
    ///
    /// Excludes the channel (the same tip arriving by CLI and by import is one tip). Identical content on
    /// the same day counts once: anonymous tips carry nothing else to tell them apart, and counting a
    /// resubmission twice would fake corroboration.
    public var canonicalContent: [UInt8] {
        var w = CanonicalWriter(tag: "objtrace-tip-v1")
        w.field("day", receivedOn.description)
        w.field("language", language)
        w.field("text", text)
        for kind in ClaimKind.allCases { w.field("claim." + kind.rawValue, claims[kind] ?? "") }
        for sha in photos.map(\.originalSHA256.value).sorted() { w.field("photo", sha) }
        w.field("contact", contact.contact ?? "")
        w.field("about", aboutObject?.value ?? "")
        return w.bytes
    }
}

/// Where a tip is in the analysts' workflow.
public enum TipState: String, CaseIterable, Sendable {
    /// Just arrived.
    case received
    /// Looked at; awaiting a decision.
    case triaged
    /// Worth following up.
    case relevant
    /// Repeats another tip.
    case duplicate
    /// Junk.
    case spam
    /// Waiting for more information from the tipster.
    case needsInfo = "needs-info"
    /// Linked to an object.
    case linked
    /// Passed on in a referral.
    case referred
    /// Done; final.
    case closed

    /// The states each state may move to; anything else is refused.
    ///
    /// A review of a fresh tip triages it in the same act, so review decisions are allowed from `received`.
    public static let allowedNext: [TipState: Set<TipState>] = [
        .received: [.triaged, .relevant, .duplicate, .spam, .needsInfo],
        .triaged: [.relevant, .duplicate, .spam, .needsInfo],
        .needsInfo: [.triaged, .closed],
        .relevant: [.linked, .closed],
        .duplicate: [.closed],
        .spam: [.closed],
        .linked: [.referred, .closed],
        .referred: [.closed],
        .closed: [],
    ]

    /// Whether an analyst still has to act on a tip in this state (the queue).
    public var needsAnalyst: Bool { self == .received || self == .triaged || self == .relevant }
}

/// An analyst's review decision on a tip.
public enum TipDecision: String, CaseIterable, Sendable {
    /// Worth following up.
    case relevant
    /// Repeats another tip.
    case duplicate
    /// Junk.
    case spam
    /// Ask the tipster for more.
    case needsInfo = "needs-info"

    /// The state the decision leads to.
    public var state: TipState {
        switch self {
        case .relevant: return .relevant
        case .duplicate: return .duplicate
        case .spam: return .spam
        case .needsInfo: return .needsInfo
        }
    }
}

/// A stored tip: its content plus workflow state.
public struct Tip: Hashable, Sendable {
    /// The store's number.
    public let id: TipID
    /// What was received.
    public let content: TipSubmission
    /// Current state.
    public private(set) var state: TipState
    /// The object an analyst linked it to.
    public private(set) var linkedObject: ObjectCode?
    /// The matcher's score, if one was recorded (higher = more promising).
    public let matchScore: Double?

    /// A tip in any state (used when restoring from the store and in tests).
    public init(id: TipID, content: TipSubmission, state: TipState = .received, linkedObject: ObjectCode? = nil,
                matchScore: Double? = nil) {
        self.id = id
        self.content = content
        self.state = state
        self.linkedObject = linkedObject
        self.matchScore = matchScore
    }

    /// How this tip is named in messages and the audit log.
    public var subject: String { "tip \(id)" }

    /// Applies a review decision.
    public func reviewing(_ decision: TipDecision) throws(CaseWorkError) -> Tip {
        let reason = state == .closed ? "a closed tip cannot be reviewed"
            : state == .needsInfo ? "mark the information as arrived (back to triaged) before reviewing again"
            : "it has already been decided"
        return try moving(to: decision.state, reason: reason)
    }

    /// Marks a fresh tip as looked at, or a needs-info tip as having received its information.
    public func triaging() throws(CaseWorkError) -> Tip {
        try moving(to: .triaged, reason: "only a received or needs-info tip can be triaged")
    }

    /// Links a relevant tip to an object.
    public func linking(to object: ObjectCode) throws(CaseWorkError) -> Tip {
        var next = try moving(to: .linked, reason: "only a relevant tip can be linked (review it first)")
        next.linkedObject = object
        return next
    }

    /// Marks a linked tip as passed on in a referral.
    public func referring() throws(CaseWorkError) -> Tip {
        try moving(to: .referred, reason: "only a linked tip can be referred")
    }

    /// Closes the tip for good.
    public func closing() throws(CaseWorkError) -> Tip {
        try moving(to: .closed, reason: state == .closed ? "it is already closed" : "decide on it first")
    }

    private func moving(to target: TipState, reason: String) throws(CaseWorkError) -> Tip {
        guard TipState.allowedNext[state, default: []].contains(target) else {
            throw .invalidTransition(subject: subject, from: state.rawValue, to: target.rawValue, reason: reason)
        }
        var next = self
        next.state = target
        return next
    }
}

extension TipID: Encodable {
    /// Encodes the number.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

extension TipChannel: Encodable {}
extension ClaimKind: Encodable {}
extension TipState: Encodable {}
extension TipDecision: Encodable {}
extension TipPhoto: Encodable {}
extension TipSubmission: Encodable {}
extension Tip: Encodable {}

extension TipClaims: Encodable {
    /// Encodes an object keyed by claim kind, absent claims omitted.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Dictionary(uniqueKeysWithValues: values.map { ($0.key.rawValue, $0.value) }))
    }
}

extension ContactConsent: Encodable {
    private enum Keys: String, CodingKey { case optedIn, contact }

    /// Encodes `{"optedIn": false}` or `{"optedIn": true, "contact": "..."}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(contact != nil, forKey: .optedIn)
        try c.encodeIfPresent(contact, forKey: .contact)
    }
}
