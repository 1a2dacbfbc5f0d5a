public import CaseWork
public import Matching
import PerceptualHash
public import Store

/// A catalogue image or earlier tip photo that new photos are matched against: the metadata objtrace's
/// `MatchEngine` (from Matching, generic over what it points at) carries.
public struct ReferenceImage: Sendable {
    /// Who owns the hashes in the store.
    public var owner: HashOwner
    /// The object (crop) or tip (photo) it belongs to.
    public var subject: Subject
    /// SHA-256 of the stored image.
    public var sha256: String
    /// Its hashes (only the upright entries are used for references).
    public var hashes: MatchHashes

    /// A reference.
    public init(owner: HashOwner, subject: Subject, sha256: String, hashes: MatchHashes) {
        self.owner = owner
        self.subject = subject
        self.sha256 = sha256
        self.hashes = hashes
    }
}

/// One judged match of a query photo against a catalogue crop or an earlier tip photo.
public typealias ImageMatch = EngineMatch<ReferenceImage>

/// The engine over the catalogue and tip photos.
public typealias CatalogueEngine = MatchEngine<ReferenceImage>

extension MatchEngine where Metadata == ReferenceImage {
    /// An engine over `references`.
    public init(policy: MatchPolicy, references: [ReferenceImage]) {
        self.init(policy: policy)
        for r in references { add(r) }
    }

    /// Adds one reference with its own hashes.
    /// - Complexity: amortised O(1) per index.
    public mutating func add(_ reference: ReferenceImage) { add(reference, hashes: reference.hashes) }

    /// The best assessment of `query` against one reference over the 8 dihedral transforms.
    public func judge(_ query: MatchHashes, _ reference: ReferenceImage) -> ImageMatch? {
        judge(query, reference.hashes, reference: reference)
    }
}
