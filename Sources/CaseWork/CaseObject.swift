/// What kind of thing an object is; analysts pick one so the public can browse by kind.
public enum ObjectCategory: String, CaseIterable, Sendable {
    /// A bottle.
    case bottle
    /// Packaging: boxes, wrappers, labels.
    case packaging
    /// Textile: clothes, bedding, curtains.
    case textile
    /// Wallpaper or other wall covering.
    case wallpaper
    /// A magazine, newspaper or other print.
    case magazine
    /// A toy.
    case toy
    /// A container: jars, tins, bags.
    case container
    /// Anything else.
    case other
}

/// Where an object is in its lifecycle.
public enum ObjectState: String, CaseIterable, Sendable {
    /// Being prepared; collects approvals.
    case draft
    /// Two distinct analysts approved it; ready to publish.
    case approved
    /// Shown to the public; tips may arrive.
    case published
    /// Origin found: countries plus brand/product.
    case identified
    /// Sold everywhere: no lead can come from it.
    case eliminatedUbiquitous = "eliminated-ubiquitous"
    /// Taken down from the public site.
    case withdrawn
    /// Closed for good.
    case archived

    /// The states each state may move to; anything else is refused.
    public static let allowedNext: [ObjectState: Set<ObjectState>] = [
        .draft: [.approved],
        .approved: [.published, .withdrawn],
        .published: [.identified, .eliminatedUbiquitous, .withdrawn],
        .identified: [.archived],
        .eliminatedUbiquitous: [.archived],
        .withdrawn: [.archived],
        .archived: [],
    ]

    /// Whether the public has seen the object, so tips about it are plausible.
    public var hasBeenPublished: Bool {
        switch self {
        case .draft, .approved: return false
        case .published, .identified, .eliminatedUbiquitous, .withdrawn, .archived: return true
        }
    }
}

/// One sanitised crop image of an object, named by the SHA-256 of its stored bytes.
public struct ObjectCrop: Hashable, Sendable {
    /// SHA-256 of the stored crop file.
    public let sha256: SHA256Hex
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int

    /// Validates positive dimensions.
    public init(sha256: SHA256Hex, width: Int, height: Int) throws(CaseWorkError) {
        guard width > 0, height > 0 else {
            throw .invalidValue(field: "crop size", value: "\(width)x\(height)", reason: "must be positive")
        }
        self.sha256 = sha256
        self.width = width
        self.height = height
    }
}

/// The origin found for an object: one or more countries plus, where known, brand and product.
public struct Identification: Hashable, Sendable {
    /// Origin countries, sorted and unique; never empty (a referral goes to a country).
    public let countries: [CountryCode]
    /// The brand, if known.
    public let brand: String?
    /// The product, if known.
    public let product: String?

    /// Validates: at least one country; brand and product are trimmed, empty meaning unknown.
    public init(countries: [CountryCode], brand: String? = nil, product: String? = nil) throws(CaseWorkError) {
        let unique = Array(Set(countries)).sorted()
        guard !unique.isEmpty else {
            throw .invalidValue(field: "origin countries", value: "", reason: "an identification names at least one country")
        }
        self.countries = unique
        self.brand = try Text.optional(brand, field: "brand", maxLength: 200)
        self.product = try Text.optional(product, field: "product", maxLength: 200)
    }
}

/// How a published object is resolved.
public enum ObjectResolution: Hashable, Sendable {
    /// The origin was found.
    case identified(Identification)
    /// The object is sold everywhere; no lead.
    case eliminatedUbiquitous

    /// The state this resolution leads to.
    public var state: ObjectState {
        switch self {
        case .identified: return .identified
        case .eliminatedUbiquitous: return .eliminatedUbiquitous
        }
    }
}

/// An object shown (or to be shown) to the public in the hope that someone recognises it.
///
/// Transitions are pure: each returns the changed value or throws, leaving the receiver as it was.
public struct CaseObject: Hashable, Sendable {
    /// The public code.
    public let code: ObjectCode
    /// The public title.
    public let title: String
    /// The kind of object.
    public let category: ObjectCategory
    /// The question put to the public.
    public let question: String
    /// Notes for analysts only; never published.
    public let notes: String
    /// The analyst who created the draft.
    public let createdBy: AnalystID
    /// The crops, in the order they were added.
    public private(set) var crops: [ObjectCrop]
    /// The current state.
    public private(set) var state: ObjectState
    /// Distinct analysts who approved the current content, in order; two are needed.
    public private(set) var approvals: [AnalystID]
    /// The day it was published, once published.
    public private(set) var publishedOn: DayDate?
    /// The origin, once identified.
    public private(set) var identification: Identification?

    /// The number of distinct analysts who must approve before publication (four-eyes).
    public static let requiredApprovals = 2

