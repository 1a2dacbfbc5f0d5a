public import CaseWork

extension CaseStore {
    /// Tips newest first (received day, then number), optionally filtered, with how many match in all so a
    /// listing can say what it left out.
    public func latestTips(state: TipState? = nil, linkedTo object: ObjectCode? = nil, limit: Int = .max) throws
        -> (tips: [Tip], total: Int)
    {
        let objectRow: Int64? = try object.map { code in try objectRowID(code) }
        let filter = "(?1 IS NULL OR state = ?1) AND (?2 IS NULL OR linked_object_id = ?2)"
        let total = try database.queryFirst("SELECT count(*) FROM tips WHERE \(filter)", [state?.rawValue, objectRow]) {
            Int($0.int(0))
        } ?? 0
        let ids = try database.query(
            "SELECT id FROM tips WHERE \(filter) ORDER BY received_day DESC, id DESC LIMIT ?3",
            [state?.rawValue, objectRow, Int64(min(limit, Int(Int64.max)))]
        ) { TipID($0.int(0)) }
        return (try loadTips(ids), total)
    }

    /// How many tips need an analyst (the queue's full length).
    public func queueLength() throws -> Int {
        let states = TipState.allCases.filter(\.needsAnalyst).map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try database.queryFirst("SELECT count(*) FROM tips WHERE state IN (\(states))") { Int($0.int(0)) } ?? 0
    }
}
