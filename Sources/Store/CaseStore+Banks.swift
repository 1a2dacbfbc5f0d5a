import CaseWork

/// One hash of a named bank (an external hash list, e.g. an allow-list of ubiquitous images).
public struct BankHash: Hashable, Sendable {
    public let bank: String
    public let kind: String
    public let algo: String
    public let hex: String
    public let label: String
}

extension CaseStore {
    /// Creates the bank if needed and adds hashes to it (repeats ignored), in one transaction with one audit
    /// entry. Returns how many hashes were new.
    @discardableResult
    public func importBank(name: String, kind: String, hashes: [(algo: String, hex: String, label: String)],
                           source: String, by analyst: AnalystID) throws -> Int {
        try database.transaction {
            try database.run("INSERT INTO banks (name, kind) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET kind = excluded.kind",
                             [name, kind])
            guard let bankID = try database.queryFirst("SELECT id FROM banks WHERE name = ?", [name], { $0.int(0) }) else {
                throw StoreError.notFound("bank \(name)")
            }
            var added = 0
            for h in hashes {
                try database.run("INSERT OR IGNORE INTO bank_hashes (bank_id, algo, hex, label) VALUES (?,?,?,?)",
                                 [bankID, h.algo, h.hex.lowercased(), h.label])
                added += database.changes
            }
            try appendAudit(analyst: analyst.name, action: .bankImport, subject: .other("bank:" + name), details: [
                "kind": .string(kind), "source": .string(source), "hashes": .int(Int64(hashes.count)), "added": .int(Int64(added)),
            ])
            return added
        }
    }

    /// Every bank hash.
    public func bankHashes() throws -> [BankHash] {
        try database.query(
            "SELECT b.name, b.kind, h.algo, h.hex, h.label FROM bank_hashes h JOIN banks b ON b.id = h.bank_id ORDER BY h.id"
        ) { BankHash(bank: $0.text(0), kind: $0.text(1), algo: $0.text(2), hex: $0.text(3), label: $0.text(4)) }
    }
}
