public import CaseWork

/// One line of an import file, identified by its source and the SHA-256 of the line's bytes, so that a
/// re-run skips what is done even if lines were reordered or appended.
public struct ImportLine: Hashable, Sendable {
    /// The import source as the caller names it (e.g. the file's path).
    public let source: String
    /// 1-based line number, for messages.
    public let lineNumber: Int
    /// SHA-256 of the line's bytes.
    public let lineSHA256: SHA256Hex

    /// Describes a line.
    public init(source: String, lineNumber: Int, lineSHA256: SHA256Hex) {
        self.source = source
        self.lineNumber = lineNumber
        self.lineSHA256 = lineSHA256
    }
}

/// A tip photo as stored: its row id (for hashes) and its description.
public struct StoredPhoto: Hashable, Sendable {
    /// Row id in `tip_photos`; the owner id for `HashOwner.tipPhoto`.
    public let id: Int64
    /// The tip it belongs to.
    public let tip: TipID
    /// Hashes and metadata flags.
    public let photo: TipPhoto
}

/// What happened to an import line.
public enum ImportOutcome: String, Sendable {
    /// A new tip was stored.
    case imported
    /// The line's tip was already in the store.
    case duplicate
    /// The line was refused (bad JSON, invalid field, missing photo, ...).
    case rejected
}

/// A row of import progress.
public struct ImportProgressEntry: Hashable, Sendable {
    /// The line.
    public let line: ImportLine
    /// What happened.
    public let outcome: ImportOutcome
    /// The tip it produced or duplicated, if any.
    public let tipID: TipID?
    /// Why it was refused, if it was.
    public let message: String
}

/// The result of `submitTip`.
public struct SubmitResult: Hashable, Sendable {
    /// Whether the tip was new or which rule found it already stored.
    public enum Outcome: String, Sendable {
        /// Stored as a new tip.
        case inserted
        /// A tip with the same canonical content exists.
        case duplicateContent = "duplicate-content"
        /// No longer produced (until version 2 a tip whose photo was already stored was dropped); kept so that
        /// import progress written by older builds still reads.
        case duplicatePhoto = "duplicate-photo"
    }

    /// The new tip, or the stored tip it duplicates.
    public let tipID: TipID
    /// What happened.
    public let outcome: Outcome
    /// Row ids of the new tip's photos in submission order (owners for `HashOwner.tipPhoto`); empty for duplicates.
    /// A photo already stored by an earlier tip keeps that earlier row's id (see `repeatedPhotoIDs`).
    public let photoIDs: [Int64]
    /// Those of `photoIDs` that were already stored (same original bytes) and are shared, not new.
    public let repeatedPhotoIDs: Set<Int64>

    /// A result.
    public init(tipID: TipID, outcome: Outcome, photoIDs: [Int64], repeatedPhotoIDs: Set<Int64> = []) {
        self.tipID = tipID
        self.outcome = outcome
        self.photoIDs = photoIDs
        self.repeatedPhotoIDs = repeatedPhotoIDs
    }

    /// Whether a new tip was stored.
    public var isNew: Bool { outcome == .inserted }
}

extension CaseStore {
    // MARK: - reading

    /// One tip with its claims, photos and contact.
    public func tip(_ id: TipID) throws -> Tip { try loadTip(id) }

    /// The tip that already holds a photo with these original bytes, if any: lets an importer skip decoding
    /// and stripping a photo it has seen.
    public func tipContainingPhoto(_ originalSHA256: SHA256Hex) throws -> TipID? {
        try database.queryFirst("SELECT tip_id FROM tip_photos WHERE original_sha256 = ?", [originalSHA256.value]) {
            TipID($0.int(0))
        }
    }

    /// A tip's photos with their row ids (owners for `HashOwner.tipPhoto`), in attachment order.
    public func storedPhotos(of id: TipID) throws -> [StoredPhoto] {
        try database.query(
            """
            SELECT id, original_sha256, working_sha256, original_had_gps, original_had_device_serial, ordinal FROM tip_photos WHERE tip_id = ?1
            UNION ALL
            SELECT p.id, p.original_sha256, p.working_sha256, p.original_had_gps, p.original_had_device_serial, r.ordinal
            FROM tip_photo_repeats r JOIN tip_photos p ON p.id = r.photo_id WHERE r.tip_id = ?1
            ORDER BY 6
            """,
            [id.rawValue]
        ) { r in (r.int(0), r.text(1), r.text(2), r.bool(3), r.bool(4)) }
            .map { p in
                StoredPhoto(id: p.0, tip: id, photo: TipPhoto(originalSHA256: try SHA256Hex(p.1), workingSHA256: try SHA256Hex(p.2),
                                                              originalHadGPS: p.3, originalHadDeviceSerial: p.4))
            }
    }

