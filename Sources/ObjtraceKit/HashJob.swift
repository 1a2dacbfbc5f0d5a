public import Foundation
import ImageDecoding
import Matching
public import PerceptualHash

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
    /// Bytes all workers' decodes may hold at once (see `DecodeBudget`), unless the hasher's options carry a
    /// budget already: `--jobs N` on large images waits for memory instead of multiplying it.
    public var memoryBudget: Int = HashJob.defaultMemoryBudget

    /// 2 GiB: a 100-megapixel progressive JPEG's estimate is about 0.9 GB, so one always fits.
    public static let defaultMemoryBudget = 2 << 30

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
        var budgeted = self.hasher
        if budgeted.decodeOptions.memoryBudget == nil { budgeted.decodeOptions.memoryBudget = DecodeBudget(bytes: memoryBudget) }
        let hasher = budgeted
        orderedParallelMap(entries, jobs: jobs, transform: { entry -> (String, Outcome) in
            switch entry {
            case .unreadable(let path, let reason): return (path, .failed(reason))
            case .file(let path):
                do {
                    let bytes = try InputFiles.read(path)
                    return (path, .hashed(try hasher.hashResults(bytes)))
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

/// RFC 4180 field quoting, with control and bidirectional-formatting characters made visible.
public enum CSV {
    /// Quotes a field when it contains a comma or quote. A field with control characters (C0 including line
    /// breaks, DEL, C1) or bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9), which would reorder or hide
    /// what an analyst sees in a terminal or spreadsheet, is written with `\u{XXXX}` escapes instead, and its
    /// backslashes doubled so the escapes stay unambiguous.
    public static func field(_ s: String) -> String {
        var s = s
        if s.unicodeScalars.contains(where: isUnsafe) {
            var escaped = ""
            for scalar in s.unicodeScalars {
                if scalar == "\\" {
                    escaped += "\\\\"
                } else if isUnsafe(scalar) {
                    escaped += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
            s = escaped
        }
        guard s.contains(where: { $0 == "," || $0 == "\"" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Control and bidirectional-formatting scalars.
    static func isUnsafe(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
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
