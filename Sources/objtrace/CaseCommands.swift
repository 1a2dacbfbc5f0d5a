import ArgumentParser
import CaseWork
import Foundation
import ObjtraceKit
import Store

/// Options every case-work command takes.
struct StoreOptions: ParsableArguments {
    @Option(help: "The SQLite store (default: $OBJTRACE_STORE or ./objtrace.sqlite).")
    var store: String?

    @Option(help: "Who is acting (default: $OBJTRACE_ANALYST). Recorded in the audit log.")
    var analyst: String?

    @Flag(help: "JSON lines instead of tables.")
    var json = false

    var storePath: String { store ?? ProcessInfo.processInfo.environment["OBJTRACE_STORE"] ?? "./objtrace.sqlite" }

    func analystID() throws -> AnalystID {
        guard let name = analyst ?? ProcessInfo.processInfo.environment["OBJTRACE_ANALYST"], !name.isEmpty else {
            throw ValidationError("who is acting? pass --analyst NAME or set OBJTRACE_ANALYST")
        }
        return try AnalystID(name)
    }

    func open(durability: CaseStore.Durability = .full) throws -> CaseService {
        try CaseService(path: storePath, durability: durability)
    }
}

/// Runs a case-work command body, turning library errors into one clear line on stderr and exit status 1.
func caseCommand(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        report("objtrace: \(describe(error))")
        throw ExitCode(1)
    }
}

func printLines(_ lines: [String]) { for l in lines { emit(l) } }

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or migrate the case-work store.")
    @OptionGroup var options: StoreOptions

    func run() throws {
        try caseCommand {
            let service = try CaseService(path: options.storePath, requireSchema: false)
            let version = try service.initialize(by: options.analystID())
            emit("store \(options.storePath) at schema version \(version)")
        }
    }
}