    /// Tips, optionally filtered by state and/or linked object, by ascending id.
    public func tips(state: TipState? = nil, linkedTo object: ObjectCode? = nil, about: ObjectCode? = nil,
                     limit: Int = .max, offset: Int = 0) throws -> [Tip] {
        let objectRow: Int64? = try object.map { code in try objectRowID(code) }
        let aboutRow: Int64? = try about.map { code in try objectRowID(code) }
        let ids = try database.query(
            """
            SELECT id FROM tips WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR linked_object_id = ?2)
              AND (?5 IS NULL OR about_object_id = ?5) ORDER BY id LIMIT ?3 OFFSET ?4
            """,
            [state?.rawValue, objectRow, Int64(min(limit, Int(Int64.max))), offset, aboutRow]
        ) { TipID($0.int(0)) }
        return try loadTips(ids)
    }

    /// Tips that need an analyst (received, triaged, relevant), most promising first.
    ///
    /// With `priority`, tips are ordered by its value, highest first; otherwise by the stored match score
    /// (unscored last). Ties go to the older tip.
    public func queue(limit: Int = .max, priority: ((Tip) -> Double)? = nil) throws -> [Tip] {
        let states = TipState.allCases.filter(\.needsAnalyst).map { "'\($0.rawValue)'" }.joined(separator: ",")
        let sql = "SELECT id FROM tips WHERE state IN (\(states)) ORDER BY match_score IS NULL, match_score DESC, id"
        guard let priority else {
            let ids = try database.query(sql + " LIMIT ?", [Int64(min(limit, Int(Int64.max)))]) { TipID($0.int(0)) }
            return try loadTips(ids)
        }
        let all = try loadTips(try database.query(sql) { TipID($0.int(0)) })
        let ranked = all.map { (tip: $0, p: priority($0)) }
            .sorted { $0.p != $1.p ? $0.p > $1.p : $0.tip.id < $1.tip.id }
        return ranked.prefix(limit).map(\.tip)
    }

    /// Progress of an import source, keyed by line SHA-256.
    public func importProgress(source: String) throws -> [SHA256Hex: ImportProgressEntry] {
        let rows = try database.query(
            "SELECT line_sha256, line_number, outcome, tip_id, message FROM import_progress WHERE source = ?", [source]
        ) { r in (r.text(0), r.int(1), r.text(2), r.optionalInt(3), r.text(4)) }
        var out: [SHA256Hex: ImportProgressEntry] = [:]
        for row in rows {
            guard let outcome = ImportOutcome(rawValue: row.2) else { throw StoreError.integrity("bad import outcome \(row.2)") }
            let sha = try SHA256Hex(row.0)
            out[sha] = ImportProgressEntry(line: ImportLine(source: source, lineNumber: Int(row.1), lineSHA256: sha),
                                           outcome: outcome, tipID: row.3.map(TipID.init), message: row.4)
        }
        return out
    }

    // MARK: - operations

    /// Stores a tip with its claims, photos and their hashes in one transaction, or finds it already stored.
    ///
    /// Idempotent: a tip whose canonical content, or any of whose photos (by SHA-256 of the original bytes),
    /// is already stored is not stored again; the result names the existing tip. With `importLine`, the
    /// line's progress row is written in the same transaction, so a killed import leaves only whole tips.
    /// The audit entry keeps only the day, like the tip.
    @discardableResult
    public func submitTip(
        _ submission: TipSubmission, photoHashes: [SHA256Hex: [HashRecord]] = [:], importLine: ImportLine? = nil,
        by analyst: AnalystID
    ) throws -> SubmitResult {
        let originals = Set(submission.photos.map(\.originalSHA256))
        if let stray = photoHashes.keys.first(where: { !originals.contains($0) }) {
            throw CaseWorkError.invalidValue(field: "photo hashes", value: stray.value, reason: "not a photo of this tip")
        }
        let contentSHA = CaseStore.sha256Hex(submission.canonicalContent)
        return try database.transaction {
            let result = try insertTipIfNew(submission, contentSHA: contentSHA, photoHashes: photoHashes, by: analyst)
            if let importLine {
                try recordImportLine(importLine, outcome: result.isNew ? .imported : .duplicate, tipID: result.tipID, message: "")
            }
            return result
        }
    }

