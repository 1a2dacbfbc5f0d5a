import CaseWork
import Foundation

/// The last entry of the audit log, to be kept outside the store (printed, e-mailed, written down):
/// the chain alone cannot reveal rows deleted from its end, an anchor can.
public struct AuditAnchor: Hashable, Sendable, CustomStringConvertible {
    /// The last sequence number.
    public let seq: Int64
    /// Its hash.
    public let hash: String

    /// Makes an anchor.
    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }

    /// `seq:hash`.
    public var description: String { "\(seq):\(hash)" }
}

/// The first problem found in the audit log.
public struct AuditBreak: Hashable, Sendable, CustomStringConvertible {
    /// What kind of tampering the evidence points to.
    public enum Problem: String, Sendable {
        /// The row's content no longer matches its own hash.
        case edited
        /// A sequence number is missing (row deleted) or the log does not start at 1.
        case missing
        /// The row's hash is intact but it points to another row than its predecessor.
        case reordered
        /// The row is intact but its predecessor was changed and re-hashed (or a row was inserted).
        case chainBroken = "chain-broken"
        /// The log ends before the recorded anchor's row: rows were deleted from the end.
        case truncated
        /// The row the anchor names is there but its hash differs: the anchor was mistyped, or the log was
        /// rewritten (every row re-hashed) after the anchor was taken.
        case anchorMismatch = "anchor-mismatch"
        /// A case row (tip, object, candidate, setting) differs from the state its last audit entry recorded:
        /// it was changed outside objtrace.
        case rowChanged = "row-changed"
        /// A case row exists that no audit entry recorded: it was added outside objtrace.
        case rowUnrecorded = "row-unrecorded"
        /// A case row the audit log recorded is gone: it was deleted outside objtrace.
        case rowDeleted = "row-deleted"
    }

    /// The sequence number of the row where the break shows.
    public let seq: Int64
    /// What is wrong.
    public let problem: Problem
    /// A sentence for the analyst.
    public let message: String
    /// For a case-row problem: the row, `table/rowid` (e.g. `tips/12`).
    public let row: String?

    /// Makes a break.
    public init(seq: Int64, problem: Problem, row: String? = nil, message: String) {
        self.seq = seq
        self.problem = problem
        self.row = row
        self.message = message
    }

    /// `audit row N: problem: message`, or `row T/N: problem: message` for a case row.
    public var description: String {
        if let row { return "row \(row): \(problem.rawValue): \(message)" }
        return "audit row \(seq): \(problem.rawValue): \(message)"
    }
}

/// The outcome of `verifyAudit`.
public enum AuditVerdict: Hashable, Sendable {
    /// Every row checks out; `count` rows were verified.
    case ok(count: Int)
    /// The first broken row.
    case broken(AuditBreak)
}

extension CaseStore {
    /// The last audit entry as an anchor to keep elsewhere, or nil for an empty log.
    public func auditHead() throws(StoreError) -> AuditAnchor? {
        try database.queryFirst("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1") {
            AuditAnchor(seq: $0.int(0), hash: $0.text(1))
        }
    }

    /// Re-hashes every audit row in `seq` order and checks the chain; stops at the first broken row.
    ///
    /// Detects an edited row (its hash no longer matches), a deleted row (a gap in `seq`), a reordered or
    /// re-hashed row (its `prev_hash` does not match the previous row). Rows deleted from the end are only
    /// detectable against an `anchor` recorded earlier.
    /// - Complexity: O(n) in the number of rows, one pass, constant memory apart from the prev-hash lookup
    ///   built only when a break needs classifying.
    public func verifyAudit(anchor: AuditAnchor? = nil) throws(StoreError) -> AuditVerdict {
        var expectedSeq: Int64 = 1
        var prevHash = AuditEntry.genesisHash
        var firstBreak: AuditBreak?
        var count = 0
        var anchorSeen = false
        var recorded: [String: (digest: String, seq: Int64)] = [:]
        _ = try database.query(
            "SELECT seq, time_ms, analyst, action, subject, details, prev_hash, hash FROM audit_log ORDER BY seq"
        ) { (r) throws(StoreError) -> Void in
            guard firstBreak == nil else { return }
            let entry = AuditEntry(seq: r.int(0), time: Timestamp(millisecondsSince1970: r.int(1)), analyst: r.text(2),
                                   action: r.text(3), subject: r.text(4), details: r.text(5), prevHash: r.text(6),
                                   hash: r.text(7))
            count += 1
            if entry.seq != expectedSeq {
                let gap = entry.seq - 1 == expectedSeq ? "row \(expectedSeq) is missing"
                    : "rows \(expectedSeq)...\(entry.seq - 1) are missing"
                firstBreak = AuditBreak(seq: expectedSeq, problem: .missing, message: "\(gap) (deleted)")
                return
            }
            let recomputed = CaseStore.sha256Hex(entry.canonicalBytes)
            if recomputed != entry.hash {
                firstBreak = try movedRow(entry) ?? AuditBreak(
                    seq: entry.seq, problem: .edited,
                    message: "content does not match its hash (\(entry.action) on \(entry.subject))")
                return
            }
            if entry.prevHash != prevHash {
                firstBreak = AuditBreak(seq: entry.seq, problem: .chainBroken,
                                        message: "prev_hash does not match row \(entry.seq - 1): that row was changed and re-hashed, or rows were reordered")
                return
            }
            if let anchor, anchor.seq == entry.seq {
                anchorSeen = true
                if anchor.hash.lowercased() != entry.hash {
                    firstBreak = AuditBreak(seq: entry.seq, problem: .anchorMismatch,
                                            message: "its hash \(entry.hash) differs from the anchor \(anchor): the anchor was mistyped, or the log was rewritten after it was taken")
                    return
                }
            }
            if entry.details.contains("\"rows\":") { try recordRowDigests(entry, into: &recorded) }
            prevHash = entry.hash
            expectedSeq += 1
        }
        if var broken = firstBreak {
            if broken.problem == .chainBroken { broken = try classifyChainBreak(broken) }
            return .broken(broken)
        }
        if let anchor, !anchorSeen {
            return .broken(AuditBreak(seq: anchor.seq, problem: .truncated,
                                      message: "the log ends at row \(expectedSeq - 1) but the anchor names row \(anchor.seq): rows were deleted from the end"))
        }
        if let rowBreak = try checkLiveRows(against: recorded) { return .broken(rowBreak) }
        return .ok(count: count)
    }

