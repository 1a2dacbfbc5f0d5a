import ArgumentParser
import CaseWork
import Foundation
import ObjtraceKit

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export hash lists or VICS JSON.", subcommands: [Hashes.self, Vics.self])

    struct Hashes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hashes of files, or of the catalogue when no path is given, as pdq-list, tx, imagehash or csv.")
        @OptionGroup var options: StoreOptions
        @Option(help: "pdq-list, tx, imagehash or csv.") var format: String = "csv"
        @Argument var paths: [String] = []
        func run() throws {
            try caseCommand {
                guard let f = HashListFormat(rawValue: format) else { throw InputError("unknown format '\(format)'") }
                let entries = paths.isEmpty ? try InteropJobs.catalogueEntries(try options.open())
                    : InteropJobs.fileEntries(paths, report: report)
                FileHandle.standardOutput.write(Data(try f.write(entries.filter { f.carries(algo: $0.algo) }).utf8))
            }
        }
    }

    struct Vics: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Project VIC VICS 2.0 JSON of a referral's evidence.")
        @OptionGroup var options: StoreOptions
        @Option var out: String
        @Option(help: "One object (default: every published or identified object).") var object: String?
        func run() throws {
            try caseCommand {
                let json = try InteropJobs.vics(try options.open(), object: object.map { try ObjectCode($0) })
                try Data(json.utf8).write(to: URL(fileURLWithPath: out))
                emit("wrote \(out)")
            }
        }
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import external hash lists.",
                                                    subcommands: [Bank.self])

    struct Bank: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a hash list as a named bank; tip photos matching an allow-list bank are not auto-matched.")
        @OptionGroup var options: StoreOptions
        @Option var name: String
        @Option(help: "pdq-list, tx, imagehash, csv or vics.") var format: String
        @Option(help: "allow-list (suppress matches) or watch-list.") var kind: String = "allow-list"
        @Argument var file: String
        func run() throws {
            try caseCommand {
                let entries = try InteropJobs.readBank(file: file, format: format, report: report)
                let added = try options.open().importBank(name: name, kind: kind, entries: entries, source: file, by: options.analystID())
                emit("bank \(name): \(entries.count) hash(es) read, \(added) new")
            }
        }
    }
}

struct Sheet: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an evidence sheet (HTML + PNG thumbnails): the crop beside each matching tip photo, and the ranking.")
    @OptionGroup var options: StoreOptions
    @Argument var code: String
    @Option var out: String
    func run() throws {
        try caseCommand {
            emit(try InteropJobs.sheet(try options.open(), code: ObjectCode(code), folder: out))
        }
    }
}
