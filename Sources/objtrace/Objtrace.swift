import ArgumentParser
import Foundation
import ObjtraceKit

/// The analysts' command line. Each subcommand parses its arguments and calls ObjtraceKit; nothing else
/// happens here.
@main
struct Objtrace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "objtrace",
        abstract: "Perceptual hashing, matching and case work for Trace-an-Object victim identification.",
        subcommands: [
            Inspect.self, Hash.self, Match.self, Init.self, ObjectCommand.self, TipCommand.self, Queue.self, Review.self,
            CandidateCommand.self, Refer.self, Audit.self, Stats.self, Calibrate.self, Export.self, ImportCommand.self,
            Sheet.self, Serve.self,
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
struct TerminalProgress {
    private var line = ProgressLine()
    private let enabled = isatty(2) != 0
    private var drawn = false

    mutating func update(done: Int, total: Int) {
        guard enabled, let text = line.update(done: done, total: total) else { return }
        FileHandle.standardError.write(Data(("\r" + text).utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
