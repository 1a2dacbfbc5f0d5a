import Foundation
import ImageDecoding
import Matching
import PerceptualHash

/// `objtrace hash`: bulk hashing of files and directories, in parallel, with output in input order.
public struct HashJob: Sendable {
    /// Output formats.
    public enum Format: String, Sendable, CaseIterable {
        /// JSON lines `{"path","algo","hex","quality"?,"mode"}` (pdq8: `"hexes"`), errors `{"path","error"}`.
        case jsonl
        /// `path,algo,hex,quality` with a header; pdq8 as eight rows `pdq8.<name>`; errors on stderr.
        case csv
        /// One PDQ hex per line; errors on stderr.
        case pdqList = "pdq-list"
        /// python-threatexchange's `pdq <hex>` lines; errors on stderr.
        case tx
    }

    /// The names of the eight dihedral hashes in output order.
    public static let dihedralNames = MatchHashes.dihedralNames

    /// The hasher (algorithms, orientation, mode, limits).
    public var hasher: ImageHasher
    /// Output format.
    public var format: Format
    /// Worker threads.
    public var jobs: Int

    /// A job.
    public init(hasher: ImageHasher, format: Format = .jsonl, jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.hasher = hasher
        self.format = format
        self.jobs = jobs
    }

    /// The outcome for one file.
    public enum Outcome: Sendable {
        case hashed(HashResults)
        case failed(String)
    }

    /// Hashes every file under `paths`; `emit` gets stdout lines, `report` stderr lines, `progress` (done,
    /// total) after each file. Returns the number of files hashed and failed.
    @discardableResult
    public func run(paths: [String], emit: (String) -> Void, report: (String) -> Void,
                    progress: ((Int, Int) -> Void)? = nil) -> (hashed: Int, failed: Int) {
        let entries = InputFiles.expand(paths)
        if entries.count > 1 { DecoderMemory.retainFreedBuffers() }
        if format == .csv { emit("path,algo,hex,quality") }
        var hashed = 0, failed = 0
        let hasher = self.hasher
        orderedParallelMap(entries, jobs: jobs, transform: { entry -> (String, Outcome) in
            switch entry {
            case .unreadable(let path, let reason): return (path, .failed(reason))
            case .file(let path):
                do {
                    let bytes = try InputFiles.read(path)
                    return (path, .hashed(try hasher.hash(bytes).results))
                } catch let error as InputError {
                    return (path, .failed(error.message))
                } catch {
                    return (path, .failed(String(describing: error)))
                }
            }
        }, consume: { index, result in
            let (path, outcome) = result
            switch outcome {
            case .hashed(let results):
                hashed += 1
                for line in lines(path: path, results: results) { emit(line) }
            case .failed(let reason):
                failed += 1
                var line = JSONLine()
                line.add("path", path)
                line.add("error", reason)
                if format == .jsonl { emit(line.description) } else { report(line.description) }
            }
            progress?(index + 1, entries.count)
        })
        return (hashed, failed)
    }

    /// The output lines of one hashed file.
    public func lines(path: String, results: HashResults) -> [String] {
        var out: [String] = []
        for algo in hasher.algorithms {
            guard let hexes = results.hexes(algo) else { continue }
            let quality = algo == .pdq || algo == .pdq8 ? results.pdq?.quality : nil
            switch format {
            case .jsonl:
                var line = JSONLine()
                line.add("path", path)
                line.add("algo", algo.rawValue)
                if algo == .pdq8 { line.add("hexes", hexes) } else { line.add("hex", hexes[0]) }
                if let quality { line.add("quality", quality) }
                line.add("mode", hasher.mode.rawValue)
                out.append(line.description)
            case .csv:
                if algo == .pdq8 {
                    for (name, hex) in zip(Self.dihedralNames, hexes) {
                        out.append([CSV.field(path), "pdq8.\(name)", hex, quality.map(String.init) ?? ""].joined(separator: ","))
                    }
                } else {
                    out.append([CSV.field(path), algo.rawValue, hexes[0], quality.map(String.init) ?? ""].joined(separator: ","))
                }
            case .pdqList:
                if algo == .pdq { out.append(hexes[0]) }
            case .tx:
                if algo == .pdq { out.append("pdq \(hexes[0])") }
            }
        }
        return out
    }
}

/// RFC 4180 field quoting.
public enum CSV {
    /// Quotes a field when it contains a comma, quote or line break.
    public static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits one CSV line into fields (quoted fields may contain commas and doubled quotes).
    public static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = Array(line).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = iterator.next() {
                        if n == "\"" { current.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current); current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}
