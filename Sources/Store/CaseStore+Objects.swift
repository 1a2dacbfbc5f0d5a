public import CaseWork

/// A crop as stored: its row id (for hashes), the crop and where the stored copy lives.
public struct StoredCrop: Hashable, Sendable {
    /// Row id in `object_crops`; the owner id for `HashOwner.objectCrop`.
    public let id: Int64
    /// The object it belongs to.
    public let object: ObjectCode
    /// SHA-256 and size.
    public let crop: ObjectCrop
    /// Path of the stored copy, as given by the caller (typically relative to the store's folder).
    public let path: String
}

extension CaseStore {
    // MARK: - reading

    /// The object with this code.
    public func object(_ code: ObjectCode) throws -> CaseObject {
        try loadObject(rowID: try objectRowID(code))
    }

    /// All objects, optionally only those in one state, ordered by code.
    public func objects(state: ObjectState? = nil) throws -> [CaseObject] {
        let ids = try database.query("SELECT id FROM objects WHERE ?1 IS NULL OR state = ?1 ORDER BY code",
                                     [state?.rawValue]) { $0.int(0) }
        return try ids.map { id in try loadObject(rowID: id) }
    }

    /// The stored crops of an object, in the order they were added.
    public func crops(of code: ObjectCode) throws -> [StoredCrop] {
        let rowID = try objectRowID(code)
        return try database.query(
            "SELECT id, sha256, width, height, path FROM object_crops WHERE object_id = ? ORDER BY id", [rowID]
        ) { r in (r.int(0), r.text(1), r.int(2), r.int(3), r.text(4)) }
            .map { row in
                StoredCrop(id: row.0, object: code,
                           crop: try ObjectCrop(sha256: SHA256Hex(row.1), width: Int(row.2), height: Int(row.3)),
                           path: row.4)
            }
    }

    // MARK: - operations

    /// Creates a draft object; a code already in use is refused.
    @discardableResult
    public func addObject(
        code: ObjectCode, title: String, category: ObjectCategory, question: String, notes: String = "",
        by analyst: AnalystID
    ) throws -> CaseObject {
        let object = try CaseObject(code: code, title: title, category: category, question: question, notes: notes,
                                    createdBy: analyst)
        return try database.transaction {
            if try database.queryFirst("SELECT 1 FROM objects WHERE code = ?", [code.value], { _ in true }) != nil {
                throw CaseWorkError.invalidValue(field: "object code", value: code.value, reason: "already in use")
            }
            try database.run(
                "INSERT INTO objects (code, title, category, question, notes, state, created_by) VALUES (?,?,?,?,?,?,?)",
                [code.value, object.title, category.rawValue, object.question, object.notes, object.state.rawValue,
                 analyst.name])
            try appendAudit(analyst: analyst.name, action: .objectAdd, subject: .object(code),
                            details: ["title": .string(object.title), "category": .string(category.rawValue)])
            return object
        }
    }

    /// Adds a crop (already written to `storedPath` by the caller) to a draft, with its perceptual hashes,
    /// in one transaction; returns the stored crop (its `id` owns the hashes).
    @discardableResult
    public func addCrop(
        to code: ObjectCode, crop: ObjectCrop, storedPath: String, hashes: [HashRecord] = [], by analyst: AnalystID
    ) throws -> StoredCrop {
        try database.transaction {
            let rowID = try objectRowID(code)
            let before = try loadObject(rowID: rowID)
            let after = try before.addingCrop(crop)
            let cropID = try database.insert("INSERT INTO object_crops (object_id, sha256, width, height, path) VALUES (?,?,?,?,?)",
                                             [rowID, crop.sha256.value, crop.width, crop.height, storedPath])
            try saveObject(rowID: rowID, after)
            try insertHashes(hashes, owner: .objectCrop(cropID))
            try appendAudit(analyst: analyst.name, action: .objectAddCrop, subject: .object(code), details: [
                "sha256": .string(crop.sha256.value), "width": .int(Int64(crop.width)), "height": .int(Int64(crop.height)),
                "hashes": .array(hashes.map { .string($0.algo) }),
                "approvals_cleared": .int(Int64(before.approvals.count)),
            ])
            return StoredCrop(id: cropID, object: code, crop: crop, path: storedPath)
        }
    }

