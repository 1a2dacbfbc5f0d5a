import Foundation
import Testing
import TestSupport

/// The executable as an analyst meets it: exit codes (0 done, 1 refused/failed, 2 usage), one clear line on
/// stderr when refused, help that explains every command and option.
@Suite("objtrace executable", .serialized, .enabled(if: CLI.executable != nil, "the objtrace executable is not built"))
struct CLITests {
    // MARK: - help, version, usage errors

    @Test func versionAndTopLevelHelp() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let version = try cli.run(["--version"])
        #expect(version.status == 0 && version.out.hasPrefix("objtrace "), "\(version)")
        let help = try cli.run(["--help"])
        #expect(help.status == 0)
        for command in ["inspect", "hash", "match", "init", "analyst", "object", "tip", "queue", "review", "candidate", "refer",
                        "audit", "stats", "calibrate", "export", "import", "sheet"] {
            let line = help.outLines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(command + " ") }
            #expect(line.map { $0.split(separator: " ", omittingEmptySubsequences: true).count > 1 } == true,
                    "`\(command)` has an abstract in --help")
        }
    }

    /// Every command has an abstract and every option a help line.
    @Test(arguments: [
        ["inspect"], ["hash"], ["match"], ["init"], ["analyst", "add"], ["analyst", "list"], ["object", "add"], ["object", "list"],
        ["object", "show"], ["object", "approve"], ["object", "publish"], ["object", "withdraw"], ["object", "resolve"],
        ["object", "archive"], ["tip", "submit"], ["tip", "import"], ["tip", "list"], ["tip", "show"], ["tip", "link"],
        ["tip", "close"], ["queue"], ["review"], ["candidate", "list"], ["candidate", "confirm"], ["candidate", "reject"],
        ["refer"], ["audit", "verify"], ["audit", "anchor"], ["stats"], ["calibrate"], ["export", "hashes"],
        ["export", "vics"], ["import", "bank"], ["sheet"],
    ])
    func everyCommandAndOptionIsExplained(command: [String]) throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let help = try cli.run(["help"] + command)
        #expect(help.status == 0, "\(help)")
        let lines = help.outLines
        #expect(lines.first?.hasPrefix("OVERVIEW: ") == true, "\(command.joined(separator: " ")) has an abstract")
        // In OPTIONS/ARGUMENTS, an entry line ("  --name <v>" or "  <arg>") is followed by its help on the same line
        // (after two or more spaces) or on the next, more indented line.
        // The help column is where "Show help information." starts.
        let helpLine = try #require(lines.first { $0.contains("Show help information.") })
        let column = helpLine.distance(from: helpLine.startIndex, to: try #require(helpLine.range(of: "Show help")).lowerBound)
        var section = ""
        for (i, line) in lines.enumerated() {
            if !line.hasPrefix(" ") { section = line; continue }
            guard section.hasPrefix("OPTIONS") || section.hasPrefix("ARGUMENTS") else { continue }
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("-") || trimmed.hasPrefix("<") else { continue }
            let indent = line.count - trimmed.count
            let chars = Array(line)
            let sameLine = chars.count > column && chars[column - 1] == " " && chars[column] != " "
            let next = i + 1 < lines.count ? lines[i + 1] : ""
            let nextIndent = next.count - next.drop { $0 == " " }.count
            let nextLine = !next.trimmingCharacters(in: .whitespaces).isEmpty && nextIndent > indent
                && !next.drop { $0 == " " }.hasPrefix("-")
            #expect(sameLine || nextLine, "`\(command.joined(separator: " "))`: \(trimmed) has no help text")
        }
    }

    @Test func tipImportHelpDocumentsTheLineSchema() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let help = try cli.run(["tip", "import", "--help"])
        for field in ["received", "channel", "language", "text", "brand", "object", "photos", "contact", "Example"] {
            #expect(help.out.contains(field), "tip import --help names \(field)")
        }
    }

    @Test(arguments: [
        (["object", "add", "--code", "TAO-2026-001", "--title", "T", "--category", "spoon", "--question", "Q", "x.jpg"], "bottle"),
        (["review", "1", "--decision", "maybe", "--reason", "r"], "relevant"),
        (["tip", "list", "--state", "open"], "received"),
        (["object", "list", "--state", "gone"], "published"),
        (["hash", "--format", "xml", "x.jpg"], "pdq-list"),
        (["hash", "--orientation", "sideways", "x.jpg"], "apply"),
        (["export", "hashes", "--format", "xml"], "imagehash"),
        (["import", "bank", "--name", "b", "--format", "pdq-list", "--kind", "grey-list", "f"], "allow-list"),
        (["import", "bank", "--name", "b", "--format", "json", "f"], "vics"),
    ])
    func badValuesListTheValidOnesAndExit2(arguments: [String], listed: String) throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let r = try cli.run(arguments, analyst: "alice")
        #expect(r.status == 2, "\(r)")
        #expect(r.err.contains(listed), "the error lists the valid values: \(r.err)")
    }

    @Test func pdqListOfPHashIsAUsageError() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let r = try cli.run(["hash", "--format", "pdq-list", "--algo", "phash", CLI.sample("objects")])
        #expect(r.status == 2 && r.out.isEmpty, "\(r)")
        #expect(r.err.contains("pdq"))
        let ok = try cli.run(["hash", "--format", "pdq-list", "--algo", "pdq", CLI.sample("objects")])
        #expect(ok.status == 0 && ok.outLines.count == 3, "\(ok)")
    }

    /// On a terminal (a pseudo-terminal from `script`), the bar is erased before any other line is printed.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func progressBarIsErasedBeforeOtherLines() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let exe = try #require(CLI.executable).path
        let command = "\(exe) hash \(CLI.sample("objects")) /nonexistent.jpg \(CLI.sample("tips"))"
        let r = try cli.runProgram("/usr/bin/script", ["-q", "-c", command, "/dev/null"])
        #expect(r.out.contains("ETA"), "the bar was drawn: \(r.out)")
        #expect(r.out.contains("/nonexistent.jpg"))
        #expect(r.out.firstMatch(of: #/ETA \d+:\d\d\{/#) == nil, "a line was printed onto the bar: \(r.out)")
        #expect(r.out.contains("ETA 0:00\r\u{1B}[K") || r.out.contains("\r\u{1B}[K{"))
    }

    // MARK: - init

    @Test func initWithoutAnalystLeavesNoFileAndASecondInitSaysTheVersion() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let refused = try cli.run(["init"])
        #expect(refused.status == 2, "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: cli.store), "a refused init creates no store file")
        let first = try cli.run(["init"], analyst: "alice")
        #expect(first.status == 0)
        let second = try cli.run(["init"], analyst: "alice")
        #expect(second.status == 0)
        let version = try cli.run(["--version"]).out
        #expect(second.out.contains("already at schema version") && !second.out.contains("version 0"), "\(second)")
        #expect(version.contains("schema \(second.out.split(separator: " ").last.map(String.init)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?")"))
    }

    // MARK: - files and exit codes

    @Test func missingFileAndFolderAreNamed() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try #require(try cli.run(["init"], analyst: "alice").status == 0)
        let missing = cli.dir.appendingPathComponent("no-such-crop.jpg").path
        let add = try cli.run(["object", "add", "--code", "TAO-2026-001", "--title", "T", "--category", "bottle", "--question", "Q",
                               missing], analyst: "alice")
        #expect(add.status == 1)
        #expect(add.err.contains(missing), "the message names the path: \(add.err)")
        let folder = try cli.run(["tip", "submit", "--photo", cli.dir.path, "--text", "t"], analyst: "alice")
        #expect(folder.status == 1)
        #expect(folder.err.contains("is a folder") && !folder.err.contains("too-large"), "\(folder.err)")
    }

    @Test func fileSystemErrorsNameThePathWithoutFoundationDumps() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try #require(try cli.run(["init"], analyst: "alice").status == 0)
        try #require(try cli.run(["object", "add", "--code", "TAO-2026-001", "--title", "T", "--category", "packaging", "--question", "Q",
                                  CLI.sample("objects/grocery_iconic_Oatly-Oat-Milk.jpg")], analyst: "alice").status == 0)
        let file = cli.dir.appendingPathComponent("afile")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let sheet = try cli.run(["sheet", "TAO-2026-001", "--out", file.path])
        let vics = try cli.run(["export", "vics", "--out", "/nonexistent/dir/x.json"])
        for r in [sheet, vics] {
            #expect(r.status == 1, "\(r)")
            #expect(r.err.hasPrefix("objtrace: io: ") && !r.err.contains("NSCocoaErrorDomain") && !r.err.contains("UserInfo"), "\(r.err)")
        }
        #expect(vics.err.contains("/nonexistent/dir/x.json"))
    }

    @Test func importWithEveryLineRejectedExits1() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try #require(try cli.run(["init"], analyst: "alice").status == 0)
        let file = cli.dir.appendingPathComponent("tips.jsonl")
        try "{\"received\":\"not a date\"}\nnot json\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try cli.run(["tip", "import", file.path], analyst: "alice")
        #expect(r.status == 1, "\(r)")
        #expect(r.outLines.count == 2 && r.outLines.allSatisfy { $0.contains("\"error\"") })
        try "{\"received\":\"2026-11-28\",\"text\":\"fine\"}\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try cli.run(["tip", "import", file.path], analyst: "alice").status == 0)
    }

    @Test func importBankWithNoHashesExits1AndCreatesNothing() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try #require(try cli.run(["init"], analyst: "alice").status == 0)
        let before = try cli.run(["audit", "verify", "--json"]).out
        let file = cli.dir.appendingPathComponent("empty.txt")
        try "# nothing here\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try cli.run(["import", "bank", "--name", "stock", "--format", "pdq-list", file.path], analyst: "alice")
        #expect(r.status == 1, "\(r)")
        #expect(r.err.contains("no hashes"))
        #expect(try cli.run(["audit", "verify", "--json"]).out == before, "no audit entry, no bank")
    }

    // MARK: - four-eyes, dates, listings

    @Test func fourEyesCannotBePassedBySpelling() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try #require(try cli.run(["init"], analyst: "alice").status == 0)
        let add = try cli.run(["object", "add", "--code", "TAO-2026-001", "--title", "T", "--category", "packaging", "--question", "Q",
                               CLI.sample("objects/grocery_iconic_Oatly-Oat-Milk.jpg")], analyst: "alice")
        try #require(add.status == 0, "\(add)")
        #expect(try cli.run(["object", "approve", "TAO-2026-001"], analyst: "alice").status == 0)
        for spelling in ["ALICE", "Alice", "ａｌｉｃｅ", " alice "] {
            let again = try cli.run(["object", "approve", "TAO-2026-001"], analyst: spelling)
            #expect(again.status == 1, "\(spelling): \(again)")
        }
        let invisible = try cli.run(["object", "approve", "TAO-2026-001"], analyst: "ali\u{200B}ce")
        #expect(invisible.status == 2 && invisible.err.contains("U+200B"), "\(invisible)")
        #expect(try cli.run(["object", "approve", "TAO-2026-001"], analyst: "bob").status == 0)
    }

    @Test func registeredAnalystsOnly() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try #require(try cli.run(["init"], analyst: "alice").status == 0)
        #expect(try cli.run(["analyst", "add", "Alice"], analyst: "alice").status == 0)
        #expect(try cli.run(["analyst", "add", "Bob"], analyst: "ALICE").status == 0)
        let unknown = try cli.run(["tip", "submit", "--text", "hello"], analyst: "mallory")
        #expect(unknown.status == 1 && unknown.err.contains("not a registered analyst"), "\(unknown)")
        #expect(try cli.run(["tip", "submit", "--text", "hello"], analyst: "bob").status == 0)
        let list = try cli.run(["analyst", "list", "--json"])
        #expect(list.outLines.count == 2 && list.out.contains("\"analyst\":\"bob\""))
    }

    @Test func futureReceivedDayIsRefused() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try #require(try cli.run(["init"], analyst: "alice").status == 0)
        let r = try cli.run(["tip", "submit", "--text", "t", "--received", "2099-01-01"], analyst: "alice")
        #expect(r.status == 1 && r.err.contains("future"), "\(r)")
        #expect(try cli.run(["tip", "submit", "--text", "t", "--received", "2026-01-01"], analyst: "alice").status == 0)
    }

    @Test func listingsAreNewestFirstAndSayWhatTheyLeaveOut() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try #require(try cli.run(["init"], analyst: "alice").status == 0)
        let file = cli.dir.appendingPathComponent("tips.jsonl")
        let lines = (1...7).map { "{\"received\":\"2026-10-0\($0)\",\"text\":\"tip \($0)\"}" }
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        try #require(try cli.run(["tip", "import", file.path], analyst: "alice").status == 0)
        let three = try cli.run(["tip", "list", "--limit", "3"])
        let rows = three.outLines.dropFirst(2)
        #expect(rows.count == 4, "3 rows and a trailer: \(three)")
        #expect(rows.first?.contains("2026-10-07") == true, "newest first")
        #expect(rows.last == "… 4 more (--limit 0 shows all)")
        let all = try cli.run(["tip", "list", "--limit", "0", "--json"])
        #expect(all.outLines.count == 7)
        #expect(all.outLines.first?.contains("2026-10-07") == true)
        let queue = try cli.run(["queue", "--limit", "2"])
        #expect(queue.out.contains("MATCHED") && queue.out.contains("… 5 more"), "\(queue)")
        #expect(try cli.run(["queue", "--limit", "0", "--json"]).outLines.count == 7)
    }

    @Test func tipShowIsReadableAndJSONOnRequest() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.publishedCase()
        let submit = try cli.run(["tip", "submit", "--photo", CLI.sample("tips/alpro-mirrored-resized.jpg"), "--brand", "Alpro"],
                                 analyst: "alice")
        #expect(submit.status == 0 && submit.out.hasPrefix("tip 1: inserted"), "\(submit)")
        let show = try cli.run(["tip", "show", "1"])
        #expect(show.status == 0 && show.out.contains("claims: brand=Alpro") && show.out.contains("working copy"), "\(show)")
        let json = try cli.run(["tip", "show", "1", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect(object?["tip"] as? Int == 1 && object?["matches"] != nil)
    }

    /// One tier rule (issue 13 item 6): what `match --local` prints for a photo is what `tip submit` records.
    @Test func matchLocalAndTipSubmitAgreeOnTiers() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.publishedCase()
        for (n, photo) in ["tips/alpro-mirrored-resized.jpg", "tips/grocery_natural_Oatly-Oat-Milk_006.jpg"].enumerated() {
            let match = try cli.run(["match", "--local", CLI.sample(photo)])
            let line = try JSONSerialization.jsonObject(with: Data(match.out.utf8)) as? [String: Any]
            let printed = (line?["matches"] as? [[String: Any]] ?? []).compactMap { m -> String? in
                guard let o = m["object"] as? String, let t = m["tier"] as? String else { return nil }
                return "\(o) \(t) \((m["algo"] as? String ?? "").contains("local"))"
            }
            let submit = try cli.run(["tip", "submit", "--photo", CLI.sample(photo), "--json"], analyst: "alice")
            #expect(submit.status == 0, "\(submit)")
            let show = try cli.run(["tip", "show", String(n + 1), "--json"])
            let tip = try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any]
            let recorded = (tip?["matches"] as? [[String: Any]] ?? []).compactMap { m -> String? in
                guard let o = m["object"] as? String, let t = m["tier"] as? String else { return nil }
                let algos = (m["algos"] as? [String]) ?? [(m["algo"] as? String) ?? ""]
                return "\(o) \(t) \(algos.joined(separator: "+").contains("local"))"
            }
            #expect(!printed.isEmpty && Set(printed) == Set(recorded), "match: \(printed) tip show: \(recorded)\n\(show)")
        }
    }

    // MARK: - referral

    /// An identified object with two linked tips, ready to refer to BE.
    func identifiedCase(_ cli: CLI) throws {
        try cli.publishedCase()
        for (photo, brand) in [("tips/alpro-mirrored-resized.jpg", "Alpro"), ("tips/grocery_natural_Oatly-Oat-Milk_006.jpg", "Alpro")] {
            try #require(try cli.run(["tip", "submit", "--object", "TAO-2026-001", "--photo", CLI.sample(photo), "--brand", brand,
                                      "--country", "BE"], analyst: "alice").status == 0)
        }
        for tip in ["1", "2"] {
            try #require(try cli.run(["review", tip, "--decision", "relevant", "--reason", "ok"], analyst: "bob").status == 0)
            try #require(try cli.run(["tip", "link", tip, "TAO-2026-001"], analyst: "bob").status == 0)
        }
        let candidates = try cli.run(["candidate", "list", "TAO-2026-001", "--json"])
        let first = try #require(candidates.outLines.first)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])?["candidate"] as? Int)
        try #require(try cli.run(["candidate", "confirm", String(id), "--reason", "two tips"], analyst: "bob").status == 0)
        try #require(try cli.run(["object", "resolve", "TAO-2026-001", "--country", "BE", "--brand", "Alpro", "--reason", "confirmed"],
                                 analyst: "bob").status == 0)
    }

    @Test func failedReferralChangesNothing() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try identifiedCase(cli)
        let before = try cli.run(["audit", "verify", "--json"]).out
        let tipsBefore = try cli.run(["tip", "list", "--json"]).out
        // --out names an existing file; then a non-empty folder; then a folder whose parent is missing.
        let file = cli.dir.appendingPathComponent("dossier.txt")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let full = cli.dir.appendingPathComponent("full")
        try FileManager.default.createDirectory(at: full, withIntermediateDirectories: true)
        try "x".write(to: full.appendingPathComponent("keep.txt"), atomically: true, encoding: .utf8)
        for out in [file.path, full.path, cli.dir.appendingPathComponent("no/such/dir").path] {
            let r = try cli.run(["refer", "TAO-2026-001", "--country", "BE", "--out", out], analyst: "bob")
            #expect(r.status == 1, "\(r)")
            #expect(!r.err.contains("NSCocoaErrorDomain"), "\(r.err)")
            #expect(try cli.run(["audit", "verify", "--json"]).out == before, "no object.refer entry")
            #expect(try cli.run(["tip", "list", "--json"]).out == tipsBefore, "tips stay linked")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cli.dir.path).filter { $0.contains("staging") }
        #expect(leftovers.isEmpty, "no staging folder left: \(leftovers)")
        // A country that is not the object's origin: refused after the dossier would have been staged.
        let wrong = try cli.run(["refer", "TAO-2026-001", "--country", "DE", "--out", cli.dir.appendingPathComponent("de").path],
                                analyst: "bob")
        #expect(wrong.status == 1)
        #expect(!FileManager.default.fileExists(atPath: cli.dir.appendingPathComponent("de").path))
        // An evidence file that cannot be read while the dossier is written: the referral rolls back.
        let blobs = URL(fileURLWithPath: cli.store + ".blobs")
        let shelved = cli.dir.appendingPathComponent("shelved-blobs")
        try FileManager.default.moveItem(at: blobs, to: shelved)
        let unreadable = cli.dir.appendingPathComponent("be")
        let failed = try cli.run(["refer", "TAO-2026-001", "--country", "BE", "--out", unreadable.path], analyst: "bob")
        #expect(failed.status == 1, "\(failed)")
        #expect(!FileManager.default.fileExists(atPath: unreadable.path), "no half-written dossier")
        #expect(try cli.run(["audit", "verify", "--json"]).out == before)
        #expect(try cli.run(["tip", "list", "--json"]).out == tipsBefore)
        try FileManager.default.moveItem(at: shelved, to: blobs)
        let ok = try cli.run(["refer", "TAO-2026-001", "--country", "BE", "--out", unreadable.path], analyst: "bob")
        #expect(ok.status == 0, "\(ok)")
        #expect(try cli.run(["tip", "list", "--json"]).out.components(separatedBy: "\"state\":\"referred\"").count == 3)
    }

    @Test func referralFilesAgreeAndCountsMatch() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try identifiedCase(cli)
        let out = cli.dir.appendingPathComponent("dossier")
        let r = try cli.run(["refer", "TAO-2026-001", "--country", "BE", "--out", out.path], analyst: "bob")
        #expect(r.status == 0, "\(r)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("referral.json")))
            as? [String: Any])
        let tips = try #require(json["supportingTips"] as? [[String: Any]])
        #expect(r.out.contains("\(tips.count) tip(s) in the dossier"), "\(r.out)")
        let html = try String(contentsOf: out.appendingPathComponent("referral.html"), encoding: .utf8)
        // Every tip the page shows is one the JSON lists, and the other way round.
        let pageTips = Set(html.components(separatedBy: "<figcaption>Tip ").dropFirst().compactMap { $0.split(separator: "<").first.map(String.init) })
        let jsonTips = Set(tips.compactMap { $0["tip"] as? Int }.map(String.init))
        #expect(pageTips.isSubset(of: jsonTips), "page \(pageTips) vs json \(jsonTips)")
        let matches = try #require(json["matches"] as? [[String: Any]])
        #expect(Set(matches.compactMap { $0["tip"] as? String }) == pageTips)
        // Digests are labelled: the working copy in the dossier, the original as received.
        let evidence = try #require(json["evidence"] as? [[String: Any]])
        #expect(evidence.contains { $0["originalSha256"] != nil })
        #expect(html.contains("SHA-256 of the original as received") && !html.contains("identify the original files"))
        for e in evidence {
            let file = try #require(e["file"] as? String)
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path))
        }
        #expect(html.contains(".tier-confirm") || html.contains("tier-suggest{"), "tier classes have CSS rules")
    }

    // MARK: - audit

    @Test func auditAnchorAndTamperedRows() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try #require(try cli.run(["init"], analyst: "alice").status == 0)
        try #require(try cli.run(["tip", "submit", "--text", "original text"], analyst: "alice").status == 0)
        let anchor = try cli.run(["audit", "anchor"])
        #expect(anchor.status == 0 && anchor.out.contains(":"), "\(anchor)")
        let ok = try cli.run(["audit", "verify", "--anchor", anchor.out.trimmingCharacters(in: .whitespacesAndNewlines)])
        #expect(ok.status == 0, "\(ok)")
        let mistyped = try cli.run(["audit", "verify", "--anchor", "2:deadbeef"])
        #expect(mistyped.status == 1 && mistyped.err.contains("anchor-mismatch") && !mistyped.err.contains("truncated"), "\(mistyped)")
        let badSyntax = try cli.run(["audit", "verify", "--anchor", "deadbeef"])
        #expect(badSyntax.status == 2)

        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        sqlite.arguments = [cli.store, "UPDATE tips SET text = 'EDITED'"]
        try sqlite.run()
        sqlite.waitUntilExit()
        let tampered = try cli.run(["audit", "verify", "--json"])
        #expect(tampered.status == 1, "\(tampered)")
        #expect(tampered.out.contains("\"problem\":\"row-changed\"") && tampered.out.contains("tips/1"), "\(tampered)")
    }

    // MARK: - calibrate

    @Test func calibrateStoresNoThresholdTheDataCannotSupport() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try #require(try cli.run(["init"], analyst: "alice").status == 0)
        let pairs = cli.dir.appendingPathComponent("pairs.tsv")
        let objects = CLI.sample("objects"), tips = CLI.sample("tips")
        try """
            query\treference\tmatch
            \(tips)/alpro-mirrored-resized.jpg\t\(objects)/grocery_iconic_Alpro-Fresh-Soy-Milk.jpg\t1
            \(tips)/tropicana-rotated.png\t\(objects)/grocery_iconic_Tropicana-Mandarin-Morning.jpg\t1
            \(tips)/tx_labelme_q0003.jpg\t\(objects)/grocery_iconic_Oatly-Oat-Milk.jpg\t0
            \(tips)/alpro-mirrored-resized.jpg\t\(objects)/grocery_iconic_Oatly-Oat-Milk.jpg\t0

            """.write(to: pairs, atomically: true, encoding: .utf8)
        let before = try cli.run(["audit", "verify", "--json"]).out
        let r = try cli.run(["calibrate", pairs.path, "--json"], analyst: "alice")
        #expect(r.status == 1, "\(r)")
        #expect(!r.outLines.isEmpty && r.outLines.allSatisfy { $0.contains("\"stored\":false") && $0.contains("\"underpowered\":true") })
        #expect(r.err.contains("no threshold stored"))
        #expect(try cli.run(["audit", "verify", "--json"]).out == before, "the previous policy stays")
    }

    // MARK: - JSON everywhere

    @Test func reportsHaveJSON() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.publishedCase()
        let sheet = try cli.run(["sheet", "TAO-2026-001", "--out", cli.dir.appendingPathComponent("sheet").path, "--json"])
        let verify = try cli.run(["audit", "verify", "--json"])
        let stats = try cli.run(["stats", "--json"])
        for r in [sheet, verify, stats] {
            #expect(r.status == 0, "\(r)")
            #expect((try? JSONSerialization.jsonObject(with: Data(r.out.utf8))) is [String: Any], "\(r.out)")
        }
    }
}
