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

        let fm = FileManager.default
        let imagesDir = URL(fileURLWithPath: folder).appendingPathComponent("images")
        try fm.createDirectory(at: imagesDir, withIntermediateDirectories: true)
        var thumbnails: [String: String] = [:]
        for sha in Set(evidence) {
            let bytes = try service.blobs.get(sha)
            let ext = ImageFormat.sniff(bytes) == .png ? "png" : "jpg"
            try Data(bytes).write(to: imagesDir.appendingPathComponent("\(sha).\(ext)"))
            if let image = try? ImageDecoder.decode(bytes) {
                let thumb = try PNGEncoder.encode(image.upright().thumbnail(maxSide: 320))
                try Data(thumb).write(to: imagesDir.appendingPathComponent("\(sha).thumb.png"))
                thumbnails[sha] = "images/\(sha).thumb.png"
            }
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
        try Data((json.description + "\n").utf8).write(to: URL(fileURLWithPath: folder).appendingPathComponent("referral.json"))
        let html = ReferralPage.render(object: object, country: country, confirmed: confirmed, tips: tips,
                                       evidence: Array(Set(evidence)).sorted(), thumbnails: thumbnails)
        try Data(html.utf8).write(to: URL(fileURLWithPath: folder).appendingPathComponent("referral.html"))
        return Result(folder: folder, referredTips: referred, evidence: Array(Set(evidence)).sorted())
    }
}

/// A readable, self-contained referral page (inline CSS, images by relative path, all text escaped).
enum ReferralPage {
    static func esc(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func render(object: CaseObject, country: CountryCode, confirmed: [Candidate], tips: [Tip], evidence: [String],
                       thumbnails: [String: String]) -> String {
        var h = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Referral \(esc(object.code.value))</title>
            <style>body{font:14px/1.4 sans-serif;margin:2em;max-width:1100px}img{max-width:320px;border:1px solid #999}
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
            code{font-size:12px}</style></head><body>
            <h1>Referral of \(esc(object.code.value)) to \(esc(country.value))</h1>
            <p><b>\(esc(object.title))</b> (\(esc(object.category.rawValue)))<br>\(esc(object.question))</p>
            <h2>Object crops</h2>
            """
        for crop in object.crops {
            if let t = thumbnails[crop.sha256.value] { h += "<img src=\"\(esc(t))\" alt=\"crop \(esc(crop.sha256.value))\">" }
        }
        h += "<h2>Confirmed identification</h2><table><tr><th>brand</th><th>product</th><th>country</th><th>supporting tips</th></tr>"
        for c in confirmed {
            h += "<tr><td>\(esc(c.hypothesis.brand ?? "–"))</td><td>\(esc(c.hypothesis.product ?? "–"))</td>"
            h += "<td>\(esc(c.hypothesis.country?.value ?? "–"))</td><td>\(c.supportingTips.map { String($0.rawValue) }.joined(separator: ", "))</td></tr>"
        }
        h += "</table><h2>Supporting tips</h2><table><tr><th>tip</th><th>received</th><th>claims</th><th>photos</th></tr>"
        for t in tips {
            let claims = ClaimKind.allCases.compactMap { k in t.content.claims[k].map { "\(k.rawValue): \($0)" } }
            h += "<tr><td>\(t.id.rawValue)</td><td>\(esc(t.content.receivedOn.description))</td><td>\(esc(claims.joined(separator: "; ")))</td><td>"
            for p in t.content.photos {
                if let th = thumbnails[p.workingSHA256.value] { h += "<img src=\"\(esc(th))\" alt=\"tip photo\">" }
            }
            h += "</td></tr>"
        }
        h += "</table><h2>Evidence SHA-256</h2><ul>"
        for e in evidence { h += "<li><code>\(esc(e))</code></li>" }
        return h + "</ul></body></html>\n"
    }
}
