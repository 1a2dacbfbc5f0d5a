import CaseWork

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
            let objectRow = try objectRowID(code)
            let existing = try database.queryFirst(
                "SELECT id FROM candidates WHERE object_id = ? AND hypothesis_key = ?", [objectRow, hypothesis.key]
            ) { CandidateID($0.int(0)) }
            let before: Candidate
            if let existing {
                before = try loadCandidate(existing)
            } else {
                try database.run(
                    "INSERT INTO candidates (object_id, brand, product, country, hypothesis_key, score, state) VALUES (?,?,?,?,?,?,?)",
                    [objectRow, hypothesis.brand, hypothesis.product, hypothesis.country?.value, hypothesis.key, score,
                     CandidateState.proposed.rawValue])
                before = try Candidate(id: CandidateID(database.lastInsertRowID), object: code, hypothesis: hypothesis,
                                       score: score)
            }
            let after = try before.addingSupport(supportingTips, score: score)
            for tip in after.supportingTips where !before.supportingTips.contains(tip) {
                try database.run("INSERT INTO candidate_support (candidate_id, tip_id) VALUES (?,?)",
                                 [after.id.rawValue, tip.rawValue])
            }
            try database.run("UPDATE candidates SET score = ?, state = ? WHERE id = ?",
                             [after.score, after.state.rawValue, after.id.rawValue])
            try appendAudit(analyst: analyst.name, action: .candidateUpsert, subject: .candidate(after.id), details: [
                "object": .string(code.value), "hypothesis": .string(hypothesis.description),
                "created": .bool(existing == nil), "score": .double(score),
                "support": .array(after.supportingTips.map { .int($0.rawValue) }),
                "from": existing == nil ? .null : .string(before.state.rawValue), "to": .string(after.state.rawValue),
            ])
            return after
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
