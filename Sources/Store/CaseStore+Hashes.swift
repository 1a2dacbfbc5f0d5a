public import CaseWork

/// The kinds of image that own hashes and matches (the `owner_kind` / `ref_kind` vocabulary).
public enum OwnerKind: String, Hashable, Sendable, CaseIterable {
    /// A catalogue crop.
    case objectCrop = "object_crop"
    /// A tip photo.
    case tipPhoto = "tip_photo"
}

/// What a stored perceptual hash belongs to.
public enum HashOwner: Hashable, Sendable {
    /// An object crop, by `StoredCrop.id`.
    case objectCrop(Int64)
    /// A tip photo, by its id from `SubmitResult.photoIDs`.
    case tipPhoto(Int64)

    /// The owner's kind.
    public var ownerKind: OwnerKind {
        switch self {
        case .objectCrop: return .objectCrop
        case .tipPhoto: return .tipPhoto
        }
    }

    /// The `owner_kind` column value.
    public var kind: String { ownerKind.rawValue }

    /// The owner's row id.
    public var id: Int64 {
        switch self {
        case let .objectCrop(id), let .tipPhoto(id): return id
        }
    }
}

/// A stored hash with enough context to report a match: the object or tip, and the image's SHA-256.
public struct StoredHash: Hashable, Sendable {
    /// The crop or photo row.
    public let owner: HashOwner
    /// The object (for crops) or tip (for photos).
    public let subject: Subject
    /// SHA-256 of the crop file, or of the tip photo's original bytes.
    public let imageSHA256: SHA256Hex
    /// The hash.
    public let record: HashRecord
}

extension CaseStore {
    /// Records perceptual hashes for a crop or photo (already-stored identical hashes are skipped).
    public func recordHashes(_ hashes: [HashRecord], for owner: HashOwner, by analyst: AnalystID) throws {
        try database.transaction {
            let inserted = try insertHashes(hashes, owner: owner)
            try appendAudit(analyst: analyst.name, action: .hashesRecord, subject: .other(owner.kind + ":" + String(owner.id)),
                            details: ["algos": .array(Set(hashes.map(\.algo)).sorted().map(AuditValue.string)),
                                      "inserted": .int(Int64(inserted))])
        }
    }

    /// Every stored hash, optionally of one algorithm and/or owner kind, for building match indexes; with
    /// `objectStates`, crop hashes are kept only for objects in those states (tip hashes are unaffected).
    /// - Complexity: O(n) rows, one query.
    public func allHashes(
        algo: String? = nil, ownerKind: String? = nil, objectStates: Set<ObjectState>? = nil
    ) throws -> [StoredHash] {
        let rows = try database.query(
            """
            SELECT h.owner_kind, h.owner_id, h.algo, h.hex, h.quality, o.code, c.sha256, p.tip_id, p.original_sha256, o.state
            FROM hashes h
            LEFT JOIN object_crops c ON h.owner_kind = 'object_crop' AND c.id = h.owner_id
            LEFT JOIN objects o ON o.id = c.object_id
            LEFT JOIN tip_photos p ON h.owner_kind = 'tip_photo' AND p.id = h.owner_id
            WHERE (?1 IS NULL OR h.algo = ?1) AND (?2 IS NULL OR h.owner_kind = ?2)
            ORDER BY h.id
            """, [algo, ownerKind]
        ) { r in
            (r.text(0), r.int(1), r.text(2), r.text(3), r.optionalInt(4), r.optionalText(5), r.optionalText(6),
             r.optionalInt(7), r.optionalText(8), r.optionalText(9))
        }
        let allowed = objectStates.map { Set($0.map(\.rawValue)) }
        return try rows.compactMap { row in
            if let allowed, row.0 == "object_crop", !allowed.contains(row.9 ?? "") { return nil }
            let record = try HashRecord(algo: row.2, hex: row.3, quality: row.4.map { Int($0) })
            if row.0 == "object_crop", let code = row.5, let sha = row.6 {
                return StoredHash(owner: .objectCrop(row.1), subject: .object(try ObjectCode(code)),
                                  imageSHA256: try SHA256Hex(sha), record: record)
            }
            if row.0 == "tip_photo", let tip = row.7, let sha = row.8 {
                return StoredHash(owner: .tipPhoto(row.1), subject: .tip(TipID(tip)), imageSHA256: try SHA256Hex(sha),
                                  record: record)
            }
            throw StoreError.integrity("hash of \(row.0) \(row.1) has no owner")
        }
    }

