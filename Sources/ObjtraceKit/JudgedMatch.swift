public import CaseWork
import LocalFeatures
public import Matching
public import Store

/// One photo's match with a catalogue object or an earlier tip photo, with its hash evidence, its local-feature
/// evidence and the tier rule's verdict: what `match` prints and `tip submit` records.
public struct JudgedMatch: Sendable {
    /// The hash match, when a hash family agreed.
    public var hash: ImageMatch?
    /// The verified local match of the same object, when there is one.
    public var local: LocalSearch.Hit?
    /// Tier, level, strength and the agreeing evidence (`TierRule.verdict`).
    public var verdict: MatchVerdict

    /// The matched object (nil for an earlier tip's photo).
    public var object: ObjectCode? {
        if let local { return local.object }
        if case .object(let code) = hash?.reference.subject { return code }
        return nil
    }

    /// The earlier tip whose photo matched (nil for a catalogue object).
    public var referenceTip: TipID? {
        if case .tip(let t) = hash?.reference.subject { return t }
        return nil
    }

    /// Who owns the matched reference's hashes or features.
    public var reference: HashOwner {
        if let hash { return hash.reference.owner }
        return .objectCrop(local!.cropID)
    }

    /// The dihedral transform the hashes agreed under, or `mirrored`/`orig` for a local-only match.
    public var transform: String {
        if let hash { return hash.transform }
        return local!.match.mirrored ? "mirrored" : "orig"
    }

    /// Judges a photo's hash matches and verified local matches with one rule: a local match joins the first
    /// hash match of the same object, or stands alone. Best first (`MatchVerdict.ranksBefore`); pairs the rule
    /// rejects are left out.
    public static func judge(hash matches: [ImageMatch], local hits: [LocalSearch.Hit], rule: TierRule = .default) -> [JudgedMatch] {
        var hits = hits
        var out: [JudgedMatch] = []
        for m in matches {
            var local: LocalSearch.Hit?
            if case .object(let code) = m.reference.subject, let i = hits.firstIndex(where: { $0.object == code }) {
                local = hits.remove(at: i)
            }
            if let v = rule.verdict(hash: m.assessment, local: local?.evidence) {
                out.append(JudgedMatch(hash: m, local: local, verdict: v))
            }
        }
        for hit in hits {
            if let v = rule.verdict(hash: nil, local: hit.evidence) {
                out.append(JudgedMatch(hash: nil, local: hit, verdict: v))
            }
        }
        // Stable: equal verdicts keep the engine's order.
        return out.enumerated().sorted { a, b in
            if MatchVerdict.ranksBefore(a.element.verdict, b.element.verdict) { return true }
            if MatchVerdict.ranksBefore(b.element.verdict, a.element.verdict) { return false }
            return a.offset < b.offset
        }.map(\.element)
    }
}