    /// Records that an import line was refused, with the reason, so a re-run reports it again without retrying
    /// blindly; a later successful submit of the same line replaces it.
    public func recordImportRejection(_ line: ImportLine, message: String, by analyst: AnalystID) throws {
        try database.transaction {
            try recordImportLine(line, outcome: .rejected, tipID: nil, message: message)
            try appendAudit(analyst: analyst.name, action: .importReject, subject: .other("import:" + line.source),
                            details: ["line": .int(Int64(line.lineNumber)), "line_sha256": .string(line.lineSHA256.value),
                                      "message": .string(message)], time: clock().startOfDay)
        }
    }

    /// Applies an analyst's review decision to a tip (a reason is required).
    @discardableResult
    public func review(_ id: TipID, decision: TipDecision, reason: String, by analyst: AnalystID) throws -> Tip {
        let why = try Review.requiredReason(reason)
        return try tipTransition(id, action: .tipReview, review: "review:" + decision.rawValue, by: analyst, reason: why) {
            try $0.reviewing(decision)
        }
    }

    /// Triages a received tip, or returns a needs-info tip to triaged when the information arrived.
    @discardableResult
    public func triage(_ id: TipID, by analyst: AnalystID, reason: String = "") throws -> Tip {
        try tipTransition(id, action: .tipTriage, review: "triage", by: analyst, reason: reason) { try $0.triaging() }
    }

    /// Links a relevant tip to an object that has been published.
    @discardableResult
    public func linkTip(_ id: TipID, to code: ObjectCode, by analyst: AnalystID, reason: String = "") throws -> Tip {
        try tipTransition(id, action: .tipLink, review: "link:" + code.value, by: analyst, reason: reason) { tip in
            let object = try self.object(code)
            guard object.state.hasBeenPublished else {
                throw CaseWorkError.invalidTransition(subject: tip.subject, from: tip.state.rawValue, to: "linked",
                                                      reason: "\(object.subject) has not been published")
            }
            return try tip.linking(to: code)
        }
    }

    /// Closes a tip.
    @discardableResult
    public func closeTip(_ id: TipID, by analyst: AnalystID, reason: String) throws -> Tip {
        let why = try Review.requiredReason(reason)
        return try tipTransition(id, action: .tipClose, review: "close", by: analyst, reason: why) { try $0.closing() }
    }

    /// Stores match scores (higher = more promising) that order the queue, in one transaction and one audit entry.
    public func setMatchScores(_ scores: [TipID: Double], by analyst: AnalystID) throws {
        if let bad = scores.first(where: { !$0.value.isFinite }) {
            throw CaseWorkError.invalidValue(field: "match score", value: "\(bad.value)", reason: "must be finite")
        }
        try database.transaction {
            for (id, score) in scores.sorted(by: { $0.key < $1.key }) {
                try database.run("UPDATE tips SET match_score = ? WHERE id = ?", [score, id.rawValue])
                guard database.changes == 1 else { throw StoreError.notFound("tip \(id)") }
            }
            try appendAudit(analyst: analyst.name, action: .tipScore, subject: .other("tips"),
                            details: ["count": .int(Int64(scores.count))])
        }
    }

    // MARK: - internals

