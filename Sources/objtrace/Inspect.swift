import ArgumentParser
import ObjtraceKit

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print each image's header facts as JSON lines (directories are recursed).",
        discussion: "Exit status: 0 when at least one file was read, 1 when none could be, 2 on usage errors."
    )

    @Argument(help: "Image files or directories.")
    var paths: [String]

    func run() throws {
        let result = InspectJob.run(paths: paths, emit: emit)
        throw batchExit(succeeded: result.read)
    }
}