    /// Hashes of tip photos with a row id above `photoID`, in photo order: what a long-lived match index
    /// adds since it last looked.
    /// - Complexity: O(new rows), one indexed query.
    public func tipPhotoHashes(after photoID: Int64) throws -> [StoredHash] {
        let rows = try database.query(
            """
            SELECT h.owner_id, h.algo, h.hex, h.quality, p.tip_id, p.original_sha256
            FROM tip_photos p JOIN hashes h ON h.owner_kind = 'tip_photo' AND h.owner_id = p.id
            WHERE p.id > ? ORDER BY p.id, h.id
            """, [photoID]
        ) { r in (r.int(0), r.text(1), r.text(2), r.optionalInt(3), r.int(4), r.text(5)) }
        return try rows.map { row in
            StoredHash(owner: .tipPhoto(row.0), subject: .tip(TipID(row.4)), imageSHA256: try SHA256Hex(row.5),
                       record: try HashRecord(algo: row.1, hex: row.2, quality: row.3.map { Int($0) }))
        }
    }

    /// The largest tip photo row id (0 when there is none).
    public func lastTipPhotoID() throws -> Int64 {
        try database.queryFirst("SELECT max(id) FROM tip_photos") { $0.int(0) } ?? 0
    }

    /// Records the local-feature blob (its SHA-256 in the blob store) of a crop, inside or as a transaction.
    public func setLocalFeatures(crop cropID: Int64, blobSHA256: SHA256Hex) throws {
        try database.run(
            "INSERT INTO local_features (crop_id, blob_sha256) VALUES (?, ?) ON CONFLICT (crop_id) DO UPDATE SET blob_sha256 = excluded.blob_sha256",
            [cropID, blobSHA256.value])
    }

    /// The local-feature blobs of crops of objects in `objectStates`, by crop.
    public func localFeatures(objectStates: Set<ObjectState>) throws -> [(crop: Int64, object: ObjectCode, blob: SHA256Hex)] {
        let allowed = Set(objectStates.map(\.rawValue))
        let rows = try database.query(
            """
            SELECT f.crop_id, o.code, f.blob_sha256, o.state FROM local_features f
            JOIN object_crops c ON c.id = f.crop_id JOIN objects o ON o.id = c.object_id ORDER BY f.crop_id
            """) { r in (r.int(0), r.text(1), r.text(2), r.text(3)) }
        return try rows.filter { allowed.contains($0.3) }.map { (crop: $0.0, object: try ObjectCode($0.1), blob: try SHA256Hex($0.2)) }
    }

    /// Inserts hashes inside the caller's transaction; returns how many were new.
    @discardableResult
    func insertHashes(_ hashes: [HashRecord], owner: HashOwner) throws -> Int {
        var inserted = 0
        for h in hashes {
            try database.run("INSERT INTO hashes (owner_kind, owner_id, algo, hex, quality) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                             [owner.kind, owner.id, h.algo, h.hex, h.quality.map { Int64($0) }])
            inserted += database.changes
        }
        return inserted
    }
}

extension HashOwner: Encodable {
    private enum Keys: String, CodingKey { case kind, id }

    /// Encodes `{"kind": "object_crop"|"tip_photo", "id": n}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(id, forKey: .id)
    }
}

extension StoredHash: Encodable {}