    /// Records one analyst's approval; the second distinct analyst approves the object (four-eyes).
    @discardableResult
    public func approve(_ code: ObjectCode, by analyst: AnalystID, reason: String = "") throws -> CaseObject {
        try transition(code, action: .objectApprove, review: "approve", by: analyst, reason: reason) {
            try $0.approving(by: analyst)
        } details: { after in ["approvals": .array(after.approvals.map { .string($0.name) })] }
    }

    /// Publishes an approved object today (UTC day of the store's clock).
    @discardableResult
    public func publish(_ code: ObjectCode, by analyst: AnalystID, reason: String = "") throws -> CaseObject {
        let day = clock().day
        return try transition(code, action: .objectPublish, review: "publish", by: analyst, reason: reason) {
            try $0.publishing(on: day)
        } details: { _ in ["day": .string(day.description)] }
    }

    /// Resolves a published object as identified or eliminated as ubiquitous.
    @discardableResult
    public func resolve(
        _ code: ObjectCode, as resolution: ObjectResolution, by analyst: AnalystID, reason: String
    ) throws -> CaseObject {
        let why = try Review.requiredReason(reason)
        return try transition(code, action: .objectResolve, review: "resolve:" + resolution.state.rawValue, by: analyst,
                              reason: why) {
            try $0.resolving(resolution)
        } details: { after in
            var d: [String: AuditValue] = ["state": .string(after.state.rawValue)]
            if let id = after.identification {
                d["countries"] = .array(id.countries.map { .string($0.value) })
                d["brand"] = id.brand.map(AuditValue.string) ?? .null
                d["product"] = id.product.map(AuditValue.string) ?? .null
            }
            return d
        }
    }

    /// Withdraws an approved or published object.
    @discardableResult
    public func withdraw(_ code: ObjectCode, by analyst: AnalystID, reason: String) throws -> CaseObject {
        let why = try Review.requiredReason(reason)
        return try transition(code, action: .objectWithdraw, review: "withdraw", by: analyst, reason: why) {
            try $0.withdrawing()
        } details: { _ in [:] }
    }

    /// Archives a resolved or withdrawn object.
    @discardableResult
    public func archive(_ code: ObjectCode, by analyst: AnalystID, reason: String = "") throws -> CaseObject {
        try transition(code, action: .objectArchive, review: "archive", by: analyst, reason: reason) {
            try $0.archiving()
        } details: { _ in [:] }
    }

    /// Records a referral of an identified object to `country`'s authority and moves its linked tips to
    /// referred; returns those tips. The dossier itself is written by the caller.
    @discardableResult
    public func refer(
        _ code: ObjectCode, to country: CountryCode, evidence: [SHA256Hex] = [], by analyst: AnalystID, reason: String = ""
    ) throws -> [TipID] {
        try database.transaction {
            let rowID = try objectRowID(code)
            let object = try loadObject(rowID: rowID)
            try object.checkReferral(to: country)
            let tipIDs = try database.query("SELECT id FROM tips WHERE linked_object_id = ? AND state = 'linked' ORDER BY id",
                                            [rowID]) { TipID($0.int(0)) }
            let now = clock()
            for id in tipIDs {
                let tip = try loadTip(id).referring()
                try database.run("UPDATE tips SET state = ? WHERE id = ?", [tip.state.rawValue, id.rawValue])
                try appendReview(Review(analyst: analyst, at: now, subject: .tip(id), action: "refer:\(country)", reason: reason))
            }
            try appendReview(Review(analyst: analyst, at: now, subject: .object(code), action: "refer:\(country)", reason: reason))
            try appendAudit(analyst: analyst.name, action: .objectRefer, subject: .object(code), details: [
                "country": .string(country.value), "tips": .array(tipIDs.map { .int($0.rawValue) }),
                "evidence": .array(evidence.map { .string($0.value) }),
            ], time: now)
            return tipIDs
        }
    }

    // MARK: - internals

