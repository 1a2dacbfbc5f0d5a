public import Matching
import Foundation

/// An image shown on a sheet: a thumbnail file beside the page, and the original it stands for.
public struct SheetImage: Sendable, Hashable {
    /// The thumbnail's path relative to the page (e.g. `thumbs/tip-17.png`); percent-encoded on output.
    public var relativePath: String
    /// SHA-256 of the original file (64 hex digits), listed as evidence.
    public var sha256: String
    /// Original width in pixels (the coordinate space of match regions).
    public var width: Int
    /// Original height in pixels.
    public var height: Int
    /// Thumbnail width in pixels (the size the page shows).
    public var thumbWidth: Int
    /// Thumbnail height in pixels.
    public var thumbHeight: Int

    /// An image; the thumbnail keeps the original's aspect ratio (the caller made it).
    public init(relativePath: String, sha256: String, width: Int, height: Int, thumbWidth: Int, thumbHeight: Int) {
        self.relativePath = relativePath
        self.sha256 = sha256
        self.width = width
        self.height = height
        self.thumbWidth = thumbWidth
        self.thumbHeight = thumbHeight
    }
}

/// A point in an original image's pixel coordinates.
public struct SheetPoint: Sendable, Hashable {
    /// Column, 0 at the left edge.
    public var x: Double
    /// Row, 0 at the top edge.
    public var y: Double

    /// A point.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One algorithm's distance for a match, with the threshold it was judged against.
public struct SheetDistance: Sendable, Hashable {
    /// Algorithm name (`pdq`, `phash`, `orb`, …).
    public var algo: String
    /// Hamming distance (or the algorithm's own distance unit).
    public var distance: Int
    /// The threshold the distance was compared with, when there is one.
    public var threshold: Int?

    /// A distance.
    public init(algo: String, distance: Int, threshold: Int? = nil) {
        self.algo = algo
        self.distance = distance
        self.threshold = threshold
    }
}

/// A tip photo that matched an object crop.
public struct SheetMatch: Sendable, Hashable {
    /// The tip's identifier as analysts see it.
    public var tipID: String
    /// The tip's claim (public input: always escaped).
    public var claim: String?
    /// The tip photo.
    public var tipImage: SheetImage
    /// The object crop it matched.
    public var cropImage: SheetImage
    /// The algorithms that agree on the match.
    public var algorithms: [HashAlgorithm]
    /// Per-algorithm distances.
    public var distances: [SheetDistance]
    /// The match tier.
    public var tier: MatchTier
    /// Match strength in 0…1, when the matcher gives one.
    public var strength: Double?
    /// The transform under which the hashes matched (`rot90`, `flipx`, …), when not the identity.
    public var transform: String?
    /// For local-feature matches: the matched region's outline in the tip image's original pixels.
    public var region: [SheetPoint]?
    /// For local-feature matches: geometric-verification inliers.
    public var inliers: Int?

    /// A match.
    public init(tipID: String, claim: String? = nil, tipImage: SheetImage, cropImage: SheetImage,
                algorithms: [HashAlgorithm], distances: [SheetDistance], tier: MatchTier, strength: Double? = nil, transform: String? = nil,
                region: [SheetPoint]? = nil, inliers: Int? = nil) {
        self.tipID = tipID
        self.claim = claim
        self.tipImage = tipImage
        self.cropImage = cropImage
        self.algorithms = algorithms
        self.distances = distances
        self.tier = tier
        self.strength = strength
        self.transform = transform
        self.region = region
        self.inliers = inliers
    }
}

/// One row of the candidate ranking.
public struct SheetCandidate: Sendable, Hashable {
    /// 1-based rank.
    public var rank: Int
    /// Brand, when the hypothesis names one.
    public var brand: String?
    /// Product, when named.
    public var product: String?
    /// Country code, when named.
    public var country: String?
    /// Ranking score.
    public var score: Double
    /// Share of the total score (0…1).
    public var share: Double
    /// Candidate state (`open`, `corroborated`, `confirmed`, `rejected`).
    public var state: String
    /// The tips that support it.
    public var supportingTips: [String]
    /// Human-readable evidence lines (why it ranks where it does).
    public var evidence: [String]

