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
        subcommands: [Inspect.self]
    )
}

/// Writes one line to stdout, unbuffered enough for pipes.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Exit codes shared by the batch commands: 0 when anything succeeded, 1 when nothing did.
func batchExit(succeeded: Int) -> ExitCode { succeeded > 0 ? .success : ExitCode(1) }
