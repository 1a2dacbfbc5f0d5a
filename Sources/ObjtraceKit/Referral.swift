public import CaseWork
import Foundation
import ImageCore
import ImageDecoding
import Matching
import Store

/// Writes the dossier a referral sends to one country's authority: `referral.json`, `referral.html` and the
/// evidence images (named by SHA-256) in one folder.
///
/// All or nothing: the dossier is written into a staging folder beside `--out`, moved into place inside the
/// referral's transaction, and removed again if the commit fails; a refused or failed referral leaves neither
/// a folder nor a change in the store. Both files are rendered from one `ReferralContent`, so the page and
/// the JSON list the same tips, matches, candidates and digests.
public enum ReferralDossier {
    /// What was written.
    public struct Result: Sendable {
        /// The dossier folder.
        public var folder: String
        /// Tips this referral moved from linked to referred.
        public var referredTips: [TipID]
        /// Every tip the dossier lists (linked to the object, including ones an earlier referral sent).
        public var dossierTips: [TipID]
        /// Evidence files by SHA-256 of the file in the dossier.
        public var evidence: [String]
    }

    /// Refers `code` to `country` in the store (one transaction, audited) and writes the dossier.
    public static func write(service: CaseService, code: ObjectCode, country: CountryCode, reason: String, folder: String,
                             by analyst: AnalystID) throws -> Result {
        let fm = FileManager.default
        let out = URL(fileURLWithPath: folder).standardizedFileURL
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: out.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw InputError("--out \(folder): exists and is not a folder") }
            guard (try? fm.contentsOfDirectory(atPath: out.path))?.isEmpty == true else {
                throw InputError("--out \(folder): folder is not empty (a dossier is written into a new or empty folder)")
            }
        }
        let parent = out.deletingLastPathComponent()
        guard fm.fileExists(atPath: parent.path, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("--out \(folder): the parent folder \(parent.path) does not exist")
        }
        // Beside the target, so the final move is a rename on one file system.
        let staging = parent.appendingPathComponent(".\(out.lastPathComponent).objtrace-staging-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: staging) }

        let store = service.store
        var movedIntoPlace = false
        do {
            return try store.database.transaction {
                let content = try ReferralContent.build(service: service, code: code, country: country, images: staging)
                let referred = try store.refer(code, to: country, evidence: try content.evidence.map { try SHA256Hex($0.sha256) },
                                               by: analyst, reason: reason)
                try content.writeFiles(into: staging, blobs: service.blobs,
                                       objectState: try store.object(code).state.rawValue)
                if fm.fileExists(atPath: out.path) { try fm.removeItem(at: out) }  // checked empty above
                try fm.moveItem(at: staging, to: out)
                movedIntoPlace = true
                return Result(folder: folder, referredTips: referred, dossierTips: content.tips.map(\.id),
                              evidence: content.evidence.map(\.sha256))
            }
        } catch {
            // The commit (or anything after the move) failed: the store rolled back, so the dossier goes too.
            if movedIntoPlace { try? fm.removeItem(at: out) }
            throw error
        }
    }
}

/// What a referral says, gathered once; `referral.json` and `referral.html` are both rendered from it.
struct ReferralContent {
    /// One evidence file: the file in the dossier (a crop, or a tip photo's metadata-stripped working copy)
    /// and, for tip photos, the SHA-256 of the original the tipster sent (not in the dossier).
    struct Evidence {
        var sha256: String
        var role: String
        var originalSHA256: String?
    }

    var object: CaseObject
    var country: CountryCode
    var tips: [Tip]
    var crops: [SheetImage]
    var matches: [SheetMatch]
    var confirmed: [SheetCandidate]
    var evidence: [Evidence]
    var generatedAt: String

    /// Gathers the content (before the referral changes tip states) and writes the thumbnails into `images`.
    static func build(service: CaseService, code: ObjectCode, country: CountryCode, images: URL) throws -> ReferralContent {
        let store = service.store
        let object = try store.object(code)
        let tips = try store.tips(linkedTo: code)
        let tipIDs = Set(tips.map(\.id))
        let parts = try InteropJobs.sheetParts(service, code: code, dir: images.appendingPathComponent("images"), prefix: "images/",
                                               onlyTips: tipIDs)
        var evidence: [Evidence] = []
        var seen = Set<String>()
        for crop in object.crops where seen.insert(crop.sha256.value).inserted {
            evidence.append(Evidence(sha256: crop.sha256.value, role: "object crop", originalSHA256: nil))
        }
        for tip in tips {
            for photo in tip.content.photos where seen.insert(photo.workingSHA256.value).inserted {
                evidence.append(Evidence(sha256: photo.workingSHA256.value, role: "tip \(tip.id) photo",
                                         originalSHA256: photo.originalSHA256.value))
            }
        }
        return ReferralContent(object: object, country: country, tips: tips, crops: parts.crops, matches: parts.matches,
                               confirmed: parts.candidates.filter { $0.state == "confirmed" }, evidence: evidence,
                               generatedAt: ISO8601DateFormatter().string(from: Date()))
    }

