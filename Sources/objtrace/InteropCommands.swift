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
        @Option(help: "The list format.") var format: HashListFormat = .csv
        @Argument(help: "Image files or folders (none: the catalogue's crops).") var paths: [String] = []
        func run() throws {
            try caseCommand {
                let f = format
                let entries = paths.isEmpty ? try InteropJobs.catalogueEntries(try options.open())
                    : InteropJobs.fileEntries(paths, report: report)
                FileHandle.standardOutput.write(Data(try f.write(entries.filter { f.carries(algo: $0.algo) }).utf8))
            }
        }
    }

    struct Vics: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Project VIC VICS 2.0 JSON of a referral's evidence.")
        @OptionGroup var options: StoreOptions
        @Option(help: "The JSON file to write.") var out: String
        @Option(help: "One object (default: every published or identified object).") var object: String?
        func run() throws {
            try caseCommand {
                let json = try InteropJobs.vics(try options.open(), object: object.map { try ObjectCode($0) })
                try Data(json.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)  // never a half-written file
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
        @Option(help: "The bank's name (importing again under the same name adds to it).") var name: String
        @Option(help: "The file's format.") var format: BankFormat
        @Option(help: "allow-list (matching tip photos are not auto-matched) or watch-list.") var kind: BankKind = .allowList
        @Argument(help: "The hash list or VICS file.") var file: String
        func run() throws {
            try caseCommand {
                let entries = try InteropJobs.readBank(file: file, format: format.rawValue, report: report)
                guard !entries.isEmpty else { throw InputError("\(file): no hashes read, so no bank was created or changed") }
                let added = try options.open().importBank(name: name, kind: kind.rawValue, entries: entries, source: file, by: options.analystID())
                emit("bank \(name): \(entries.count) hash(es) read, \(added) new")
            }
        }
    }
}

struct Sheet: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an evidence sheet (HTML + PNG thumbnails): the crop beside each matching tip photo, and the ranking.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "Object code.") var code: String
    @Option(help: "Folder for index.html and the thumbnails (created if needed).") var out: String
    func run() throws {
        try caseCommand {
            let page = try InteropJobs.sheet(try options.open(), code: ObjectCode(code), folder: out)
            if options.json {
                var line = JSONLine()
                line.add("object", try ObjectCode(code).value)
                line.add("page", page)
                emit(line.description)
            } else {
                emit("evidence sheet: \(page)")
            }
        }
    }
}
