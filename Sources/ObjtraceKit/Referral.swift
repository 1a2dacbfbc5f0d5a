import CaseWork
import Foundation
import ImageCore
import ImageDecoding
import Store

/// Writes the dossier a referral sends to one country's authority: `referral.json`, `referral.html` and the
/// evidence images (named by SHA-256) in one folder.
public enum ReferralDossier {
    /// What was written.
    public struct Result: Sendable {
        public var folder: String
        public var referredTips: [TipID]
        public var evidence: [String]
    }

    /// Refers `code` to `country` in the store (one transaction, audited) and writes the dossier.
    public static func write(service: CaseService, code: ObjectCode, country: CountryCode, reason: String, folder: String,
                             by analyst: AnalystID) throws -> Result {
        let store = service.store
        let object = try store.object(code)
        let confirmed = try store.candidates(of: code, state: .confirmed)
        let tips = try store.tips(linkedTo: code)
        var evidence: [String] = object.crops.map(\.sha256.value)
        for tip in tips { evidence += tip.content.photos.map(\.workingSHA256.value) }
        let evidenceHex = try evidence.map { try SHA256Hex($0) }
        let referred = try store.refer(code, to: country, evidence: evidenceHex, by: analyst, reason: reason)

        let dossier = URL(fileURLWithPath: folder)
        let imagesDir = dossier.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: imagesDir, withIntermediateDirectories: true)
        for sha in Set(evidence) {
            let bytes = try service.blobs.get(sha)
            let ext = ImageFormat.sniff(bytes) == .png ? "png" : "jpg"
            try Data(bytes).write(to: imagesDir.appendingPathComponent("\(sha).\(ext)"))
        }
        var json = JSONLine()
        json.add("format", "objtrace-referral/1")
        json.add("country", country.value)
        json.add("object", Reports.objectJSON(object))
        json.add("confirmedCandidates", confirmed.map { c in
            var line = JSONLine()
            line.add("id", Int(c.id.rawValue))
            if let b = c.hypothesis.brand { line.add("brand", b) }
            if let p = c.hypothesis.product { line.add("product", p) }
            if let k = c.hypothesis.country { line.add("country", k.value) }
            line.add("score", (c.score * 1000).rounded() / 1000)
            line.add("supportingTips", c.supportingTips.map { String($0.rawValue) })
            return line
        })
        json.add("supportingTips", tips.map { t in
            var line = JSONLine()
            line.add("tip", Int(t.id.rawValue))
            line.add("received", t.content.receivedOn.description)
            var claims = JSONLine()
            for k in ClaimKind.allCases { if let v = t.content.claims[k] { claims.add(k.rawValue, v) } }
            line.add("claims", claims)
            line.add("photos", t.content.photos.map(\.workingSHA256.value))
            return line
        })
        json.add("evidenceSha256", Array(Set(evidence)).sorted())
        try Data((json.description + "\n").utf8).write(to: dossier.appendingPathComponent("referral.json"))
        // The same renderer as `objtrace sheet`, in its referral variant.
        let (crops, matches, ranked) = try InteropJobs.sheetParts(service, code: code, dir: imagesDir, prefix: "images/")
        let claims = tips.map { t in
            SheetClaim(tipID: String(t.id.rawValue),
                       text: ClaimKind.allCases.compactMap { k in t.content.claims[k].map { "\(k.rawValue): \($0)" } }.joined(separator: "; "))
        }
        let page = EvidenceSheet.referral(objectCode: code.value, category: object.category.rawValue, question: object.question,
                                          state: try store.object(code).state.rawValue, country: country.value, crops: crops,
                                          matches: matches, confirmed: ranked.filter { $0.state == "confirmed" }, claims: claims,
                                          generatedAt: ISO8601DateFormatter().string(from: Date()))
        try Data(page.html().utf8).write(to: dossier.appendingPathComponent("referral.html"))
        return Result(folder: folder, referredTips: referred, evidence: Array(Set(evidence)).sorted())
    }
}
