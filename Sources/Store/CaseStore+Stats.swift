public import CaseWork

/// Counts for `objtrace stats`.
public struct StoreStats: Hashable, Sendable {
    /// Objects per state (states with none are absent).
    public let objects: [ObjectState: Int]
    /// Tips per state.
    public let tips: [TipState: Int]
    /// Candidates per state.
    public let candidates: [CandidateState: Int]
    /// Object crops.
    public let crops: Int
    /// Tip photos.
    public let photos: Int
    /// Tip photos whose original carried GPS metadata.
    public let photosWithGPS: Int
    /// Tip photos whose original carried a device serial.
    public let photosWithDeviceSerial: Int
    /// Stored perceptual hashes per algorithm.
    public let hashes: [String: Int]
    /// Review rows.
    public let reviews: Int
    /// Audit log rows.
    public let auditEntries: Int
    /// Tips in the queue (need an analyst).
    public let queued: Int
}

extension CaseStore {
    /// Counts of everything, read in one snapshot.
    public func stats() throws -> StoreStats {
        // One read snapshot for consistent counts (PostgreSQL's default isolation snapshots per statement).
        try database.execute(database.dialect == .postgres ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN")
        defer { try? database.execute("COMMIT") }
        func grouped(_ table: String, _ column: String) throws(StoreError) -> [String: Int] {
            var out: [String: Int] = [:]
            for (k, n) in try database.query("SELECT \(column), count(*) FROM \(table) GROUP BY \(column)", [], {
                ($0.text(0), Int($0.int(1)))
            }) { out[k] = n }
            return out
        }
        func count(_ sql: String) throws(StoreError) -> Int {
            Int(try database.queryFirst(sql) { $0.int(0) } ?? 0)
        }
        func typed<S: RawRepresentable & Hashable>(_ raw: [String: Int], _: S.Type) -> [S: Int] where S.RawValue == String {
            Dictionary(uniqueKeysWithValues: raw.compactMap { k, v in S(rawValue: k).map { ($0, v) } })
        }
        let tips = typed(try grouped("tips", "state"), TipState.self)
        return StoreStats(
            objects: typed(try grouped("objects", "state"), ObjectState.self),
            tips: tips,
            candidates: typed(try grouped("candidates", "state"), CandidateState.self),
            crops: try count("SELECT count(*) FROM object_crops"),
            photos: try count("SELECT count(*) FROM tip_photos"),
            photosWithGPS: try count("SELECT count(*) FROM tip_photos WHERE original_had_gps = 1"),
            photosWithDeviceSerial: try count("SELECT count(*) FROM tip_photos WHERE original_had_device_serial = 1"),
            hashes: try grouped("hashes", "algo"),
            reviews: try count("SELECT count(*) FROM reviews"),
            auditEntries: try count("SELECT count(*) FROM audit_log"),
            queued: tips.filter { $0.key.needsAnalyst }.values.reduce(0, +))
    }
}

extension StoreStats: Encodable {
    private enum Keys: String, CodingKey {
        case objects, tips, candidates, crops, photos, photosWithGPS, photosWithDeviceSerial, hashes, reviews
        case auditEntries, queued
    }

    /// Encodes the per-state counts as objects keyed by state name.
    public func encode(to encoder: any Encoder) throws {
        func named<S: RawRepresentable>(_ d: [S: Int]) -> [String: Int] where S.RawValue == String {
            Dictionary(uniqueKeysWithValues: d.map { ($0.key.rawValue, $0.value) })
        }
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(named(objects), forKey: .objects)
        try c.encode(named(tips), forKey: .tips)
        try c.encode(named(candidates), forKey: .candidates)
        try c.encode(crops, forKey: .crops)
        try c.encode(photos, forKey: .photos)
        try c.encode(photosWithGPS, forKey: .photosWithGPS)
        try c.encode(photosWithDeviceSerial, forKey: .photosWithDeviceSerial)
        try c.encode(hashes, forKey: .hashes)
        try c.encode(reviews, forKey: .reviews)
        try c.encode(auditEntries, forKey: .auditEntries)
        try c.encode(queued, forKey: .queued)
    }
}
