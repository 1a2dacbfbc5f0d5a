public import CaseWork

extension CaseStore {
    /// One candidate.
    public func candidate(_ id: CandidateID) throws -> Candidate { try loadCandidate(id) }

    /// Candidates, optionally of one object and/or state, strongest first (score, then id).
    public func candidates(of object: ObjectCode? = nil, state: CandidateState? = nil) throws -> [Candidate] {
        let objectRow: Int64? = try object.map { code in try objectRowID(code) }
        let ids = try database.query(
            "SELECT id FROM candidates WHERE (?1 IS NULL OR object_id = ?1) AND (?2 IS NULL OR state = ?2) ORDER BY score DESC, id",
            [objectRow, state?.rawValue]
        ) { CandidateID($0.int(0)) }
        return try ids.map { id in try loadCandidate(id) }
    }

    /// Creates the candidate for (object, hypothesis) or adds support to the existing one and sets its score;
    /// enough distinct supporting tips corroborate a proposed candidate.
    @discardableResult
    public func upsertCandidate(
        for code: ObjectCode, hypothesis: Hypothesis, supportingTips: [TipID], score: Double, by analyst: AnalystID
    ) throws -> Candidate {
        try database.transaction {
            try loadCandidate(try addCandidateSupport(for: code, hypothesis: hypothesis, supportingTips: supportingTips,
                                                      score: score, by: analyst))
        }
    }

    /// The hypotheses of an object's decided candidates (confirmed or rejected), without their support lists.
    public func decidedHypotheses(of code: ObjectCode) throws -> [(hypothesis: Hypothesis, state: CandidateState)] {
        let rows = try database.query(
            "SELECT brand, product, country, state FROM candidates WHERE object_id = ? AND state IN ('confirmed','rejected') ORDER BY id",
            [try objectRowID(code)]) { r in (r.optionalText(0), r.optionalText(1), r.optionalText(2), r.text(3)) }
        return try rows.map { row in
            guard let state = CandidateState(rawValue: row.3) else { throw StoreError.integrity("candidate of \(code): unknown state") }
            return (try Hypothesis(brand: row.0, product: row.1, country: try row.2.map { c in try CountryCode(c) }), state)
        }
    }

    /// The stored candidate of (object, hypothesis), if any.
    public func candidateID(for code: ObjectCode, hypothesis: Hypothesis) throws -> CandidateID? {
        try database.queryFirst("SELECT id FROM candidates WHERE object_id = ? AND hypothesis_key = ?",
                                [try objectRowID(code), hypothesis.key]) { CandidateID($0.int(0)) }
    }

    /// `upsertCandidate` without reading the candidate back: the cost depends on the tips added, not on the
    /// support already stored (the intake calls it for every tip). The audit entry names the tips added and
    /// the support count.
    @discardableResult
    public func addCandidateSupport(
        for code: ObjectCode, hypothesis: Hypothesis, supportingTips: [TipID], score: Double, by analyst: AnalystID
    ) throws -> CandidateID {
        guard score.isFinite else { throw CaseWorkError.invalidValue(field: "score", value: "\(score)", reason: "must be finite") }
        return try database.transaction {
            let objectRow = try objectRowID(code)
            let existing = try database.queryFirst(
                "SELECT id, state FROM candidates WHERE object_id = ? AND hypothesis_key = ?", [objectRow, hypothesis.key]
            ) { (CandidateID($0.int(0)), $0.text(1)) }
            let id: CandidateID
            let before: CandidateState
            if let existing {
                id = existing.0
                guard let state = CandidateState(rawValue: existing.1) else { throw StoreError.integrity("candidate \(id): unknown state") }
                before = state
            } else {
                id = CandidateID(try database.insert(
                    "INSERT INTO candidates (object_id, brand, product, country, hypothesis_key, score, state) VALUES (?,?,?,?,?,?,?)",
                    [objectRow, hypothesis.brand, hypothesis.product, hypothesis.country?.value, hypothesis.key, score,
                     CandidateState.proposed.rawValue]))
                before = .proposed
            }
            var added: [TipID] = []
            for tip in Set(supportingTips).sorted() {
                try database.run("INSERT INTO candidate_support (candidate_id, tip_id) VALUES (?,?) ON CONFLICT DO NOTHING", [id.rawValue, tip.rawValue])
                if database.changes == 1 { added.append(tip) }
            }
            // Only whether the threshold is reached matters, so count no further than it.
            let support = Int(try database.queryFirst(
                "SELECT count(*) FROM (SELECT 1 FROM candidate_support WHERE candidate_id = ? LIMIT ?) AS s",
                [id.rawValue, Candidate.corroborationThreshold]) { $0.int(0) } ?? 0)
            let after: CandidateState = before == .proposed && support >= Candidate.corroborationThreshold ? .corroborated : before
            try database.run("UPDATE candidates SET score = ?, state = ? WHERE id = ?", [score, after.rawValue, id.rawValue])
            try appendAudit(analyst: analyst.name, action: .candidateUpsert, subject: .candidate(id), details: [
                "object": .string(code.value), "hypothesis": .string(hypothesis.description),
                "created": .bool(existing == nil), "score": .double(score),
                "added": .array(added.map { .int($0.rawValue) }),
                "from": existing == nil ? .null : .string(before.rawValue), "to": .string(after.rawValue),
            ])
            return id
        }
    }