    /// A candidate row.
    public init(rank: Int, brand: String? = nil, product: String? = nil, country: String? = nil, score: Double,
                share: Double, state: String, supportingTips: [String] = [], evidence: [String] = []) {
        self.rank = rank
        self.brand = brand
        self.product = product
        self.country = country
        self.score = score
        self.share = share
        self.state = state
        self.supportingTips = supportingTips
        self.evidence = evidence
    }
}

/// A tip's claim quoted in a referral.
public struct SheetClaim: Sendable, Hashable {
    /// The tip.
    public var tipID: String
    /// The claim as the tipster wrote it (public input: always escaped).
    public var text: String
    /// Where the tip came from, when recorded.
    public var source: String?

    /// A claim.
    public init(tipID: String, text: String, source: String? = nil) {
        self.tipID = tipID
        self.text = text
        self.source = source
    }
}

/// The model of an evidence sheet or referral page; `html()` renders it.
public struct EvidenceSheet: Sendable, Hashable {
    /// Which page this is.
    public enum Kind: String, Sendable, Hashable {
        /// `objtrace sheet`: everything about one object.
        case evidence
        /// `referral.html`: what goes to the agency of one country.
        case referral
    }

    /// Evidence sheet or referral.
    public var kind: Kind
    /// The object's code.
    public var objectCode: String
    /// Page title.
    public var title: String
    /// Object category.
    public var category: String
    /// The question published with the object.
    public var question: String
    /// Object state.
    public var state: String
    /// The object crops.
    public var crops: [SheetImage]
    /// Tip photos that matched, each beside its crop.
    public var matches: [SheetMatch]
    /// The candidate ranking (a referral passes the confirmed candidates only).
    public var candidates: [SheetCandidate]
    /// When the page was generated (passed in, so the renderer stays pure and testable).
    public var generatedAt: String
    /// The referral's destination country.
    public var country: String?
    /// Supporting tips' claims (referrals).
    public var claims: [SheetClaim]
    /// For tip photos: SHA-256 of the file shown (the metadata-stripped working copy) → SHA-256 of the original
    /// the tipster sent. Listed beside each other so nobody mistakes one for the other.
    public var originals: [String: String] = [:]

    /// A sheet.
    public init(kind: Kind = .evidence, objectCode: String, title: String, category: String, question: String,
                state: String, crops: [SheetImage] = [], matches: [SheetMatch] = [], candidates: [SheetCandidate] = [],
                generatedAt: String, country: String? = nil, claims: [SheetClaim] = []) {
        self.kind = kind
        self.objectCode = objectCode
        self.title = title
        self.category = category
        self.question = question
        self.state = state
        self.crops = crops
        self.matches = matches
        self.candidates = candidates
        self.generatedAt = generatedAt
        self.country = country
        self.claims = claims
    }

    /// A referral page: title "Referral", the destination country, the confirmed candidates, the supporting
    /// tips' claims and the evidence list.
    public static func referral(objectCode: String, category: String, question: String, state: String, country: String,
                                crops: [SheetImage], matches: [SheetMatch], confirmed: [SheetCandidate],
                                claims: [SheetClaim], generatedAt: String) -> EvidenceSheet {
        EvidenceSheet(kind: .referral, objectCode: objectCode, title: "Referral", category: category, question: question,
                      state: state, crops: crops, matches: matches, candidates: confirmed, generatedAt: generatedAt,
                      country: country, claims: claims)
    }

    /// Every distinct image on the page (by SHA-256): crops first, then tip photos, in page order.
    public var evidenceFiles: [(role: String, image: SheetImage)] {
        var seen = Set<String>()
        var out: [(String, SheetImage)] = []
        for crop in crops where seen.insert(crop.sha256).inserted { out.append(("object crop", crop)) }
        for match in matches {
            if seen.insert(match.cropImage.sha256).inserted { out.append(("object crop", match.cropImage)) }
            if seen.insert(match.tipImage.sha256).inserted { out.append(("tip \(match.tipID)", match.tipImage)) }
        }
        return out
    }