    private func insertTipIfNew(
        _ s: TipSubmission, contentSHA: String, photoHashes: [SHA256Hex: [HashRecord]], by analyst: AnalystID
    ) throws -> SubmitResult {
        if let existing = try database.queryFirst("SELECT id FROM tips WHERE content_sha256 = ?", [contentSHA], { $0.int(0) }) {
            return SubmitResult(tipID: TipID(existing), outcome: .duplicateContent, photoIDs: [], repeatedPhotoIDs: [])
        }
        var aboutRow: Int64?
        if let code = s.aboutObject {
            // Only the state matters here; loading the whole object would triple the cost of a bulk import.
            guard let (rowID, rawState) = try database.queryFirst("SELECT id, state FROM objects WHERE code = ?", [code.value], {
                ($0.int(0), $0.text(1))
            }) else { throw StoreError.notFound("object \(code)") }
            guard ObjectState(rawValue: rawState)?.hasBeenPublished == true else {
                throw CaseWorkError.invalidValue(field: "object", value: code.value,
                                                 reason: "has not been published, so no tip can be about it")
            }
            aboutRow = rowID
        }
        let tipID = try database.insert(
            "INSERT INTO tips (received_day, channel, language, text, about_object_id, state, contact_opt_in, contact, content_sha256) VALUES (?,?,?,?,?,?,?,?,?)",
            [s.receivedOn.description, s.channel.rawValue, s.language, s.text, aboutRow, TipState.received.rawValue,
             s.contact.contact != nil, s.contact.contact, contentSHA])
        for kind in ClaimKind.allCases {
            guard let value = s.claims[kind] else { continue }
            try database.run("INSERT INTO tip_claims (tip_id, kind, value) VALUES (?,?,?)", [tipID, kind.rawValue, value])
        }
        var photoIDs: [Int64] = []
        var repeated: Set<Int64> = []
        for (i, p) in s.photos.enumerated() {
            // A photo already stored (another tipster sent the same file, or this tip sent it twice) is not stored
            // again: the tip refers to the earlier row, whose hashes and matches it shares.
            if let existing = try database.queryFirst("SELECT id FROM tip_photos WHERE original_sha256 = ?",
                                                      [p.originalSHA256.value], { $0.int(0) }) {
                try database.run("INSERT INTO tip_photo_repeats (tip_id, ordinal, photo_id) VALUES (?,?,?)", [tipID, i, existing])
                photoIDs.append(existing)
                repeated.insert(existing)
                continue
            }
            let photoID = try database.insert(
                "INSERT INTO tip_photos (tip_id, ordinal, original_sha256, working_sha256, original_had_gps, original_had_device_serial) VALUES (?,?,?,?,?,?)",
                [tipID, i, p.originalSHA256.value, p.workingSHA256.value, p.originalHadGPS, p.originalHadDeviceSerial])
            photoIDs.append(photoID)
            try insertHashes(photoHashes[p.originalSHA256] ?? [], owner: .tipPhoto(photoID))
        }
        try appendAudit(analyst: analyst.name, action: .tipSubmit, subject: .tip(TipID(tipID)), details: [
            "channel": .string(s.channel.rawValue), "day": .string(s.receivedOn.description),
            "content_sha256": .string(contentSHA),
            "photos": .array(s.photos.map { .string($0.originalSHA256.value) }),
            "claims": .array(ClaimKind.allCases.filter { s.claims[$0] != nil }.map { .string($0.rawValue) }),
            "about": s.aboutObject.map { .string($0.value) } ?? .null,
            "repeated_photos": .array(repeated.sorted().map { .int($0) }),
        ], time: clock().startOfDay)
        return SubmitResult(tipID: TipID(tipID), outcome: .inserted, photoIDs: photoIDs, repeatedPhotoIDs: repeated)
    }

    private func recordImportLine(_ line: ImportLine, outcome: ImportOutcome, tipID: TipID?, message: String) throws {
        try database.run(
            """
            INSERT INTO import_progress (source, line_sha256, line_number, outcome, tip_id, message) VALUES (?,?,?,?,?,?)
            ON CONFLICT (source, line_sha256) DO UPDATE SET line_number = excluded.line_number,
                outcome = excluded.outcome, tip_id = excluded.tip_id, message = excluded.message
            """,
            [line.source, line.lineSHA256.value, line.lineNumber, outcome.rawValue, tipID?.rawValue, message])
    }

    private func tipTransition(
        _ id: TipID, action: AuditAction, review: String, by analyst: AnalystID, reason: String,
        _ change: (Tip) throws -> Tip
    ) throws -> Tip {
        try database.transaction {
            let before = try loadTip(id)
            let after = try change(before)
            let linkedRow: Int64? = try after.linkedObject.map { code in try objectRowID(code) }
            try database.run("UPDATE tips SET state = ?, linked_object_id = ? WHERE id = ?",
                             [after.state.rawValue, linkedRow, id.rawValue])
            // The tip's weight (decision) or the set of tips of its objects changed: their aggregates are rebuilt
            // on next use.
            try invalidateEvidence(ofTip: id)
            let now = clock()
            try appendReview(Review(analyst: analyst, at: now, subject: .tip(id), action: review, reason: reason))
            var details: [String: AuditValue] = ["from": .string(before.state.rawValue), "to": .string(after.state.rawValue)]
            if !reason.isEmpty { details["reason"] = .string(reason) }
            if let code = after.linkedObject { details["object"] = .string(code.value) }
            try appendAudit(analyst: analyst.name, action: action, subject: .tip(id), details: details, time: now)
            return after
        }
    }

