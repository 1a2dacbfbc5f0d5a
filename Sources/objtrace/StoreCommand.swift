import ArgumentParser
import Foundation
import ObjtraceKit
import Store

/// `objtrace store copy --from A --to B`: moves a whole case between an SQLite file and a PostgreSQL database.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Whole-store operations: copy a case between SQLite and PostgreSQL.",
        subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a whole case (rows, audit log, blobs) into an empty store; verified by counts and `audit verify`.",
            discussion: """
                --from and --to take an SQLite path or postgres://user@host:port/db (the database must exist and be
                empty). Passwords in URLs are used, never printed; PGPASSWORD and ~/.pgpass work.
                """)
        @Option(help: "The store to copy from.")
        var from: String
        @Option(help: "The empty store to copy into.")
        var to: String
        @Flag(help: "JSON lines instead of a table.")
        var json = false

        func run() throws {
            try caseCommand {
                let report = try StoreTransfer.copy(from: from, to: to)
                let source = try StoreLocation(from).description
                let target = try StoreLocation(to).description
                if json {
                    for row in report.copy.rows {
                        var line = JSONLine()
                        line.add("table", row.table); line.add("source", row.source); line.add("copy", row.copy)
                        emit(line.description)
                    }
                } else {
                    emit("table                 \(source.count > 20 ? "source" : source)  copy")
                    for row in report.copy.rows {
                        emit(row.table.padding(toLength: 22, withPad: " ", startingAt: 0)
                             + String(row.source).padding(toLength: 8, withPad: " ", startingAt: 0) + String(row.copy))
                    }
                }
                guard case let .ok(count) = report.verdict else {
                    report_("store copy: the copy's audit log does not verify: \(report.verdict)")
                    throw ExitCode(1)
                }
                let head = report.copy.auditHead?.description ?? "-"
                emit("copied \(source) -> \(target): \(report.copy.rows.reduce(0) { $0 + $1.copy }) rows, \(report.blobs) blobs (\(report.blobBytes) bytes); audit log ok: \(count) entries, head \(head)")
            }
        }

        private func report_(_ line: String) { report(line) }
    }
}