    /// The self-contained page: inline CSS, no scripts, no external URLs, images by relative path, every
    /// text escaped.
    public func html() -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<title>\(SheetHTML.escape(title)) — \(SheetHTML.escape(objectCode))</title>\n<style>\n\(Self.css)</style>\n</head>\n"
        h += "<body class=\"\(kind.rawValue)\">\n<header>\n<h1>\(SheetHTML.escape(title)): \(SheetHTML.escape(objectCode))</h1>\n<dl>\n"
        var facts: [(String, String)] = [("Object", objectCode), ("Category", category), ("Question", question), ("State", state)]
        if let country { facts.append(("Country", country)) }
        facts.append(("Generated", generatedAt))
        for (name, value) in facts { h += "<dt>\(name)</dt><dd>\(SheetHTML.escape(value))</dd>\n" }
        h += "</dl>\n</header>\n"

        if !crops.isEmpty {
            h += "<section class=\"crops\">\n<h2>Object crops</h2>\n<div class=\"gallery\">\n"
            for (n, crop) in crops.enumerated() {
                h += "<figure>\(Self.img(crop, alt: "object crop \(n + 1)"))<figcaption>\(crop.width)×\(crop.height) px · "
                h += "<code>\(SheetHTML.escape(String(crop.sha256.prefix(12))))</code></figcaption></figure>\n"
            }
            h += "</div>\n</section>\n"
        }

        h += "<section class=\"matches\">\n<h2>Matching tip photos (\(matches.count))</h2>\n"
        if matches.isEmpty { h += "<p class=\"none\">No tip photo matches this object.</p>\n" }
        for match in matches { h += Self.matchArticle(match) }
        h += "</section>\n"

        h += "<section class=\"candidates\">\n<h2>\(kind == .referral ? "Confirmed candidates" : "Candidate ranking")</h2>\n"
        if candidates.isEmpty {
            h += "<p class=\"none\">No candidates.</p>\n"
        } else {
            h += "<table>\n<thead><tr><th>#</th><th>Brand</th><th>Product</th><th>Country</th><th>Score</th><th>Share</th>"
            h += "<th>State</th><th>Supporting tips</th><th>Evidence</th></tr></thead>\n<tbody>\n"
            for c in candidates {
                h += "<tr class=\"state-\(SheetHTML.escape(c.state))\"><td>\(c.rank)</td><td>\(SheetHTML.escape(c.brand ?? "—"))</td>"
                h += "<td>\(SheetHTML.escape(c.product ?? "—"))</td><td>\(SheetHTML.escape(c.country ?? "—"))</td>"
                h += "<td>\(String(format: "%.3f", c.score))</td><td>\(String(format: "%.0f%%", c.share * 100))</td>"
                h += "<td>\(SheetHTML.escape(c.state))</td><td>\(SheetHTML.escape(c.supportingTips.joined(separator: ", ")))</td><td>"
                if !c.evidence.isEmpty { h += "<ul>" + c.evidence.map { "<li>\(SheetHTML.escape($0))</li>" }.joined() + "</ul>" }
                h += "</td></tr>\n"
            }
            h += "</tbody>\n</table>\n"
        }
        h += "</section>\n"

        if !claims.isEmpty {
            h += "<section class=\"claims\">\n<h2>Supporting tips' claims</h2>\n<table>\n"
            h += "<thead><tr><th>Tip</th><th>Claim</th><th>Source</th></tr></thead>\n<tbody>\n"
            for claim in claims {
                h += "<tr><td>\(SheetHTML.escape(claim.tipID))</td><td class=\"claim\">\(SheetHTML.escape(claim.text))</td>"
                h += "<td>\(SheetHTML.escape(claim.source ?? "—"))</td></tr>\n"
            }
            h += "</tbody>\n</table>\n</section>\n"
        }