    /// An analyst judges a proposed candidate corroborated.
    @discardableResult
    public func corroborateCandidate(_ id: CandidateID, by analyst: AnalystID, reason: String) throws -> Candidate {
        let why = try Review.requiredReason(reason)
        return try candidateTransition(id, action: .candidateCorroborate, review: "corroborate", by: analyst, reason: why) {
            try $0.corroborating()
        }
    }

    /// An analyst confirms a corroborated candidate.
    @discardableResult
    public func confirmCandidate(_ id: CandidateID, by analyst: AnalystID, reason: String) throws -> Candidate {
        let why = try Review.requiredReason(reason)
        return try candidateTransition(id, action: .candidateConfirm, review: "confirm", by: analyst, reason: why) {
            try $0.confirming(by: analyst)
        }
    }

    /// An analyst rejects an undecided candidate.
    @discardableResult
    public func rejectCandidate(_ id: CandidateID, by analyst: AnalystID, reason: String) throws -> Candidate {
        let why = try Review.requiredReason(reason)
        return try candidateTransition(id, action: .candidateReject, review: "reject", by: analyst, reason: why) {
            try $0.rejecting(by: analyst)
        }
    }

    private func candidateTransition(
        _ id: CandidateID, action: AuditAction, review: String, by analyst: AnalystID, reason: String,
        _ change: (Candidate) throws -> Candidate
    ) throws -> Candidate {
        try database.transaction {
            let before = try loadCandidate(id)
            let after = try change(before)
            try database.run("UPDATE candidates SET state = ?, decided_by = ? WHERE id = ?",
                             [after.state.rawValue, after.decidedBy?.name, id.rawValue])
            let now = clock()
            try appendReview(Review(analyst: analyst, at: now, subject: .candidate(id), action: review, reason: reason))
            try appendAudit(analyst: analyst.name, action: action, subject: .candidate(id), details: [
                "object": .string(after.object.value), "hypothesis": .string(after.hypothesis.description),
                "from": .string(before.state.rawValue), "to": .string(after.state.rawValue), "reason": .string(reason),
            ], time: now)
            return after
        }
    }

    private func loadCandidate(_ id: CandidateID) throws -> Candidate {
        typealias Fields = (String, String?, String?, String?, Double, String, String?)
        let f: Fields? = try database.queryFirst(
            """
            SELECT o.code, c.brand, c.product, c.country, c.score, c.state, c.decided_by
            FROM candidates c JOIN objects o ON o.id = c.object_id WHERE c.id = ?
            """, [id.rawValue]
        ) { r in (r.text(0), r.optionalText(1), r.optionalText(2), r.optionalText(3), r.double(4), r.text(5), r.optionalText(6)) }
        guard let f else { throw StoreError.notFound("candidate \(id)") }
        guard let state = CandidateState(rawValue: f.5) else { throw StoreError.integrity("candidate \(id): unknown state") }
        let support = try database.query("SELECT tip_id FROM candidate_support WHERE candidate_id = ? ORDER BY tip_id",
                                          [id.rawValue]) { TipID($0.int(0)) }
        return try Candidate(
            id: id, object: ObjectCode(f.0),
            hypothesis: Hypothesis(brand: f.1, product: f.2, country: try f.3.map { c in try CountryCode(c) }),
            supportingTips: support, score: f.4, state: state, decidedBy: try f.6.map { a in try AnalystID(a) })
    }
}
