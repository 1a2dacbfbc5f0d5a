public import CaseWork
public import Matching

/// One auto-match of a tip photo against a catalogue crop or an earlier tip photo.
public struct StoredMatch: Hashable, Sendable {
    /// The tip photo that was matched.
    public let tipPhotoID: Int64
    /// The tip it belongs to.
    public let tipID: TipID
    /// What it matched: an object crop or another tip's photo.
    public let reference: HashOwner
    /// The object, when the reference is a crop.
    public let object: ObjectCode?
    /// The other tip, when the reference is a tip photo.
    public let referenceTip: TipID?
    /// Agreeing algorithms, e.g. `[.pdq, .phash]`, and `.local` for a local-feature verification.
    public let algos: [HashAlgorithm]
    /// Distances per algorithm, as `algo=d` pairs.
    public let distances: [String: Int]
    /// The query transform that matched (`orig`, `rot90`, …).
    public let transform: String
    /// The tier the match reached.
    public let tier: MatchTier
    /// 0…1.
    public let strength: Double
    /// The matched region on the tip photo for local-feature matches: `x,y;x,y;…`.
    public let region: String?

    /// A match row.
    public init(tipPhotoID: Int64, tipID: TipID, reference: HashOwner, object: ObjectCode?, referenceTip: TipID?,
                algos: [HashAlgorithm], distances: [String: Int], transform: String, tier: MatchTier, strength: Double,
                region: String? = nil) {
        self.tipPhotoID = tipPhotoID
        self.tipID = tipID
        self.reference = reference
        self.object = object
        self.referenceTip = referenceTip
        self.algos = algos
        self.distances = distances
        self.transform = transform
        self.tier = tier
        self.strength = strength
        self.region = region
    }
}

extension StoredMatch {
    /// Reads a `tip_matches` row (joined with the object's code as `code`) by column name.
    init(row r: Row) throws(StoreError) {
        let kind = try r.text("ref_kind"), refID = try r.int("ref_id")
        guard let owner = OwnerKind(rawValue: kind) else { throw StoreError.integrity("match of unknown reference kind \(kind)") }
        let object: ObjectCode?
        do {
            object = try (try r.optionalText("code")).map { c throws(CaseWorkError) in try ObjectCode(c) }
        } catch {
            throw StoreError.integrity("match: bad object code (\(error))")
        }
        let tierName = try r.text("tier")
        guard let tier = MatchTier(stored: tierName) else { throw StoreError.integrity("match of unknown tier \(tierName)") }
        self.init(tipPhotoID: try r.int("tip_photo_id"), tipID: TipID(try r.int("tip_id")),
                  reference: owner == .objectCrop ? .objectCrop(refID) : .tipPhoto(refID),
                  object: object, referenceTip: try r.optionalInt("ref_tip_id").map(TipID.init),
                  algos: try r.text("algos").split(separator: ",").map { HashAlgorithm(rawValue: String($0)) }, distances: CaseStore.decode(try r.text("distances")),
                  transform: try r.text("transform"), tier: tier, strength: try r.double("strength"),
                  region: try r.optionalText("region"))
    }
}

extension MatchTier {
    /// The tier of a stored `tier` column (`suggest` or `confirm`; the schema's CHECK allows no other).
    init?(stored name: String) {
        switch name {
        case "suggest": self = .suggest
        case "confirm": self = .confirm
        default: return nil
        }
    }
}