    /// Loads, applies a pure transition, saves, and records review + audit, all in one transaction.
    private func transition(
        _ code: ObjectCode, action: AuditAction, review: String, by analyst: AnalystID, reason: String,
        _ change: (CaseObject) throws -> CaseObject, details: (CaseObject) -> [String: AuditValue]
    ) throws -> CaseObject {
        try database.transaction {
            let rowID = try objectRowID(code)
            let before = try loadObject(rowID: rowID)
            let after = try change(before)
            try saveObject(rowID: rowID, after)
            let now = clock()
            try appendReview(Review(analyst: analyst, at: now, subject: .object(code), action: review, reason: reason))
            var d = details(after)
            d["from"] = .string(before.state.rawValue)
            d["to"] = .string(after.state.rawValue)
            if !reason.isEmpty { d["reason"] = .string(reason) }
            try appendAudit(analyst: analyst.name, action: action, subject: .object(code), details: d, time: now)
            return after
        }
    }

    func objectRowID(_ code: ObjectCode) throws -> Int64 {
        if objectIDsRollbackCount != database.rollbackCount {
            objectIDs = [:]
            objectIDsRollbackCount = database.rollbackCount
        }
        if let id = objectIDs[code.value] { return id }
        guard let id = try database.queryFirst("SELECT id FROM objects WHERE code = ?", [code.value], { $0.int(0) }) else {
            throw StoreError.notFound("object \(code)")
        }
        objectIDs[code.value] = id
        return id
    }

    func loadObject(rowID: Int64) throws -> CaseObject {
        typealias Fields = (String, String, String, String, String, String, String, String?, String?, String?, String?)
        let f: Fields? = try database.queryFirst(
            "SELECT code, title, category, question, notes, state, created_by, published_day, origin_countries, brand, product FROM objects WHERE id = ?",
            [rowID]
        ) { r in
            (r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.optionalText(7),
             r.optionalText(8), r.optionalText(9), r.optionalText(10))
        }
        guard let f else { throw StoreError.notFound("object row \(rowID)") }
        guard let category = ObjectCategory(rawValue: f.2), let state = ObjectState(rawValue: f.5) else {
            throw StoreError.integrity("object \(f.0): unknown category or state in the database")
        }
        let crops = try database.query("SELECT sha256, width, height FROM object_crops WHERE object_id = ? ORDER BY id",
                                       [rowID]) { r in (r.text(0), r.int(1), r.int(2)) }
            .map { c in try ObjectCrop(sha256: SHA256Hex(c.0), width: Int(c.1), height: Int(c.2)) }
        let approvals = try database.query("SELECT analyst FROM object_approvals WHERE object_id = ? ORDER BY ordinal",
                                           [rowID]) { $0.text(0) }
            .map { name in try AnalystID(name) }
        var identification: Identification?
        if let countries = f.8 {
            identification = try Identification(
                countries: countries.split(separator: ",").map { c in try CountryCode(String(c)) }, brand: f.9, product: f.10)
        }
        return CaseObject(
            restoring: try ObjectCode(f.0), title: f.1, category: category, question: f.3, notes: f.4,
            createdBy: try AnalystID(f.6), crops: crops, state: state, approvals: approvals,
            publishedOn: try f.7.map { d in try DayDate(iso: d) }, identification: identification)
    }

    /// Writes the mutable parts of an object: approvals first, so the four-eyes trigger sees them.
    func saveObject(rowID: Int64, _ object: CaseObject) throws {
        try database.run("DELETE FROM object_approvals WHERE object_id = ?", [rowID])
        for (i, analyst) in object.approvals.enumerated() {
            try database.run("INSERT INTO object_approvals (object_id, ordinal, analyst) VALUES (?,?,?)",
                             [rowID, i, analyst.name])
        }
        let id = object.identification
        try database.run(
            "UPDATE objects SET state = ?, published_day = ?, origin_countries = ?, brand = ?, product = ? WHERE id = ?",
            [object.state.rawValue, object.publishedOn?.description, id.map { $0.countries.map(\.value).joined(separator: ",") },
             id?.brand, id?.product, rowID])
    }
}

extension StoredCrop: Encodable {}
