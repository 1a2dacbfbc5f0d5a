import ArgumentParser
import Foundation
import ObjtraceKit
import Store

/// The analysts' command line. Each subcommand parses its arguments and calls ObjtraceKit; nothing else
/// happens here.
@main
struct Objtrace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "objtrace",
        abstract: "Perceptual hashing, matching and case work for Trace-an-Object victim identification.",
        discussion: """
            Case-work commands take --store PATH or postgres://user@host:port/db (default $OBJTRACE_STORE or ./objtrace.sqlite) and --analyst NAME
            (default $OBJTRACE_ANALYST). Listings print tables, or JSON lines with --json.
            Exit status: 0 success; 1 refused or failed (one line on stderr; nothing changed) or, for batches,
            nothing processed; 2 usage error.
            """,
        version: "objtrace 1.1 (store schema \(CaseStore.latestSchemaVersion))",
        subcommands: [
            Inspect.self, Hash.self, Match.self, Init.self, AnalystCommand.self, ObjectCommand.self, TipCommand.self,
            Queue.self, Review.self, CandidateCommand.self, Refer.self, Audit.self, Stats.self, Calibrate.self, Export.self,
            ImportCommand.self, Sheet.self, Serve.self, StoreCommand.self,
        ]
    )

    /// Parses and runs, with exit status 2 for usage errors (ArgumentParser's default is 64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Writes one line to stdout, unbuffered enough for pipes.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Exit codes shared by the batch commands: 0 when anything succeeded, 1 when nothing did.
func batchExit(succeeded: Int) -> ExitCode { succeeded > 0 ? .success : ExitCode(1) }

/// Writes one line to stderr.
func report(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A progress bar on stderr, drawn only when stderr is a terminal (quiet when piped or redirected).
///
/// Any other line printed while the bar shows must go through `emit`/`report` here: they erase the bar
/// first, so a message never lands on the end of the bar's line; the next update draws it again.
final class TerminalProgress {
    private var line = ProgressLine()
    private let enabled: Bool
    private var drawn = false

    init(enabled: Bool = isatty(2) != 0) { self.enabled = enabled }

    func update(done: Int, total: Int) {
        guard enabled, let text = line.update(done: done, total: total) else { return }
        FileHandle.standardError.write(Data((ProgressLine.erase + text).utf8))
        drawn = true
    }

    /// Erases the bar if it is showing.
    func clear() {
        guard drawn else { return }
        FileHandle.standardError.write(Data(ProgressLine.erase.utf8))
        drawn = false
    }

    /// A stdout line, after clearing the bar.
    func emit(_ text: String) {
        clear()
        objtrace.emit(text)
    }

    /// A stderr line, after clearing the bar.
    func report(_ text: String) {
        clear()
        objtrace.report(text)
    }

    func finish() { clear() }
}
