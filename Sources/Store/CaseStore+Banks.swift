public import CaseWork

/// One hash of a named bank (an external hash list, e.g. an allow-list of ubiquitous images).
public struct BankHash: Hashable, Sendable {
    /// The bank's name.
    public let bank: String
    /// Allow-list (suppresses matches) or watch-list (flags).
    public let kind: BankKind
    /// `pdq`, `phash` or `dhash`.
    public let algo: String
    /// The hash in lower-case hex.
    public let hex: String
    /// A label from the source list.
    public let label: String
}

extension CaseStore {
    /// Creates the bank if needed and adds hashes to it (repeats ignored), in one transaction with one audit
    /// entry. Returns how many hashes were new.
    @discardableResult
    public func importBank(name: String, kind: BankKind, hashes: [(algo: String, hex: String, label: String)],
                           source: String, by analyst: AnalystID) throws -> Int {
        try database.transaction {
            try database.run("INSERT INTO banks (name, kind) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET kind = excluded.kind",
                             [name, kind.rawValue])
            guard let bankID = try database.queryFirst("SELECT id FROM banks WHERE name = ?", [name], { $0.int(0) }) else {
                throw StoreError.notFound("bank \(name)")
            }
            var added = 0
            for h in hashes {
                try database.run("INSERT INTO bank_hashes (bank_id, algo, hex, label) VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                                 [bankID, h.algo, h.hex.lowercased(), h.label])
                added += database.changes
            }
            try appendAudit(analyst: analyst.name, action: .bankImport, subject: .other("bank:" + name), details: [
                "kind": .string(kind.rawValue), "source": .string(source), "hashes": .int(Int64(hashes.count)), "added": .int(Int64(added)),
            ])
            return added
        }
    }

    /// Every bank hash.
    public func bankHashes() throws -> [BankHash] {
        try database.query(
            "SELECT b.name AS name, b.kind AS kind, h.algo AS algo, h.hex AS hex, h.label AS label FROM bank_hashes h JOIN banks b ON b.id = h.bank_id ORDER BY h.id"
        ) { r throws(StoreError) in
            let name = try r.text("name"), rawKind = try r.text("kind")
            guard let kind = BankKind(rawValue: rawKind) else { throw StoreError.integrity("bank \(name): unknown kind \(rawKind)") }
            return BankHash(bank: name, kind: kind, algo: try r.text("algo"), hex: try r.text("hex"), label: try r.text("label"))
        }
    }
}
