public import CaseWork
import Foundation
public import Matching
public import Store

/// Aligned plain-text tables for the analysts' terminal.
public enum TextTable {
    /// Columns padded to their widest cell, two spaces apart; the header underlined.
    public static func render(_ header: [String], _ rows: [[String]]) -> [String] {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
    }
}

/// Listings for the CLI, as table lines or JSON lines (`--json`).
public enum Reports {
    /// A score or strength as JSON and HTML show it: three decimals.
    public static func score(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    /// `values` without repeats, first occurrence kept.
    /// The names of the agreeing algorithms, each once, in the order found.
    public static func algoNames(_ algos: [HashAlgorithm]) -> [String] { unique(algos).map(\.rawValue) }

    public static func unique<Value: Hashable>(_ values: [Value]) -> [Value] {
        var seen = Set<Value>()
        return values.filter { seen.insert($0).inserted }
    }

    /// `object list`.
    public static func objects(_ objects: [CaseObject], json: Bool) -> [String] {
        if json { return objects.map { objectJSON($0).description } }
        return TextTable.render(["CODE", "STATE", "CATEGORY", "CROPS", "APPROVALS", "TITLE"], objects.map {
            [$0.code.value, $0.state.rawValue, $0.category.rawValue, String($0.crops.count),
             $0.approvals.map(\.name).joined(separator: ","), $0.title]
        })
    }

    /// One object as JSON.
    public static func objectJSON(_ o: CaseObject) -> JSONLine {
        var line = JSONLine()
        line.add("code", o.code.value)
        line.add("title", o.title)
        line.add("category", o.category.rawValue)
        line.add("state", o.state.rawValue)
        line.add("question", o.question)
        line.add("approvals", o.approvals.map(\.name))
        line.add("crops", o.crops.map(\.sha256.value))
        if let id = o.identification {
            var ident = JSONLine()
            ident.add("countries", id.countries.map(\.value))
            if let b = id.brand { ident.add("brand", b) }
            if let p = id.product { ident.add("product", p) }
            line.add("identification", ident)
        }
        return line
    }

    /// `object show`: the object, its crops and its matches.
    public static func object(_ o: CaseObject, matches: [StoredMatch], json: Bool) -> [String] {
        var line = objectJSON(o)
        line.add("notes", o.notes)
        line.add("matches", matches.map(matchJSON))
        if json { return [line.description] }
        var out = ["\(o.code.value)  \(o.title)", "state: \(o.state.rawValue)   category: \(o.category.rawValue)",
                   "question: \(o.question)", "approvals: \(o.approvals.map(\.name).joined(separator: ", "))"]
        if !o.notes.isEmpty { out.append("notes: \(o.notes)") }
        out.append("crops:")
        out += o.crops.map { "  \($0.sha256.value)  \($0.width)×\($0.height)" }
        out.append("matching tips (\(matches.count)):")
        out += TextTable.render(["TIP", "TIER", "STRENGTH", "ALGOS", "DISTANCES", "TRANSFORM"], matches.map(matchRow)).map { "  " + $0 }
        return out
    }

    /// The tier, marked "(brand)" when the match is evidence for the brand only.
    public static func tierText(_ m: StoredMatch) -> String { m.level == .brand ? "\(m.tier) (brand)" : m.tier.description }

    static func matchRow(_ m: StoredMatch) -> [String] {
        [String(m.tipID.rawValue), tierText(m), String(format: "%.3f", m.strength), algoNames(m.algos).joined(separator: ","),
         m.distances.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "), m.transform]
    }

    /// One stored match as JSON.
    public static func matchJSON(_ m: StoredMatch) -> JSONLine {
        var line = JSONLine()
        line.add("tip", Int(m.tipID.rawValue))
        if let o = m.object { line.add("object", o.value) }
        if let t = m.referenceTip { line.add("sameAsTip", Int(t.rawValue)) }
        line.add("tier", m.tier.description)
        line.add("level", m.level.rawValue)
        line.add("strength", score(m.strength))
        line.add("algos", algoNames(m.algos))
        var d = JSONLine()
        for (k, v) in m.distances.sorted(by: { $0.key < $1.key }) { d.add(k, v) }
        line.add("distances", d)
        line.add("transform", m.transform)
        if let r = m.region { line.add("region", r) }
        return line
    }

    /// `tip list` and `queue`; `matched` (the queue's) names each tip's best-matching object.
    public static func tips(_ tips: [Tip], matched: [TipID: String]? = nil, json: Bool) -> [String] {
        if json {
            return tips.map { t in
                var line = tipJSON(t)
                if let m = matched?[t.id] { line.add("matchedObject", m) }
                return line.description
            }
        }
        var header = ["TIP", "RECEIVED", "STATE", "SCORE", "OBJECT"]
        if matched != nil { header.append("MATCHED") }
        header += ["CLAIMS", "PHOTOS"]
        return TextTable.render(header, tips.map { t in
            var row = [String(t.id.rawValue), t.content.receivedOn.description, t.state.rawValue,
                       t.matchScore.map { String(format: "%.3f", $0) } ?? "-",
                       (t.linkedObject ?? t.content.aboutObject)?.value ?? "-"]
            if let matched { row.append(matched[t.id] ?? "-") }
            return row + [claimsText(t.content.claims), String(t.content.photos.count)]
        })
    }

    /// `tip show`: the tip with its matches, as one JSON line or readable lines.
    public static func tip(_ t: Tip, matches: [StoredMatch], json: Bool) -> [String] {
        if json {
            var line = tipJSON(t)
            line.add("matches", matches.map(matchJSON))
            return [line.description]
        }
        var out = ["tip \(t.id)  received \(t.content.receivedOn)  state \(t.state.rawValue)  channel \(t.content.channel.rawValue)  language \(t.content.language)"]
        if let s = t.matchScore { out.append("score: \(String(format: "%.3f", s))") }
        if let o = t.content.aboutObject { out.append("about: \(o)") }
        if let o = t.linkedObject { out.append("linked to: \(o)") }
        let claims = claimsText(t.content.claims)
        out.append("claims: \(claims.isEmpty ? "-" : claims)")
        out.append("text: \(t.content.text.isEmpty ? "-" : t.content.text)")
        if let contact = t.content.contact.contact { out.append("contact (tipster opted in): \(contact)") }
        out.append("photos (\(t.content.photos.count)):")
        for (i, p) in t.content.photos.enumerated() {
            let removed = [p.originalHadGPS ? "GPS" : nil, p.originalHadDeviceSerial ? "device serial" : nil].compactMap { $0 }
            out.append("  \(i + 1). working copy \(p.workingSHA256.value)")
            out.append("     original     \(p.originalSHA256.value)\(removed.isEmpty ? "" : "  (original carried " + removed.joined(separator: ", ") + "; removed)")")
        }
        out.append("matches (\(matches.count)):")
        if !matches.isEmpty {
            out += TextTable.render(["OBJECT/TIP", "TIER", "STRENGTH", "ALGOS", "DISTANCES", "TRANSFORM"], matches.map { m in
                [m.object.map { $0.value } ?? m.referenceTip.map { "tip \($0)" } ?? "-", tierText(m),
                 String(format: "%.3f", m.strength), algoNames(m.algos).joined(separator: ","),
                 m.distances.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "), m.transform]
            }).map { "  " + $0 }
        }
        return out
    }

    static func claimsText(_ c: TipClaims) -> String {
        ClaimKind.allCases.compactMap { k in c[k].map { "\(k.rawValue)=\($0)" } }.joined(separator: " ")
    }

    /// One tip as JSON (no tipster identity exists to print; the contact only if the tipster opted in).
    public static func tipJSON(_ t: Tip) -> JSONLine {
        var line = JSONLine()
        line.add("tip", Int(t.id.rawValue))
        line.add("received", t.content.receivedOn.description)
        line.add("channel", t.content.channel.rawValue)
        line.add("language", t.content.language)
        line.add("state", t.state.rawValue)
        if let s = t.matchScore { line.add("score", score(s)) }
        if let o = t.content.aboutObject { line.add("about", o.value) }
        if let o = t.linkedObject { line.add("linked", o.value) }
        var claims = JSONLine()
        for k in ClaimKind.allCases { if let v = t.content.claims[k] { claims.add(k.rawValue, v) } }
        line.add("claims", claims)
        line.add("text", t.content.text)
        line.add("photos", t.content.photos.map { p in
            var photo = JSONLine()
            photo.add("originalSha256", p.originalSHA256.value)
            photo.add("workingSha256", p.workingSHA256.value)
            photo.add("originalHadGPS", p.originalHadGPS)
            photo.add("originalHadDeviceSerial", p.originalHadDeviceSerial)
            return photo
        })
        if let contact = t.content.contact.contact { line.add("contact", contact) }
        return line
    }

    /// `candidate list CODE`: the live ranking with its evidence, and stored candidates' ids and states.
    public static func candidates(_ ranking: [RankedHypothesis], stored: [Candidate], json: Bool) -> [String] {
        func storedFor(_ h: RankedHypothesis) -> Candidate? {
            stored.first {
                $0.hypothesis.brand.map(ClaimText.normalize) == h.claims.brand
                    && $0.hypothesis.product.map(ClaimText.normalize) == h.claims.product
                    && $0.hypothesis.country?.value == h.claims.country
            }
        }
        if json {
            return ranking.enumerated().map { i, h in
                var line = JSONLine()
                line.add("rank", i + 1)
                if let c = storedFor(h) { line.add("candidate", Int(c.id.rawValue)); line.add("state", c.state.rawValue) }
                if let b = h.claims.brand { line.add("brand", b) }
                if let p = h.claims.product { line.add("product", p) }
                if let c = h.claims.country { line.add("country", c) }
                line.add("score", score(h.score))
                line.add("share", score(h.share))
                line.add("supportingClusters", h.supportingClusters)
                line.add("evidence", h.evidence.map { e in
                    var ev = JSONLine()
                    ev.add("tip", Int(e.tipId))
                    ev.add("cluster", Int(e.clusterId))
                    ev.add("role", e.role.rawValue)
                    ev.add("contribution", score(e.contribution))
                    return ev
                })
                return line.description
            }
        }
        return TextTable.render(["RANK", "ID", "STATE", "SCORE", "SHARE", "CLUSTERS", "HYPOTHESIS", "EVIDENCE (tip:contribution)"],
                                ranking.enumerated().map { i, h in
            let c = storedFor(h)
            return [String(i + 1), c.map { String($0.id.rawValue) } ?? "-", c?.state.rawValue ?? (h.verdict?.rawValue ?? "-"),
                    String(format: "%.3f", h.score), String(format: "%.0f%%", h.share * 100), String(h.supportingClusters),
                    h.claims.description,
                    h.evidence.filter { $0.role == .counted }.map { "\($0.tipId):\(String(format: "%.2f", $0.contribution))" }
                        .joined(separator: " ")]
        })
    }

    /// `stats`.
    public static func stats(_ s: StoreStats, json: Bool) -> [String] {
        var line = JSONLine()
        var objects = JSONLine(), tips = JSONLine(), candidates = JSONLine(), hashes = JSONLine()
        for (k, v) in s.objects.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { objects.add(k.rawValue, v) }
        for (k, v) in s.tips.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { tips.add(k.rawValue, v) }
        for (k, v) in s.candidates.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { candidates.add(k.rawValue, v) }
        for (k, v) in s.hashes.sorted(by: { $0.key < $1.key }) { hashes.add(k, v) }
        line.add("objects", objects); line.add("tips", tips); line.add("candidates", candidates)
        line.add("crops", s.crops); line.add("photos", s.photos); line.add("photosWithGPS", s.photosWithGPS)
        line.add("photosWithDeviceSerial", s.photosWithDeviceSerial); line.add("reviews", s.reviews)
        line.add("auditEntries", s.auditEntries); line.add("queued", s.queued)
        if json { return [line.description] }
        var rows: [[String]] = []
        for (k, v) in s.objects.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { rows.append(["objects", k.rawValue, String(v)]) }
        for (k, v) in s.tips.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { rows.append(["tips", k.rawValue, String(v)]) }
        for (k, v) in s.candidates.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { rows.append(["candidates", k.rawValue, String(v)]) }
        rows += [["images", "crops", String(s.crops)], ["images", "tip photos", String(s.photos)],
                 ["images", "photos that carried GPS", String(s.photosWithGPS)],
                 ["images", "photos that carried a device serial", String(s.photosWithDeviceSerial)],
                 ["work", "reviews", String(s.reviews)], ["work", "queued for an analyst", String(s.queued)],
                 ["work", "audit entries", String(s.auditEntries)]]
        return TextTable.render(["AREA", "WHAT", "COUNT"], rows)
    }
}