    func loadTip(_ id: TipID) throws -> Tip {
        guard let tip = try loadTips([id]).first else { throw StoreError.notFound("tip \(id)") }
        return tip
    }

    /// Loads many tips with three queries per chunk instead of three per tip; the result keeps `ids` order
    /// and skips ids that do not exist.
    ///
    /// Chunks are padded to a fixed size by repeating the last id, so each query has one SQL text and
    /// stays in the statement cache.
    /// - Complexity: O(n) rows, 3 * ceil(n / 256) statements.
    func loadTips(_ ids: [TipID]) throws -> [Tip] {
        typealias Fields = (String, String, String, String, String?, String?, String, String?, Double?)
        let chunkSize = 256
        let marks = Array(repeating: "?", count: chunkSize).joined(separator: ",")
        var base: [Int64: Fields] = [:]
        var claims: [Int64: [ClaimKind: String]] = [:]
        var photos: [Int64: [TipPhoto]] = [:]
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(start + chunkSize, ids.count)].map(\.rawValue)
            let params: [any SQLBindable] = chunk + Array(repeating: chunk.last!, count: chunkSize - chunk.count)
            start += chunkSize
            for (id, f) in try database.query(
                """
                SELECT t.id, t.received_day, t.channel, t.language, t.text, a.code, l.code, t.state, t.contact, t.match_score
                FROM tips t LEFT JOIN objects a ON a.id = t.about_object_id LEFT JOIN objects l ON l.id = t.linked_object_id
                WHERE t.id IN (\(marks))
                """, params, { r in
                    (r.int(0), (r.text(1), r.text(2), r.text(3), r.text(4), r.optionalText(5), r.optionalText(6),
                                r.text(7), r.optionalText(8), r.optionalDouble(9)) as Fields)
                }) { base[id] = f }
            for (id, kind, value) in try database.query(
                "SELECT tip_id, kind, value FROM tip_claims WHERE tip_id IN (\(marks))", params, { ($0.int(0), $0.text(1), $0.text(2)) }) {
                guard let k = ClaimKind(rawValue: kind) else { throw StoreError.integrity("tip \(id): unknown claim kind \(kind)") }
                claims[id, default: [:]][k] = value
            }
            let photoRows = try database.query(
                """
                SELECT tip_id, original_sha256, working_sha256, original_had_gps, original_had_device_serial, ordinal
                FROM tip_photos WHERE tip_id IN (\(marks))
                UNION ALL
                SELECT r.tip_id, p.original_sha256, p.working_sha256, p.original_had_gps, p.original_had_device_serial, r.ordinal
                FROM tip_photo_repeats r JOIN tip_photos p ON p.id = r.photo_id WHERE r.tip_id IN (\(marks))
                ORDER BY 1, 6
                """, params + params) { r in (r.int(0), r.text(1), r.text(2), r.bool(3), r.bool(4)) }
            for p in photoRows {
                photos[p.0, default: []].append(TipPhoto(originalSHA256: try SHA256Hex(p.1), workingSHA256: try SHA256Hex(p.2),
                                                         originalHadGPS: p.3, originalHadDeviceSerial: p.4))
            }
        }
        return try ids.compactMap { id -> Tip? in
            guard let f = base[id.rawValue] else { return nil }
            guard let channel = TipChannel(rawValue: f.1), let state = TipState(rawValue: f.6) else {
                throw StoreError.integrity("tip \(id): unknown channel or state in the database")
            }
            let content = try TipSubmission(
                receivedOn: DayDate(iso: f.0), channel: channel, language: f.2, text: f.3,
                claims: TipClaims(claims[id.rawValue] ?? [:]), photos: photos[id.rawValue] ?? [],
                contact: try f.7.map { c in try ContactConsent.optIn(c) } ?? .declined,
                aboutObject: try f.4.map { c in try ObjectCode(c) })
            return Tip(id: id, content: content, state: state, linkedObject: try f.5.map { c in try ObjectCode(c) },
                       matchScore: f.8)
        }
    }
}

extension StoredPhoto: Encodable {}
extension ImportLine: Encodable {}
extension ImportOutcome: Encodable {}
extension ImportProgressEntry: Encodable {}
extension SubmitResult.Outcome: Encodable {}
extension SubmitResult: Encodable {}