extension CaseStore {
    /// Records auto-match results for one tip photo (replacing earlier rows for the same reference), with
    /// one audit entry, in one transaction.
    public func recordMatches(_ matches: [StoredMatch], by analyst: AnalystID) throws {
        guard !matches.isEmpty else { return }
        try database.transaction {
            for m in matches {
                let objectID: Int64? = try m.object.map { try objectRowID($0) }
                try database.run(
                    """
                    INSERT INTO tip_matches (tip_photo_id, tip_id, ref_kind, ref_id, object_id, ref_tip_id, algos, distances,
                                             transform, tier, strength, region)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT (tip_photo_id, ref_kind, ref_id) DO UPDATE SET algos = excluded.algos,
                        distances = excluded.distances, transform = excluded.transform, tier = excluded.tier,
                        strength = excluded.strength, region = excluded.region
                    """,
                    [m.tipPhotoID, m.tipID.rawValue, m.reference.kind, m.reference.id, objectID, m.referenceTip?.rawValue,
                     m.algos.map(\.rawValue).joined(separator: ","), Self.encode(m.distances), m.transform, m.tier.description,
                     m.strength, m.region])
            }
            try appendAudit(analyst: analyst.name, action: .matchRecord, subject: .tip(matches[0].tipID), details: [
                "matches": .array(matches.map { m in
                    .object(["ref": .string("\(m.reference.kind):\(m.reference.id)"), "tier": .string(m.tier.description),
                             "algos": .string(m.algos.map(\.rawValue).joined(separator: ","))])
                }),
            ])
        }
    }

    /// Matches of one tip's photos, or of all tips against one object's crops; best first.
    public func matches(tip: TipID? = nil, object: ObjectCode? = nil) throws -> [StoredMatch] {
        let objectID: Int64? = try object.map { try objectRowID($0) }
        // A tip that repeated an already stored photo shares that photo's matches, reported under its own id.
        // Conditions are spelled out per case (not `?1 IS NULL OR …`) so that SQLite uses the indexes.
        var direct: [String] = [], repeated: [String] = []
        var values: [any SQLBindable] = []
        if let tip {
            values.append(tip.rawValue)
            direct.append("m.tip_id = ?\(values.count)")
            repeated.append("r.tip_id = ?\(values.count)")
        }
        if let objectID {
            values.append(objectID)
            direct.append("m.object_id = ?\(values.count)")
            repeated.append("m.object_id = ?\(values.count)")
        }
        func clause(_ c: [String]) -> String { c.isEmpty ? "" : "WHERE " + c.joined(separator: " AND ") }
        return try database.query(
            """
            SELECT * FROM (
                SELECT m.tip_photo_id AS tip_photo_id, m.tip_id AS tip_id, m.ref_kind AS ref_kind, m.ref_id AS ref_id,
                       o.code AS code, m.ref_tip_id AS ref_tip_id, m.algos AS algos, m.distances AS distances,
                       m.transform AS transform, m.tier AS tier, m.strength AS strength, m.region AS region, m.id AS mid
                FROM tip_matches m LEFT JOIN objects o ON o.id = m.object_id \(clause(direct))
                UNION ALL
                SELECT m.tip_photo_id, r.tip_id, m.ref_kind, m.ref_id, o.code, m.ref_tip_id, m.algos, m.distances, m.transform,
                       m.tier, m.strength, m.region, m.id AS mid
                FROM tip_photo_repeats r JOIN tip_matches m ON m.tip_photo_id = r.photo_id LEFT JOIN objects o ON o.id = m.object_id
                \(clause(repeated))
            ) ORDER BY (tier = 'confirm') DESC, strength DESC, mid, tip_id
            """, values
        ) { r throws(StoreError) in try StoredMatch(row: r) }
    }

    /// A stored setting, or nil.
    public func setting(_ key: String) throws -> String? {
        try database.queryFirst("SELECT value FROM settings WHERE key = ?", [key]) { $0.text(0) }
    }

    /// Stores a setting, with an audit entry naming the key.
    public func setSetting(_ key: String, _ value: String, by analyst: AnalystID) throws {
        try database.transaction {
            try database.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             [key, value])
            try appendAudit(analyst: analyst.name, action: .settingSet, subject: .other("setting:" + key),
                            details: ["sha256": .string(CaseStore.sha256Hex(Array(value.utf8)))])
        }
    }

    static func encode(_ distances: [String: Int]) -> String {
        distances.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    static func decode(_ text: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for pair in text.split(separator: ",") {
            let kv = pair.split(separator: "=")
            if kv.count == 2, let v = Int(kv[1]) { out[String(kv[0])] = v }
        }
        return out
    }
}
