import ArgumentParser
import CaseWork
import Foundation
import Matching
import ObjtraceKit
import Store

/// Options every case-work command takes.
struct StoreOptions: ParsableArguments {
    @Option(help: "The store: an SQLite file or postgres://user@host:port/db (default: $OBJTRACE_STORE or ./objtrace.sqlite). A password in the URL is used, never printed; PGPASSWORD and ~/.pgpass work.")
    var store: String?

    @Option(help: "Who is acting (default: $OBJTRACE_ANALYST). Recorded in the audit log; compared after Unicode normalisation and case folding.")
    var analyst: String?

    @Flag(help: "JSON lines instead of tables.")
    var json = false

    var storePath: String { store ?? ProcessInfo.processInfo.environment["OBJTRACE_STORE"] ?? "./objtrace.sqlite" }

    func analystID() throws -> AnalystID {
        guard let name = analyst ?? ProcessInfo.processInfo.environment["OBJTRACE_ANALYST"], !name.isEmpty else {
            throw ValidationError("who is acting? pass --analyst NAME or set OBJTRACE_ANALYST")
        }
        do {
            return try AnalystName.identity(name)
        } catch {
            throw ValidationError("--analyst: \(error)")
        }
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
        report("objtrace: \(cliMessage(error))")
        throw ExitCode(1)
    }
}

/// One line for an error: library errors as they describe themselves; Foundation file errors as
/// `io: PATH: reason` (never an `NSCocoaErrorDomain` dump).
func cliMessage(_ error: any Error) -> String {
    let ns = error as NSError
    guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return describe(error) }
    let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
    var reason = ns.localizedDescription
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        reason = String(cString: strerror(Int32(underlying.code)))
    } else if ns.domain == NSPOSIXErrorDomain {
        reason = String(cString: strerror(Int32(ns.code)))
    }
    return "io: " + (path.map { "\($0): " } ?? "") + reason
}