struct ObjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "object", abstract: "Catalogue objects: add, list, show, approve, publish, withdraw, resolve, archive.",
        subcommands: [Add.self, List.self, Show.self, Approve.self, Publish.self, Withdraw.self, Resolve.self, Archive.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a draft object with one or more crop images.")
        @OptionGroup var options: StoreOptions
        @Option(help: "Public code, e.g. TAO-2026-014.") var code: String
        @Option var title: String
        @Option(help: "bottle, packaging, textile, wallpaper, magazine, toy, container or other.") var category: String
        @Option(help: "The question published with the object.") var question: String
        @Option(help: "Internal notes (never published).") var notes: String = ""
        @Argument(help: "Crop images.") var images: [String]

        func run() throws {
            try caseCommand {
                guard let cat = ObjectCategory(rawValue: category) else {
                    throw InputError("unknown category '\(category)' (\(ObjectCategory.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                let service = try options.open()
                let (object, crops) = try service.addObject(code: ObjectCode(code), title: title, category: cat, question: question,
                                                            notes: notes, images: images, by: options.analystID())
                if options.json { emit(Reports.objectJSON(object).description) } else {
                    emit("added \(object.code) (draft) with \(crops.count) crop(s): \(crops.map(\.crop.sha256.value).joined(separator: ", "))")
                }
            }
        }
    }

    struct List: ParsableCommand {
        @OptionGroup var options: StoreOptions
        @Option(help: "Only objects in this state.") var state: String?
        func run() throws {
            try caseCommand {
                let filter = try state.map { s -> ObjectState in
                    guard let st = ObjectState(rawValue: s) else { throw InputError("unknown state '\(s)'") }
                    return st
                }
                printLines(Reports.objects(try options.open().store.objects(state: filter), json: options.json))
            }
        }
    }

    struct Show: ParsableCommand {
        @OptionGroup var options: StoreOptions
        @Argument var code: String
        func run() throws {
            try caseCommand {
                let service = try options.open()
                let c = try ObjectCode(code)
                printLines(Reports.object(try service.store.object(c), matches: try service.store.matches(object: c), json: options.json))
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a draft (two distinct analysts needed: four-eyes).")
        @OptionGroup var options: StoreOptions
        @Argument var code: String
        @Option var reason: String = ""
        func run() throws {
            try objectStep(options, code) { try $0.approve($1, by: $2, reason: reason) }
        }
    }

    struct Publish: ParsableCommand {
        @OptionGroup var options: StoreOptions
        @Argument var code: String
        @Option var reason: String = ""
        func run() throws {
            try objectStep(options, code) { try $0.publish($1, by: $2, reason: reason) }
        }
    }

    struct Withdraw: ParsableCommand {
        @OptionGroup var options: StoreOptions
        @Argument var code: String
        @Option var reason: String
        func run() throws {
            try objectStep(options, code) { try $0.withdraw($1, by: $2, reason: reason) }
        }
    }

    struct Archive: ParsableCommand {
        @OptionGroup var options: StoreOptions
        @Argument var code: String
        @Option var reason: String = ""
        func run() throws {
            try objectStep(options, code) { try $0.archive($1, by: $2, reason: reason) }
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark an object identified (--country, --brand, --product) or --ubiquitous.")
        @OptionGroup var options: StoreOptions
        @Argument var code: String
        @Option(help: "Origin country (ISO alpha-2); repeat for several.") var country: [String] = []
        @Option var brand: String?
        @Option var product: String?
        @Flag(help: "Sold everywhere: no lead.") var ubiquitous = false
        @Option var reason: String
        func run() throws {
            try caseCommand {
                let resolution: ObjectResolution = ubiquitous ? .eliminatedUbiquitous
                    : .identified(try Identification(countries: country.map { try CountryCode($0) }, brand: brand, product: product))
                let o = try options.open().store.resolve(ObjectCode(code), as: resolution, by: options.analystID(), reason: reason)
                emit("\(o.code): \(o.state.rawValue)")
            }
        }
    }
}

/// One object lifecycle step: opens the store, applies `step` and prints the new state and approvals.
func objectStep(_ options: StoreOptions, _ code: String,
                _ step: (CaseStore, ObjectCode, AnalystID) throws -> CaseObject) throws {
    try caseCommand {
        let o = try step(try options.open().store, try ObjectCode(code), try options.analystID())
        emit("\(o.code): \(o.state.rawValue), approvals: \(o.approvals.map(\.name).joined(separator: ", "))")
    }
}

struct TipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tip", abstract: "Tips from the public: submit, import, list, show, link, close.",
        subcommands: [Submit.self, Import.self, List.self, Show.self, Link.self, Close.self])

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record one tip; its photos are stripped of metadata, hashed and auto-matched.")
        @OptionGroup var options: StoreOptions
        @Option(help: "The object the tipster refers to.") var object: String?
        @Option(help: "A photo the tipster sent (repeatable).") var photo: [String] = []
        @Option var text: String = ""
        @Option var brand: String?
        @Option var product: String?
        @Option var shop: String?
        @Option var country: String?
        @Option var city: String?
        @Option var url: String?
        @Option(help: "Language tag of the tip, e.g. de.") var language: String = "und"
        @Option(help: "Day received, YYYY-MM-DD (default: today).") var received: String?
        @Option(help: "Contact details, ONLY if the tipster opted in to being contacted.") var contact: String?

        func run() throws {
            try caseCommand {
                var input = CaseService.TipInput()
                input.object = object; input.photos = photo; input.text = text; input.brand = brand; input.product = product
                input.shop = shop; input.country = country; input.city = city; input.url = url; input.language = language
                input.contact = contact
                if let received { input.receivedOn = try DayDate(iso: received) }
                let result = try options.open().submitTip(input, by: options.analystID())
                emit(TipOutput.line(result).description)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import tips from JSON lines (photos by path relative to the file); resumable and idempotent.")
        @OptionGroup var options: StoreOptions
        @Argument var file: String
        func run() throws {
            try caseCommand {
                let service = try options.open(durability: .normal)
                let summary = try TipImport.run(file: file, service: service, by: options.analystID(), report: emit)
                report("imported \(summary.imported), duplicates \(summary.duplicates), already done \(summary.skipped), rejected \(summary.rejected)")
            }
        }
    }

    struct List: ParsableCommand {
        @OptionGroup var options: StoreOptions
        @Option var state: String?
        @Option var object: String?
        @Option var limit: Int = 100
        func run() throws {
            try caseCommand {
                let st = try state.map { s -> TipState in
                    guard let v = TipState(rawValue: s) else { throw InputError("unknown state '\(s)'") }
                    return v
                }
                let tips = try options.open().store.tips(state: st, linkedTo: object.map { try ObjectCode($0) }, limit: limit)
                printLines(Reports.tips(tips, json: options.json))
            }
        }
    }

    struct Show: ParsableCommand {
        @OptionGroup var options: StoreOptions
        @Argument var tip: Int64
        func run() throws {
            try caseCommand {
                let service = try options.open()
                var line = Reports.tipJSON(try service.store.tip(TipID(tip)))
                line.add("matches", try service.store.matches(tip: TipID(tip)).map(Reports.matchJSON))
                emit(line.description)
            }
        }
    }

    struct Link: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Link a relevant tip to an object.")
        @OptionGroup var options: StoreOptions
        @Argument var tip: Int64
        @Argument var object: String
        @Option var reason: String = ""
        func run() throws {
            try caseCommand {
                let t = try options.open().store.linkTip(TipID(tip), to: ObjectCode(object), by: options.analystID(), reason: reason)
                emit("tip \(t.id): \(t.state.rawValue) to \(t.linkedObject?.value ?? "-")")
            }
        }
    }

    struct Close: ParsableCommand {
        @OptionGroup var options: StoreOptions
        @Argument var tip: Int64
        @Option var reason: String
        func run() throws {
            try caseCommand {
                let t = try options.open().store.closeTip(TipID(tip), by: options.analystID(), reason: reason)
                emit("tip \(t.id): \(t.state.rawValue)")
            }
        }
    }
}

/// The JSON line printed for a submitted tip.
enum TipOutput {
    static func line(_ r: CaseService.TipReport) -> JSONLine {
        var line = JSONLine()
        line.add("tip", Int(r.tipID.rawValue))
        line.add("outcome", r.outcome.rawValue)
        line.add("photos", r.photos.map { p in
            var photo = JSONLine()
            photo.add("path", p.path)
            photo.add("originalSha256", p.originalSHA256)
            photo.add("hadGPS", p.hadGPS)
            photo.add("hadDeviceSerial", p.hadDeviceSerial)
            photo.add("removedMetadata", p.removedMetadata)
            // The matches as recorded (hash and local-feature evidence, one tier rule), as `tip show` prints them.
            photo.add("matches", p.recorded.map(Reports.matchJSON))
            if !p.bankHits.isEmpty { photo.add("suppressedByBanks", p.bankHits) }
            if !p.watchListHits.isEmpty { photo.add("watchListHits", p.watchListHits) }
            return photo
        })
        return line
    }
}

struct Queue: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tips that need an analyst, most promising first.")
    @OptionGroup var options: StoreOptions
    @Option var limit: Int = 50
    func run() throws {
        try caseCommand { printLines(Reports.tips(try options.open().store.queue(limit: limit), json: options.json)) }
    }
}

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record an analyst's decision on a tip.")
    @OptionGroup var options: StoreOptions
    @Argument var tip: Int64
    @Option(help: "relevant, duplicate, spam or needs-info.") var decision: String
    @Option var reason: String
    func run() throws {
        try caseCommand {
            guard let d = TipDecision(rawValue: decision) else { throw InputError("unknown decision '\(decision)'") }
            let t = try options.open().store.review(TipID(tip), decision: d, reason: reason, by: options.analystID())
            emit("tip \(t.id): \(t.state.rawValue)")
        }
    }
}

