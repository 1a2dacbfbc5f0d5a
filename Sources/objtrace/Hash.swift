import ArgumentParser
import Foundation
import Matching
import ObjtraceKit

struct Hash: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hash images (PDQ, PDQ dihedral, imagehash-compatible pHash/dHash/aHash/wHash).",
        discussion: """
            Directories are recursed; results come out in input order. Per-file errors never stop the batch.
            Exit status: 0 if anything was hashed, 1 if nothing was, 2 on usage errors.
            """
    )

    @Option(name: .customLong("algo"), help: "Comma-separated: pdq,pdq8,phash,dhash,ahash,whash.")
    var algorithms: String = "pdq,phash"

    @Option(help: "stored (pixels as in the file, the PDQ interop convention) or apply (as a person sees it).")
    var orientation: OrientationPolicy = .apply

    @Option(help: "jsonl, csv, pdq-list or tx (pdq-list and tx carry PDQ only, so --algo must include pdq).")
    var format: HashJob.Format = .jsonl

    @Flag(help: "Decode JPEGs at a reduced DCT scale (PDQ keeps >= 512 px on the short side): much faster, within a few bits.")
    var fast = false

    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Argument(help: "Image files or directories.")
    var paths: [String]

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        let algos: [HashAlgorithm]
        do { algos = try HashAlgorithm.parseList(algorithms) } catch { throw ValidationError(error.message) }
        if [.pdqList, .tx].contains(format), !algos.contains(.pdq) {
            throw ValidationError("--format \(format.rawValue) writes PDQ hashes only: add pdq to --algo (or use jsonl or csv)")
        }
    }

    func run() throws {
        let algos = try HashAlgorithm.parseList(algorithms)
        let hasher = ImageHasher(algorithms: algos, orientation: orientation, mode: fast ? .fast : .exact)
        let job = HashJob(hasher: hasher, format: format, jobs: jobs)
        let bar = TerminalProgress()
        let result = job.run(paths: paths, emit: bar.emit, report: bar.report, progress: { bar.update(done: $0, total: $1) })
        bar.finish()
        throw batchExit(succeeded: result.hashed)
    }
}
