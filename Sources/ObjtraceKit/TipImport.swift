import CaseWork
import Foundation
import Store

/// `objtrace tip import FILE.jsonl`: bulk tips, one JSON object per line, resumable and idempotent.
///
/// Line fields: `received` (YYYY-MM-DD), `channel`, `language`, `text`, `brand`, `product`, `shop`, `country`,
/// `city`, `url`, `contact` (only for tipsters who opted in), `object` (a public code), `photos` (paths
/// relative to the JSONL file). Each line is one transaction; a line already imported (by its SHA-256) is
/// skipped, so re-running after an interruption finishes the job without duplicates. A bad line is reported
/// with its number and recorded; the rest imports.
public enum TipImport {
    /// Counts of one run.
    public struct Summary: Sendable, Equatable {
        public var imported = 0, duplicates = 0, skipped = 0, rejected = 0
        public init() {}
    }

    /// Imports `file`; `report` receives one JSON line per processed line.
    public static func run(file: String, service: CaseService, by analyst: AnalystID, report: (String) -> Void) throws -> Summary {
        let bytes = try InputFiles.read(file, maxBytes: 1 << 30)
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let source = URL(fileURLWithPath: file).lastPathComponent
        let done = try service.store.importProgress(source: source)
        var summary = Summary()
        var lineNumber = 0
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let lineBytes = Array(rawLine.last == UInt8(ascii: "\r") ? rawLine.dropLast() : rawLine)
            if lineBytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let lineSHA = try SHA256Hex(ImportLineKey.digest(lineBytes, folder: base))
            if let previous = done[lineSHA], previous.outcome != .rejected {
                summary.skipped += 1
                continue
            }
            let importLine = ImportLine(source: source, lineNumber: lineNumber, lineSHA256: lineSHA)
            var out = JSONLine()
            out.add("line", lineNumber)
            do {
                let input = try parse(lineBytes, base: base)
                let result = try service.submitTip(input, importLine: importLine, by: analyst)
                out.add("tip", Int(result.tipID.rawValue))
                out.add("outcome", result.outcome.rawValue)
                out.add("matches", result.photos.reduce(0) { $0 + $1.matches.count })
                if result.outcome == .inserted { summary.imported += 1 } else { summary.duplicates += 1 }
            } catch {
                let message = describe(error)
                out.add("error", message)
                summary.rejected += 1
                try? service.store.recordImportRejection(importLine, message: message, by: analyst)
            }
            report(out.description)
        }
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