    /// A new draft with no crops and no approvals.
    public init(
        code: ObjectCode, title: String, category: ObjectCategory, question: String, notes: String = "",
        createdBy: AnalystID
    ) throws(CaseWorkError) {
        self.code = code
        self.title = try Text.required(title, field: "title", maxLength: 200)
        self.category = category
        self.question = try Text.required(question, field: "public question", maxLength: 1000, multiline: true)
        self.notes = try Text.optional(notes, field: "notes", maxLength: 20_000, multiline: true) ?? ""
        self.createdBy = createdBy
        crops = []
        state = .draft
        approvals = []
        publishedOn = nil
        identification = nil
    }

    /// Rebuilds a stored object exactly as persisted (no transition rules are replayed).
    public init(
        restoring code: ObjectCode, title: String, category: ObjectCategory, question: String, notes: String,
        createdBy: AnalystID, crops: [ObjectCrop], state: ObjectState, approvals: [AnalystID],
        publishedOn: DayDate?, identification: Identification?
    ) {
        self.code = code
        self.title = title
        self.category = category
        self.question = question
        self.notes = notes
        self.createdBy = createdBy
        self.crops = crops
        self.state = state
        self.approvals = approvals
        self.publishedOn = publishedOn
        self.identification = identification
    }

    /// How this object is named in messages and the audit log.
    public var subject: String { "object \(code)" }

    /// Adds a crop to a draft; pending approvals are cleared because approvers saw different content.
    public func addingCrop(_ crop: ObjectCrop) throws(CaseWorkError) -> CaseObject {
        guard state == .draft else {
            throw .invalidTransition(subject: subject, from: state.rawValue, to: "draft with a new crop",
                                     reason: "crops can only be added to a draft")
        }
        guard !crops.contains(where: { $0.sha256 == crop.sha256 }) else {
            throw .invalidValue(field: "crop", value: crop.sha256.value, reason: "\(subject) already has this crop")
        }
        var next = self
        next.crops.append(crop)
        next.approvals = []
        return next
    }

    /// Records one approval; the second distinct analyst's approval moves the draft to approved.
    public func approving(by analyst: AnalystID) throws(CaseWorkError) -> CaseObject {
        guard state == .draft else {
            throw .invalidTransition(subject: subject, from: state.rawValue, to: ObjectState.approved.rawValue,
                                     reason: "only a draft can be approved")
        }
        guard !crops.isEmpty else {
            throw .invalidTransition(subject: subject, from: state.rawValue, to: ObjectState.approved.rawValue,
                                     reason: "an object needs at least one crop before approval")
        }
        guard !approvals.contains(analyst) else {
            throw .duplicateApproval(subject: subject, analyst: analyst.name)
        }
        var next = self
        next.approvals.append(analyst)
        if next.approvals.count >= CaseObject.requiredApprovals { next.state = .approved }
        return next
    }

    /// Publishes an approved object on the given day.
    public func publishing(on day: DayDate) throws(CaseWorkError) -> CaseObject {
        try checkMove(to: .published, reason: state == .draft
            ? "it needs approval by \(CaseObject.requiredApprovals) distinct analysts first (has \(approvals.count))"
            : "only an approved object can be published")
        var next = self
        next.state = .published
        next.publishedOn = day
        return next
    }

    /// Resolves a published object as identified or as ubiquitous.
    public func resolving(_ resolution: ObjectResolution) throws(CaseWorkError) -> CaseObject {
        try checkMove(to: resolution.state, reason: "only a published object can be resolved")
        var next = self
        next.state = resolution.state
        if case let .identified(identification) = resolution { next.identification = identification }
        return next
    }

    /// Takes an approved or published object off the public site.
    public func withdrawing() throws(CaseWorkError) -> CaseObject {
        try checkMove(to: .withdrawn, reason: "only an approved or published object can be withdrawn")
        var next = self
        next.state = .withdrawn
        return next
    }

    /// Archives a resolved or withdrawn object.
    public func archiving() throws(CaseWorkError) -> CaseObject {
        try checkMove(to: .archived, reason: "only an identified, eliminated or withdrawn object can be archived")
        var next = self
        next.state = .archived
        return next
    }

    /// Checks that a referral of this object to `country` is allowed: it must be identified with that origin.
    public func checkReferral(to country: CountryCode) throws(CaseWorkError) {
        guard state == .identified, let identification else {
            throw .invalidTransition(subject: subject, from: state.rawValue, to: "referred to \(country)",
                                     reason: "only an identified object can be referred")
        }
        guard identification.countries.contains(country) else {
            throw .invalidTransition(
                subject: subject, from: state.rawValue, to: "referred to \(country)",
                reason: "\(country) is not among its origin countries (\(identification.countries.map(\.value).joined(separator: ", ")))")
        }
    }

    private func checkMove(to target: ObjectState, reason: String) throws(CaseWorkError) {
        guard ObjectState.allowedNext[state, default: []].contains(target) else {
            throw .invalidTransition(subject: subject, from: state.rawValue, to: target.rawValue, reason: reason)
        }
    }
}

extension ObjectCategory: Encodable {}
extension ObjectState: Encodable {}
extension ObjectCrop: Encodable {}
extension Identification: Encodable {}
extension CaseObject: Encodable {}