struct CandidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candidate", abstract: "Candidate identifications (brand / product / country) of an object.",
        subcommands: [List.self, Confirm.self, Reject.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The ranking of an object's hypotheses with their evidence.")
        @OptionGroup var options: StoreOptions
        @Argument var code: String
        func run() throws {
            try caseCommand {
                let service = try options.open()
                let c = try ObjectCode(code)
                printLines(Reports.candidates(try service.rankCandidates(c), stored: try service.store.candidates(of: c), json: options.json))
            }
        }
    }

    struct Confirm: ParsableCommand {
        @OptionGroup var options: StoreOptions
        @Argument var id: Int64
        @Option var reason: String
        func run() throws {
            try caseCommand {
                let store = try options.open().store
                let analyst = try options.analystID()
                var c = try store.candidate(CandidateID(id))
                if c.state == .proposed { c = try store.corroborateCandidate(c.id, by: analyst, reason: reason) }
                c = try store.confirmCandidate(c.id, by: analyst, reason: reason)
                emit("candidate \(c.id): \(c.state.rawValue) (\(c.hypothesis))")
            }
        }
    }

    struct Reject: ParsableCommand {
        @OptionGroup var options: StoreOptions
        @Argument var id: Int64
        @Option var reason: String
        func run() throws {
            try caseCommand {
                let c = try options.open().store.rejectCandidate(CandidateID(id), by: options.analystID(), reason: reason)
                emit("candidate \(c.id): \(c.state.rawValue)")
            }
        }
    }
}

struct Refer: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Refer an identified object to one country's authority and write the dossier.")
    @OptionGroup var options: StoreOptions
    @Argument var code: String
    @Option var country: String
    @Option(help: "Dossier folder.") var out: String
    @Option var reason: String = ""
    func run() throws {
        try caseCommand {
            let result = try ReferralDossier.write(service: options.open(), code: ObjectCode(code), country: CountryCode(country),
                                                   reason: reason, folder: out, by: options.analystID())
            emit("referred \(code) to \(country): \(result.referredTips.count) tip(s), \(result.evidence.count) evidence file(s) in \(result.folder)")
        }
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The append-only audit log.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the hash chain; names the first edited, deleted or reordered row.")
        @OptionGroup var options: StoreOptions
        @Option(help: "A head recorded earlier (SEQ:HASH), to detect rows deleted from the end.") var anchor: String?
        func run() throws {
            try caseCommand {
                let store = try options.open().store
                var anchorValue: AuditAnchor?
                if let anchor {
                    let parts = anchor.split(separator: ":")
                    guard parts.count == 2, let seq = Int64(parts[0]) else { throw InputError("--anchor must be SEQ:HASH") }
                    anchorValue = AuditAnchor(seq: seq, hash: String(parts[1]))
                }
                switch try store.verifyAudit(anchor: anchorValue) {
                case .ok(let count):
                    let head = try store.auditHead()
                    emit("audit log ok: \(count) entries; head \(head?.description ?? "-") (keep it to detect truncation)")
                case .broken(let problem):
                    report("audit log BROKEN: \(problem)")
                    throw ExitCode(1)
                }
            }
        }
    }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Counts of objects, tips, candidates, images and work.")
    @OptionGroup var options: StoreOptions
    func run() throws {
        try caseCommand { printLines(Reports.stats(try options.open().store.stats(), json: options.json)) }
    }
}