        let files = evidenceFiles
        h += "<section class=\"evidence\">\n<h2>Evidence files (SHA-256)</h2>\n"
        if files.isEmpty {
            h += "<p class=\"none\">No image files.</p>\n"
        } else {
            h += "<table>\n<thead><tr><th>Role</th><th>Pixels</th><th>SHA-256 of this file (working copy)</th>"
            h += "<th>SHA-256 of the original as received</th></tr></thead>\n<tbody>\n"
            for (role, image) in files {
                h += "<tr><td>\(SheetHTML.escape(role))</td><td>\(image.width)×\(image.height)</td>"
                h += "<td><code>\(SheetHTML.escape(image.sha256))</code></td>"
                h += "<td>\(originals[image.sha256].map { "<code>\(SheetHTML.escape($0))</code>" } ?? "—")</td></tr>\n"
            }
            h += "</tbody>\n</table>\n"
        }
        h += "</section>\n<footer>Generated by objtrace at \(SheetHTML.escape(generatedAt)). Images are thumbnails. "
        h += "The first SHA-256 identifies the stored file: for crops the file as added, for tip photos the working copy "
        h += "with metadata removed; the second is the tip photo as the tipster sent it (kept out of dossiers and sheets)."
        h += "</footer>\n</body>\n</html>\n"
        return h
    }

    /// One crop-beside-tip block with the match's numbers.
    private static func matchArticle(_ m: SheetMatch) -> String {
        var h = "<article class=\"match tier-\(m.tier.description)\">\n<div class=\"pair\">\n"
        h += "<figure>\(img(m.cropImage, alt: "object crop"))<figcaption>Object crop</figcaption></figure>\n"
        h += "<figure>"
        if let raw = m.region, m.tipImage.width > 0, m.tipImage.height > 0,
           case let region = SheetGeometry.clip(raw, width: Double(m.tipImage.width), height: Double(m.tipImage.height)),
           region.count >= 3 {
            let sx = Double(m.tipImage.thumbWidth) / Double(m.tipImage.width)
            let sy = Double(m.tipImage.thumbHeight) / Double(m.tipImage.height)
            let points = region.map { String(format: "%.1f,%.1f", $0.x * sx, $0.y * sy) }.joined(separator: " ")
            h += "<div class=\"overlay\" style=\"width:\(m.tipImage.thumbWidth)px;height:\(m.tipImage.thumbHeight)px\">"
            h += img(m.tipImage, alt: "tip \(m.tipID)")
            h += "<svg viewBox=\"0 0 \(m.tipImage.thumbWidth) \(m.tipImage.thumbHeight)\" width=\"\(m.tipImage.thumbWidth)\" "
            h += "height=\"\(m.tipImage.thumbHeight)\" aria-label=\"matched region\"><polygon class=\"region\" points=\"\(points)\"/></svg></div>"
        } else {
            h += img(m.tipImage, alt: "tip \(m.tipID)")
        }
        h += "<figcaption>Tip \(SheetHTML.escape(m.tipID))</figcaption></figure>\n</div>\n<table class=\"facts\">\n"
        var rows: [(String, String)] = [("Tip", m.tipID)]
        if let claim = m.claim { rows.append(("Claim", claim)) }
        rows.append(("Algorithms", Reports.algoNames(m.algorithms).joined(separator: ", ")))
        rows.append(("Distances", m.distances.map { d in
            d.threshold.map { "\(d.algo) \(d.distance) (≤ \($0))" } ?? "\(d.algo) \(d.distance)"
        }.joined(separator: ", ")))
        rows.append(("Tier", m.tier.description))
        if let strength = m.strength { rows.append(("Strength", String(format: "%.3f", strength))) }
        if let transform = m.transform { rows.append(("Transform", transform)) }
        if let inliers = m.inliers { rows.append(("Inliers", String(inliers))) }
        for (name, value) in rows { h += "<tr><th>\(name)</th><td>\(SheetHTML.escape(value))</td></tr>\n" }
        return h + "</table>\n</article>\n"
    }

