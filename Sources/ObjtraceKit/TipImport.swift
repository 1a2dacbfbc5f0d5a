public import CaseWork
public import Foundation
import Store

/// `objtrace tip import FILE.jsonl`: bulk tips, one JSON object per line, resumable and idempotent.
///
/// Line fields: `received` (YYYY-MM-DD), `channel`, `language`, `text`, `brand`, `product`, `shop`, `country`,
/// `city`, `url`, `contact` (only for tipsters who opted in), `object` (a public code), `photos` (paths
/// relative to the JSONL file; at most `ImportLineFields.maxPhotos`, each once). Lines are committed in batches of whole tips (each line's progress row in the
/// same transaction as its tip); a line already imported (by its SHA-256) is skipped, so re-running after an
/// interruption finishes the job without duplicates. A bad line is reported with its number and recorded; the
/// rest imports.
public enum TipImport {
    /// Counts of one run.
    public struct Summary: Sendable, Equatable {
        public var imported = 0, duplicates = 0, skipped = 0, rejected = 0
        public init() {}
    }

    /// Lines committed per transaction: whole tips only, each with its progress row.
    public static let defaultBatchSize = 250

    /// Imports `file`; `report` receives one JSON line per processed line.
    ///
    /// Lines are parsed and their photos prepared (decoded, stripped, hashed, searched) outside any
    /// transaction, then committed `batchSize` tips to a transaction, each with its progress row, so a kill
    /// loses at most the open batch and a re-run skips every committed line. A line that fails while being
    /// committed (a refusal by the store) is rolled back alone (a savepoint) and recorded as rejected; the
    /// batch goes on. The report lines of a batch are printed once it has committed.
    ///
    /// With `jobs` > 1 the independent work of each line (its key, the photos' decoding, stripping, hashing
    /// and local-feature search) runs on `jobs` threads, while everything that touches the store (bank
    /// checks, blob writes, the transactions) stays on the calling thread in file order, so the outcome is the
    /// same as with one job.
    public static func run(file: String, service: CaseService, batchSize: Int = defaultBatchSize,
                           jobs: Int = ProcessInfo.processInfo.activeProcessorCount, by analyst: AnalystID,
                           report: (String) -> Void) throws -> Summary {
        let bytes = try InputFiles.read(file, maxBytes: 1 << 30)
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let source = URL(fileURLWithPath: file).lastPathComponent
        let done = try service.store.importProgress(source: source)
        var summary = Summary()
        var lineNumber = 0
        // Per pending line: a prepared tip, or the error that refused it before any write.
        var pending: [(line: ImportLine, tip: Result<TipIntake.PreparedTip, any Error>)] = []

        func flush() throws {
            guard !pending.isEmpty else { return }
            var outputs: [String] = []
            var counts = Summary()
            try service.store.retryingWhenBusy {
                outputs = []
                counts = Summary()
                do {
                    try service.store.database.transaction {
                        for (line, prepared) in pending {
                            var out = JSONLine()
                            out.add("line", line.lineNumber)
                            do {
                                let tip = try prepared.get()
                                let result = try service.store.database.transaction { try service.intake.commit(tip, by: analyst) }
                                out.add("tip", Int(result.tipID.rawValue))
                                out.add("outcome", result.outcome.rawValue)
                                out.add("matches", result.photos.reduce(0) { $0 + $1.recorded.count })
                                if result.outcome == .inserted { counts.imported += 1 } else { counts.duplicates += 1 }
                            } catch let error as StoreError where error.isBusy {
                                throw error
                            } catch {
                                try service.catalogue.afterRollbackOfOneTip()
                                let message = describe(error)
                                out.add("error", message)
                                counts.rejected += 1
                                try service.store.recordImportRejection(line, message: message, by: analyst)
                            }
                            outputs.append(out.description)
                        }
                    }
                } catch {
                    service.catalogue.reset()  // it may have indexed photos of the rolled-back batch
                    throw error
                }
            }
            outputs.forEach(report)
            summary.imported += counts.imported
            summary.duplicates += counts.duplicates
            summary.rejected += counts.rejected
            pending.removeAll(keepingCapacity: true)
        }

        var lines: [(number: Int, bytes: [UInt8])] = []
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let lineBytes = Array(rawLine.last == UInt8(ascii: "\r") ? rawLine.dropLast() : rawLine)
            if lineBytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            lines.append((lineNumber, lineBytes))
        }

        /// One line after the work that needs no store: skipped, or parsed and its photos processed.
        enum Work: Sendable {
            case skipped
            case line(ImportLine, Result<(CaseService.TipInput, [TipIntake.ProcessedPhoto]), any Error>)
        }
        let options = service.intake.decodeOptions
        var failure: (any Error)?
        // Chunks of `batchSize` lines, each with a fresh local-feature snapshot (another process may publish).
        var start = 0
        while start < lines.count && failure == nil {
            let chunk = Array(lines[start..<min(start + max(1, batchSize), lines.count)])
            start += chunk.count
            // One job: no speculation, the search runs only where the photo needs it (as `tip submit`).
            let search = jobs > 1 ? try service.intake.searchSnapshot() : nil
            orderedParallelMap(chunk, jobs: jobs, transform: { line -> Result<Work, any Error> in
                Result {
                    let read = ImportLineRead(line.bytes, folder: base)
                    let lineSHA = try SHA256Hex(read.key)
                    if let previous = done[lineSHA], previous.outcome != .rejected { return .skipped }
                    let importLine = ImportLine(source: source, lineNumber: line.number, lineSHA256: lineSHA)
                    return .line(importLine, Result {
                        let input = try read.input.get()
                        return (input, try TipIntake.process(input, read: read.photos, options: options, search: search))
                    })
                }
            }, consume: { _, work in
                guard failure == nil else { return }
                do {
                    switch try work.get() {
                    case .skipped:
                        summary.skipped += 1
                    case .line(let importLine, let processed):
                        pending.append((importLine, Result(catching: {
                            let (input, photos) = try processed.get()
                            return try service.intake.prepare(input, processed: photos, importLine: importLine)
                        })))
                        if pending.count >= max(1, batchSize) { try flush() }
                    }
                } catch {
                    failure = error
                }
            })
        }
        if let failure { throw failure }
        try flush()
        return summary
    }

    /// Parses one line into a tip input, resolving photo paths inside `base` (see `ImportLineFields`).
    public static func parse(_ bytes: [UInt8], base: URL) throws -> CaseService.TipInput {
        do { return try ImportLineFields.parse(bytes).tipInput(folder: base) } catch let e as ImportLineError { throw InputError(e.reason) }
    }
}

/// A one-line, human message for any error the library throws.
public func describe(_ error: any Error) -> String {
    if let e = error as? InputError { return e.message }
    if let e = error as? CaseWorkError { return String(describing: e) }
    if let e = error as? StoreError { return String(describing: e) }
    return String(describing: error)
}
