public import CaseWork

/// A registered analyst.
public struct RegisteredAnalyst: Hashable, Sendable {
    /// The identity (normalised name).
    public let id: AnalystID
    /// The name as typed when registered.
    public let display: String
    /// Who registered them.
    public let addedBy: String
}

extension CaseStore {
    /// Registered analysts, by identity.
    public func analysts() throws -> [RegisteredAnalyst] {
        guard try hasAnalystsTable() else { return [] }
        return try database.query("SELECT name, display, added_by FROM analysts ORDER BY name") { r in (r.text(0), r.text(1), r.text(2)) }
            .map { RegisteredAnalyst(id: try AnalystID($0.0), display: $0.1, addedBy: $0.2) }
    }

    /// Registers an analyst. The first registration may be done by anyone (it starts the register, and
    /// should name the acting analyst too); from then on only registered analysts can act, including adding others.
    @discardableResult
    public func addAnalyst(_ id: AnalystID, display: String, by analyst: AnalystID) throws -> RegisteredAnalyst {
        try database.transaction {
            try checkRegisteredAnalyst(analyst.name, action: .objectAdd)
            if try database.queryFirst("SELECT 1 FROM analysts WHERE name = ?", [id.name], { _ in true }) != nil {
                throw CaseWorkError.invalidValue(field: "analyst", value: id.name, reason: "already registered")
            }
            try database.run("INSERT INTO analysts (name, display, added_by) VALUES (?,?,?)", [id.name, display, analyst.name])
            try appendAudit(analyst: analyst.name, action: .analystAdd, subject: .other("analyst:" + id.name),
                            details: ["display": .string(display)])
            return RegisteredAnalyst(id: id, display: display, addedBy: analyst.name)
        }
    }

    /// Refuses an analyst who is not registered once any analyst is (schema migrations are exempt, and so is
    /// the very first registration).
    func checkRegisteredAnalyst(_ name: String, action: AuditAction) throws {
        // `addAnalyst` checks the acting analyst before its insert, against the register as it was.
        guard action != .schemaMigrate, action != .analystAdd, try hasAnalystsTable() else { return }
        guard try database.queryFirst("SELECT 1 FROM analysts LIMIT 1", [], { _ in true }) != nil else { return }
        if try database.queryFirst("SELECT 1 FROM analysts WHERE name = ?", [name], { _ in true }) == nil {
            throw CaseWorkError.invalidValue(field: "analyst", value: name,
                                             reason: "not a registered analyst (see `objtrace analyst list`; a registered analyst adds others with `objtrace analyst add`)")
        }
    }

    private func hasAnalystsTable() throws(StoreError) -> Bool {
        // Tables are never dropped; only a rollback (of the migration that made it) can undo one.
        if analystsTableExists && analystsTableRollbackCount == database.rollbackCount { return true }
        analystsTableExists = try database.tableExists("analysts")
        analystsTableRollbackCount = database.rollbackCount
        return analystsTableExists
    }
}