    /// Writes the evidence images, `referral.json` and `referral.html` into `folder`.
    func writeFiles(into folder: URL, blobs: BlobStore, objectState: String) throws {
        let imagesDir = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: imagesDir, withIntermediateDirectories: true)
        for e in evidence {
            let bytes = try blobs.get(e.sha256)
            try Data(bytes).write(to: imagesDir.appendingPathComponent(Self.fileName(e.sha256, bytes)))
        }
        var blobBytes: [String: [UInt8]] = [:]
        for e in evidence { blobBytes[e.sha256] = try blobs.get(e.sha256) }
        try Data((json(objectState: objectState, files: blobBytes).description + "\n").utf8)
            .write(to: folder.appendingPathComponent("referral.json"))
        try Data(sheet(objectState: objectState).html().utf8).write(to: folder.appendingPathComponent("referral.html"))
    }

    static func fileName(_ sha: String, _ bytes: [UInt8]) -> String {
        "\(sha).\(ImageFormat.sniff(bytes) == .png ? "png" : "jpg")"
    }

    /// `referral.json`.
    func json(objectState: String, files: [String: [UInt8]]) -> JSONLine {
        var json = JSONLine()
        json.add("format", "objtrace-referral/2")
        json.add("country", country.value)
        var o = Reports.objectJSON(object)
        o.add("stateAfterReferral", objectState)
        json.add("object", o)
        json.add("confirmedCandidates", confirmed.map { c in
            var line = JSONLine()
            if let b = c.brand { line.add("brand", b) }
            if let p = c.product { line.add("product", p) }
            if let k = c.country { line.add("country", k) }
            line.add("score", Reports.score(c.score))
            line.add("supportingTips", c.supportingTips)
            return line
        })
        json.add("supportingTips", tips.map { t in
            var line = JSONLine()
            line.add("tip", Int(t.id.rawValue))
            line.add("received", t.content.receivedOn.description)
            var claims = JSONLine()
            for k in ClaimKind.allCases { if let v = t.content.claims[k] { claims.add(k.rawValue, v) } }
            line.add("claims", claims)
            line.add("photos", t.content.photos.map { p in
                var photo = JSONLine()
                photo.add("workingSha256", p.workingSHA256.value)
                photo.add("originalSha256", p.originalSHA256.value)
                return photo
            })
            return line
        })
        json.add("matches", matches.map { m in
            var line = JSONLine()
            line.add("tip", m.tipID)
            line.add("tipPhotoSha256", m.tipImage.sha256)
            line.add("cropSha256", m.cropImage.sha256)
            line.add("tier", m.tier.description)
            line.add("algos", Reports.algoNames(m.algorithms))
            if let s = m.strength { line.add("strength", Reports.score(s)) }
            return line
        })
        json.add("evidence", evidence.map { e in
            var line = JSONLine()
            line.add("file", "images/" + Self.fileName(e.sha256, files[e.sha256] ?? []))
            line.add("role", e.role)
            line.add("sha256", e.sha256)
            if let o = e.originalSHA256 { line.add("originalSha256", o) }
            return line
        })
        json.add("digests", "sha256 is the file in this dossier (tip photos: the metadata-stripped working copy); "
                 + "originalSha256 is the photo as the tipster sent it, which is not in the dossier")
        return json
    }

    /// `referral.html`.
    func sheet(objectState: String) -> EvidenceSheet {
        let claims = tips.map { t in
            SheetClaim(tipID: String(t.id.rawValue),
                       text: ClaimKind.allCases.compactMap { k in t.content.claims[k].map { "\(k.rawValue): \($0)" } }.joined(separator: "; "))
        }
        var page = EvidenceSheet.referral(objectCode: object.code.value, category: object.category.rawValue, question: object.question,
                                          state: objectState, country: country.value, crops: crops, matches: matches,
                                          confirmed: confirmed, claims: claims, generatedAt: generatedAt)
        page.originals = Dictionary(evidence.compactMap { e in e.originalSHA256.map { (e.sha256, $0) } }, uniquingKeysWith: { a, _ in a })
        return page
    }
}