func printLines(_ lines: [String]) { for l in lines { emit(l) } }

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or migrate the case-work store.")
    @OptionGroup var options: StoreOptions

    func run() throws {
        let analyst = try options.analystID()  // before the file is created: a refused init leaves nothing
        try caseCommand {
            let service = try CaseService(path: options.storePath, requireSchema: false)
            let applied = try service.initialize(by: analyst)
            let version = try service.store.schemaVersion()
            // The database's own name for itself: a path, or the URL without its password.
            let name = service.store.database.path
            emit(applied == 0 ? "store \(name) is already at schema version \(version)"
                 : "store \(name) at schema version \(version) (\(applied) migration(s) applied)")
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
        @Option(help: "Title shown to analysts (and published).") var title: String
        @Option(help: "What kind of object.") var category: ObjectCategory
        @Option(help: "The question published with the object.") var question: String
        @Option(help: "Internal notes (never published).") var notes: String = ""
        @Argument(help: "Crop images (JPEG or PNG).") var images: [String]

        func run() throws {
            try caseCommand {
                let service = try options.open()
                let (object, crops) = try service.addObject(code: ObjectCode(code), title: title, category: category, question: question,
                                                            notes: notes, images: images, by: options.analystID())
                if options.json { emit(Reports.objectJSON(object).description) } else {
                    emit("added \(object.code) (draft) with \(crops.count) crop(s): \(crops.map(\.crop.sha256.value).joined(separator: ", "))")
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List catalogue objects, by code.")
        @OptionGroup var options: StoreOptions
        @Option(help: "Only objects in this state.") var state: ObjectState?
        func run() throws {
            try caseCommand {
                printLines(Reports.objects(try options.open().store.objects(state: state), json: options.json))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One object: its crops, approvals and matching tips.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Object code, e.g. TAO-2026-014.") var code: String
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
        @Argument(help: "Object code.") var code: String
        @Option(help: "Why (recorded in the review log).") var reason: String = ""
        func run() throws {
            try objectStep(options, code) { try $0.approve($1, by: $2, reason: reason) }
        }
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish an approved object (its crops become matchable).")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Object code.") var code: String
        @Option(help: "Why (recorded in the review log).") var reason: String = ""
        func run() throws {
            try objectStep(options, code) { try $0.publish($1, by: $2, reason: reason) }
        }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw an approved or published object.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Object code.") var code: String
        @Option(help: "Why (required).") var reason: String
        func run() throws {
            try objectStep(options, code) { try $0.withdraw($1, by: $2, reason: reason) }
        }
    }

    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Archive a resolved or withdrawn object.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Object code.") var code: String
        @Option(help: "Why (recorded in the review log).") var reason: String = ""
        func run() throws {
            try objectStep(options, code) { try $0.archive($1, by: $2, reason: reason) }
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark an object identified (--country, --brand, --product) or --ubiquitous.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Object code.") var code: String
        @Option(help: "Origin country (ISO alpha-2); repeat for several.") var country: [String] = []
        @Option(help: "The identified brand.") var brand: String?
        @Option(help: "The identified product.") var product: String?
        @Flag(help: "Sold everywhere: no lead.") var ubiquitous = false
        @Option(help: "Why (required).") var reason: String
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
        @Option(help: "What the tipster wrote.") var text: String = ""
        @Option(help: "Claimed brand.") var brand: String?
        @Option(help: "Claimed product.") var product: String?
        @Option(help: "Claimed shop.") var shop: String?
        @Option(help: "Claimed country (name in any language or ISO code).") var country: String?
        @Option(help: "Claimed city.") var city: String?
        @Option(help: "A link the tipster gave.") var url: String?
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
                printLines(options.json ? [TipOutput.line(result).description] : TipOutput.text(result))
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import tips from JSON lines (photos by path relative to the file); resumable and idempotent.",
            discussion: """
                One JSON object per line; every field is optional:
                  received   YYYY-MM-DD, the day the tip arrived (default: today; not in the future)
                  channel    cli, import or web (default: import)
                  language   language tag, e.g. "de" (default: "und")
                  text       what the tipster wrote
                  brand, product, shop, country, city, url    the tipster's claims (strings)
                  object     the public object code the tip is about, e.g. "TAO-2026-014"
                  photos     list of image paths, relative to the JSONL file's folder (at most 10, each once)
                  contact    contact details, ONLY if the tipster opted in to being contacted
                Any other field is refused with its name (an unknown field may identify a tipster).
                Example:
                  {"received":"2026-11-28","language":"de","text":"Im Lidl gesehen","brand":"Alpro","country":"DE","object":"TAO-2026-014","photos":["p1.jpg"]}
                Prints one JSON line per line ({"line","tip","outcome","matches"} or {"line","error"}); a re-run skips
                lines already imported. Exit status: 0 when any line was imported or already there, 1 when every
                line was rejected.
                """)
        @OptionGroup var options: StoreOptions
        @Option(help: "Worker threads preparing lines' photos (default: all cores); writes stay in file order.")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
        @Argument(help: "The JSON-lines file.") var file: String
        func validate() throws {
            guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        }
        func run() throws {
            var summary = TipImport.Summary()
            try caseCommand {
                let service = try options.open(durability: .normal)
                summary = try TipImport.run(file: file, service: service, jobs: jobs, by: options.analystID(), report: emit)
                report("imported \(summary.imported), duplicates \(summary.duplicates), already done \(summary.skipped), rejected \(summary.rejected)")
            }
            if summary.imported + summary.duplicates + summary.skipped == 0 && summary.rejected > 0 { throw ExitCode(1) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tips, newest first (received day, then number).")
        @OptionGroup var options: StoreOptions
        @Option(help: "Only tips in this state.") var state: TipState?
        @Option(help: "Only tips linked to this object.") var object: String?
        @Option(help: "At most this many (0 = all).") var limit: Int = 100
        func validate() throws { guard limit >= 0 else { throw ValidationError("--limit must be 0 (all) or more") } }
        func run() throws {
            try caseCommand {
                let (tips, total) = try options.open().store.latestTips(state: state, linkedTo: object.map { try ObjectCode($0) },
                                                                        limit: ListLimit.value(limit))
                printLines(Reports.tips(tips, json: options.json))
                if let more = ListLimit.trailer(shown: tips.count, total: total) { options.json ? report(more) : emit(more) }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One tip: claims, photos (working and original digests) and matches.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Tip number.") var tip: Int64
        func run() throws {
            try caseCommand {
                let service = try options.open()
                let t = try service.store.tip(TipID(tip))
                let matches = try service.store.matches(tip: TipID(tip))
                printLines(Reports.tip(t, matches: matches, json: options.json))
            }
        }
    }

    struct Link: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Link a relevant tip to an object.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Tip number.") var tip: Int64
        @Argument(help: "Object code.") var object: String
        @Option(help: "Why (recorded in the review log).") var reason: String = ""
        func run() throws {
            try caseCommand {
                let t = try options.open().store.linkTip(TipID(tip), to: ObjectCode(object), by: options.analystID(), reason: reason)
                emit("tip \(t.id): \(t.state.rawValue) to \(t.linkedObject?.value ?? "-")")
            }
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a decided tip for good.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Tip number.") var tip: Int64
        @Option(help: "Why (required).") var reason: String
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

    /// The human form: one line per photo with its matches.
    static func text(_ r: CaseService.TipReport) -> [String] {
        var out = ["tip \(r.tipID): \(r.outcome.rawValue), \(r.photos.count) photo(s)"]
        for p in r.photos {
            let flags = [p.hadGPS ? "had GPS" : nil, p.hadDeviceSerial ? "had device serial" : nil].compactMap { $0 }
            out.append("  \(p.path)  original \(p.originalSHA256.prefix(16))…\(flags.isEmpty ? "" : "  (" + flags.joined(separator: ", ") + ", removed)")")
            if !p.bankHits.isEmpty { out.append("    on bank(s) \(p.bankHits.joined(separator: ", ")): not auto-matched") }
            // The matches as recorded (the one tier rule), not the bare hash verdicts.
            for m in p.recorded {
                let what = m.object.map { "object \($0)" } ?? m.referenceTip.map { "tip \($0)" } ?? "?"
                out.append("    \(Reports.tierText(m)) \(what)  \(Reports.algoNames(m.algos).joined(separator: "+"))  strength \(String(format: "%.3f", m.strength))")
            }
        }
        return out
    }
}

struct Queue: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tips that need an analyst, strongest visual match first, with the object matched.")
    @OptionGroup var options: StoreOptions
    @Option(help: "At most this many (0 = all).") var limit: Int = 50
    func validate() throws { guard limit >= 0 else { throw ValidationError("--limit must be 0 (all) or more") } }
    func run() throws {
        try caseCommand {
            let store = try options.open().store
            let tips = try store.queue(limit: ListLimit.value(limit))
            var matched: [TipID: String] = [:]
            for t in tips {
                let best = try store.matches(tip: t.id).filter { $0.object != nil }
                    .max { ($0.tier, $0.strength) < ($1.tier, $1.strength) }
                if let best, let o = best.object { matched[t.id] = "\(o.value) (\(best.tier))" }
            }
            printLines(Reports.tips(tips, matched: matched, json: options.json))
            if let more = ListLimit.trailer(shown: tips.count, total: try store.queueLength()) { options.json ? report(more) : emit(more) }
        }
    }
}

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record an analyst's decision on a tip.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "Tip number.") var tip: Int64
    @Option(help: "The decision.") var decision: CaseWork.TipDecision
    @Option(help: "Why (required).") var reason: String
    func run() throws {
        try caseCommand {
            let t = try options.open().store.review(TipID(tip), decision: decision, reason: reason, by: options.analystID())
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
        @Argument(help: "Object code.") var code: String
        func run() throws {
            try caseCommand {
                let service = try options.open()
                let c = try ObjectCode(code)
                printLines(Reports.candidates(try service.rankCandidates(c), stored: try service.store.candidates(of: c), json: options.json))
            }
        }
    }

    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Confirm a candidate identification (corroborating it first if needed).")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Candidate number (from `candidate list`).") var id: Int64
        @Option(help: "Why (required).") var reason: String
        func run() throws {
            try caseCommand {
                let store = try options.open().store
                let analyst = try options.analystID()
                // One transaction: a refused confirmation must not leave the candidate corroborated.
                let c = try store.database.transaction {
                    var c = try store.candidate(CandidateID(id))
                    if c.state == .proposed { c = try store.corroborateCandidate(c.id, by: analyst, reason: reason) }
                    return try store.confirmCandidate(c.id, by: analyst, reason: reason)
                }
                emit("candidate \(c.id): \(c.state.rawValue) (\(c.hypothesis))")
            }
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a candidate identification.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Candidate number (from `candidate list`).") var id: Int64
        @Option(help: "Why (required).") var reason: String
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
    @Argument(help: "Object code (must be identified).") var code: String
    @Option(help: "Destination country, ISO alpha-2 (one of the object's origin countries).") var country: String
    @Option(help: "Dossier folder: must not exist yet, or be empty.") var out: String
    @Option(help: "Why (recorded in the review log).") var reason: String = ""
    func run() throws {
        try caseCommand {
            let result = try ReferralDossier.write(service: options.open(), code: ObjectCode(code), country: CountryCode(country),
                                                   reason: reason, folder: out, by: options.analystID())
            if options.json {
                var line = JSONLine()
                line.add("object", try ObjectCode(code).value)
                line.add("country", try CountryCode(country).value)
                line.add("folder", result.folder)
                line.add("tips", result.dossierTips.map { String($0.rawValue) })
                line.add("newlyReferred", result.referredTips.map { String($0.rawValue) })
                line.add("evidenceFiles", result.evidence.count)
                emit(line.description)
            } else {
                emit("referred \(code) to \(country): \(result.dossierTips.count) tip(s) in the dossier (\(result.referredTips.count) newly referred), \(result.evidence.count) evidence file(s) in \(result.folder)")
            }
        }
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The append-only audit log: verify it, print its anchor.",
                                                    subcommands: [Verify.self, Anchor.self])

    struct Anchor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the log's head (SEQ:HASH) to keep outside the store.",
            discussion: "Keep it elsewhere (printed, mailed, in another system); `audit verify --anchor SEQ:HASH` then detects rows cut from the end and a log rewritten and re-hashed since.")
        @OptionGroup var options: StoreOptions
        func run() throws {
            try caseCommand {
                guard let head = try options.open().store.auditHead() else { throw InputError("the audit log is empty") }
                if options.json {
                    var line = JSONLine()
                    line.add("seq", Int(head.seq))
                    line.add("hash", head.hash)
                    line.add("anchor", head.description)
                    emit(line.description)
                } else {
                    emit(head.description)
                }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the hash chain; names the first edited, deleted or reordered row.")
        @OptionGroup var options: StoreOptions
        @Option(help: "A head recorded earlier with `audit anchor` (SEQ:HASH): detects rows deleted from the end and a rewritten log.")
        var anchor: String?
        func validate() throws {
            if let anchor {
                let parts = anchor.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, Int64(parts[0]) != nil, !parts[1].isEmpty else {
                    throw ValidationError("--anchor must be SEQ:HASH as `objtrace audit anchor` prints it")
                }
            }
        }
        func run() throws {
            try caseCommand {
                let store = try options.open().store
                let anchorValue = anchor.map { a in
                    let parts = a.split(separator: ":", omittingEmptySubsequences: false)
                    return AuditAnchor(seq: Int64(parts[0])!, hash: String(parts[1]))
                }
                let verdict = try store.verifyAudit(anchor: anchorValue)
                let head = try store.auditHead()
                switch verdict {
                case .ok(let count):
                    if options.json {
                        var line = JSONLine()
                        line.add("ok", true); line.add("entries", count); line.add("head", head?.description ?? "")
                        emit(line.description)
                    } else {
                        emit("audit log ok: \(count) entries, case rows match their last audit entries; head \(head?.description ?? "-") (keep it: `objtrace audit anchor`)")
                    }
                case .broken(let problem):
                    if options.json {
                        var line = JSONLine()
                        line.add("ok", false); line.add("problem", problem.problem.rawValue); line.add("seq", Int(problem.seq))
                        if let row = problem.row { line.add("row", row) }
                        line.add("message", problem.message)
                        emit(line.description)
                    }
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

struct AnalystCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyst", abstract: "Registered analysts: once any is registered, unknown names are refused.",
        subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an analyst (the first registration starts the register: register yourself first).")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The analyst's name as they will type it (compared after normalisation and case folding).") var name: String
        func run() throws {
            let id: AnalystID
            do { id = try AnalystName.identity(name) } catch { throw ValidationError("analyst name: \(error)") }
            try caseCommand {
                let added = try options.open().store.addAnalyst(id, display: name, by: options.analystID())
                emit("registered analyst \(added.id)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered analysts.")
        @OptionGroup var options: StoreOptions
        func run() throws {
            try caseCommand {
                let all = try options.open().store.analysts()
                if options.json {
                    printLines(all.map { a in
                        var line = JSONLine()
                        line.add("analyst", a.id.name); line.add("display", a.display); line.add("addedBy", a.addedBy)
                        return line.description
                    })
                } else if all.isEmpty {
                    emit("no analysts registered: any name is accepted (register with `objtrace analyst add NAME`)")
                } else {
                    printLines(TextTable.render(["ANALYST", "AS TYPED", "ADDED BY"], all.map { [$0.id.name, $0.display, $0.addedBy] }))
                }
            }
        }
    }
}