    /// Notes the row digests an entry recorded (its `details.rows`), the later entry winning.
    private func recordRowDigests(_ entry: AuditEntry, into recorded: inout [String: (digest: String, seq: Int64)]) throws(StoreError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(entry.details.utf8)) as? [String: Any],
              let rows = object["rows"] as? [String: Any]
        else { return }
        for (key, value) in rows {
            guard let digest = value as? String else {
                throw StoreError.integrity("audit row \(entry.seq): row digest of \(key) is not text")
            }
            recorded[key] = (digest, entry.seq)
        }
    }

    /// Compares every live case row with the state the audit log last recorded for it; the first difference
    /// in table and row order, or nil when all agree.
    /// - Complexity: O(rows): one digest per tip, object, candidate and setting.
    private func checkLiveRows(against recorded: [String: (digest: String, seq: Int64)]) throws(StoreError) -> AuditBreak? {
        var seen = Set<String>()
        for (key, digest) in try liveRowDigests() {
            seen.insert(key)
            guard let last = recorded[key] else {
                return AuditBreak(seq: 0, problem: .rowUnrecorded, row: key,
                                  message: "\(key) is in the store but no audit entry recorded it: added outside objtrace")
            }
            if last.digest != digest {
                let was = last.digest == "deleted" ? "deleted by audit row \(last.seq)" : "as audit row \(last.seq) recorded it"
                return AuditBreak(seq: last.seq, problem: .rowChanged, row: key,
                                  message: "\(key) differs from its state \(was): changed outside objtrace")
            }
        }
        for (key, last) in recorded.sorted(by: { $0.key < $1.key }) where !seen.contains(key) && last.digest != "deleted" {
            return AuditBreak(seq: last.seq, problem: .rowDeleted, row: key,
                              message: "\(key), recorded by audit row \(last.seq), is gone: deleted outside objtrace")
        }
        return nil
    }

    /// A row whose hash fails only because its `seq` was changed (rows swapped or moved): it hashes correctly
    /// under another sequence number. Tried only on the failure path, so the O(n) search costs nothing normally.
    private func movedRow(_ entry: AuditEntry) throws(StoreError) -> AuditBreak? {
        let maxSeq = try database.queryFirst("SELECT max(seq) FROM audit_log") { $0.int(0) } ?? 0
        for original in 1...max(maxSeq, 1) where original != entry.seq {
            let bytes = AuditEntry.canonicalBytes(seq: original, time: entry.time, analyst: entry.analyst,
                                                  action: entry.action, subject: entry.subject, details: entry.details,
                                                  prevHash: entry.prevHash)
            if CaseStore.sha256Hex(bytes) == entry.hash {
                return AuditBreak(seq: entry.seq, problem: .reordered,
                                  message: "it holds the entry written as row \(original) (\(entry.action) on \(entry.subject))")
            }
        }
        return nil
    }

    /// A row whose own hash is intact but whose `prev_hash` is wrong was either moved (its `prev_hash` names
    /// some other row) or follows a row that was re-hashed after editing.
    private func classifyChainBreak(_ b: AuditBreak) throws(StoreError) -> AuditBreak {
        let pointed = try database.queryFirst(
            "SELECT b.seq FROM audit_log a JOIN audit_log b ON b.hash = a.prev_hash WHERE a.seq = ?", [b.seq]
        ) { $0.int(0) }
        if let pointed, pointed != b.seq - 1 {
            return AuditBreak(seq: b.seq, problem: .reordered,
                              message: "it follows row \(pointed) in the chain but sits after row \(b.seq - 1)")
        }
        return AuditBreak(seq: b.seq - 1, problem: .edited,
                          message: "changed and re-hashed: row \(b.seq)'s prev_hash no longer matches it")
    }
}

extension AuditAnchor: Encodable {}
extension AuditBreak.Problem: Encodable {}
extension AuditBreak: Encodable {}

extension AuditVerdict: Encodable {
    private enum Keys: String, CodingKey { case ok, count, broken }

    /// Encodes `{"ok": true, "count": n}` or `{"ok": false, "broken": {...}}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case let .ok(count):
            try c.encode(true, forKey: .ok)
            try c.encode(count, forKey: .count)
        case let .broken(b):
            try c.encode(false, forKey: .ok)
            try c.encode(b, forKey: .broken)
        }
    }
}