    /// An `<img>` of the thumbnail at its own size.
    private static func img(_ image: SheetImage, alt: String) -> String {
        "<img src=\"\(SheetHTML.escape(SheetHTML.relativeURL(image.relativePath)))\" width=\"\(image.thumbWidth)\" "
            + "height=\"\(image.thumbHeight)\" alt=\"\(SheetHTML.escape(alt))\">"
    }

    /// The page's stylesheet: readable on screen and in print, no external resources.
    static let css = """
        body{font:14px/1.45 system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:24px;color:#1b1b1b;background:#fff}
        h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #ccc}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}dt{font-weight:600}dd{margin:0}
        .gallery,.pair{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
        figure{margin:0}figcaption{font-size:12px;color:#555;margin-top:3px}
        img{display:block;border:1px solid #bbb;background:#eee}
        .overlay{position:relative}.overlay svg{position:absolute;left:0;top:0;pointer-events:none}
        .region{fill:rgba(255,200,0,.18);stroke:#e0a000;stroke-width:2}
        article.match{border:1px solid #ddd;border-radius:6px;padding:12px;margin:0 0 14px;page-break-inside:avoid}
        article.tier-confirm{border-left:6px solid #2e7d32}article.tier-suggest{border-left:6px solid #f9a825}
        table{border-collapse:collapse;margin-top:8px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
        table.facts th{background:#f6f6f6;width:8em}td.claim{white-space:pre-wrap}
        ul{margin:0;padding-left:18px}code{font-size:12px;word-break:break-all}.none{color:#777}
        footer{margin-top:30px;font-size:12px;color:#666}

        """
}

/// Geometry for overlays.
package enum SheetGeometry {
    /// The polygon clipped to the image rectangle [0, width] × [0, height] (Sutherland–Hodgman): a region
    /// estimated partly outside the photo is drawn only where the photo is.
    package static func clip(_ polygon: [SheetPoint], width: Double, height: Double) -> [SheetPoint] {
        let edges: [(inside: (SheetPoint) -> Bool, cross: (SheetPoint, SheetPoint) -> SheetPoint)] = [
            ({ $0.x >= 0 }, { a, b in SheetPoint(x: 0, y: a.y + (b.y - a.y) * (0 - a.x) / (b.x - a.x)) }),
            ({ $0.x <= width }, { a, b in SheetPoint(x: width, y: a.y + (b.y - a.y) * (width - a.x) / (b.x - a.x)) }),
            ({ $0.y >= 0 }, { a, b in SheetPoint(x: a.x + (b.x - a.x) * (0 - a.y) / (b.y - a.y), y: 0) }),
            ({ $0.y <= height }, { a, b in SheetPoint(x: a.x + (b.x - a.x) * (height - a.y) / (b.y - a.y), y: height) }),
        ]
        var out = polygon.filter { $0.x.isFinite && $0.y.isFinite }
        for edge in edges {
            guard let last = out.last else { break }
            var next: [SheetPoint] = []
            var prev = last
            for p in out {
                switch (edge.inside(prev), edge.inside(p)) {
                case (true, true): next.append(p)
                case (true, false): next.append(edge.cross(prev, p))
                case (false, true): next.append(edge.cross(prev, p)); next.append(p)
                case (false, false): break
                }
                prev = p
            }
            out = next
        }
        return out
    }
}

/// HTML text helpers.
package enum SheetHTML {
    /// Escapes the five characters that matter in text and attribute values.
    package static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Percent-encodes a relative path segment by segment; `:` is encoded too, so a path can never turn into
    /// a URL with a scheme, and a leading `/` is dropped so it stays beside the page.
    package static func relativeURL(_ path: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        allowed.insert(charactersIn: "!$'()*+,;=@")
        var trimmed = Substring(path)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        return trimmed.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
            .joined(separator: "/")
    }
}
