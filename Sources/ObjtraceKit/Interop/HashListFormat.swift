import Foundation

/// One hash read from or written to a hash list.
public struct HashListEntry: Sendable, Hashable {
    /// What the hash describes (the CSV `path`, the file name of a PDQ reference-hasher line); nil when absent.
    public var label: String?
    /// The algorithm name as objtrace spells it: `pdq`, `pdq8.<orientation>`, `phash`, `dhash`, `ahash`, `whash`.
    public var algo: String
    /// The hash in lowercase hex (64 digits for PDQ, 16 for the 64-bit imagehash family).
    public var hex: String
    /// PDQ quality (0–100) when the list carries it.
    public var quality: Int?

    /// An entry; `hex` is kept as given (the parsers lowercase it, the writers validate it).
    public init(label: String? = nil, algo: String, hex: String, quality: Int? = nil) {
        self.label = label
        self.algo = algo
        self.hex = hex
        self.quality = quality
    }
}

/// The good entries of a list and the per-line problems of the rest (lenient reading).
public struct HashListParse: Sendable, Equatable {
    /// Entries from the lines that parsed, in file order.
    public var entries: [HashListEntry]
    /// One error per rejected line, in file order.
    public var errors: [InteropError]
}

/// The text hash-list formats objtrace reads and writes.
///
/// - `pdq-list`: one 64-digit PDQ hex per line; the PDQ reference hasher's `hex,quality,filename` lines are
///   accepted too, and so is a leading `pdq ` (people paste threatexchange output into these lists).
/// - `tx`: python-threatexchange signal lines `pdq <hex>`; the `pdq` prefix is optional on input.
/// - `imagehash`: Python imagehash `str(hash)` values (16 hex digits, hash_size 8), one per line, optionally
///   prefixed by the algorithm (`phash d14b…`); written as `algo hex` so a list keeps its algorithm.
/// - `csv`: RFC 4180 with the header `path,algo,hex,quality`, as `objtrace hash --format csv` writes it.
///
/// All text formats skip blank lines, accept CRLF, upper-case hex and a UTF-8 byte-order mark; the line
/// formats (not CSV) also skip `#` comment lines.
public enum HashListFormat: String, Sendable, CaseIterable {
    case pdqList = "pdq-list"
    case tx
    case imagehash
    case csv

    /// The 64-bit algorithms of the imagehash family.
    public static let imagehashAlgorithms = ["phash", "dhash", "ahash", "whash"]

    /// The CSV header objtrace writes and expects.
    public static let csvHeader = "path,algo,hex,quality"

    /// Hex digits a hash of `algo` has: 64 for `pdq` and `pdq8.<name>`, 16 for the imagehash family, nil
    /// for an unknown algorithm.
    public static func hexDigits(forAlgo algo: String) -> Int? {
        if algo == "pdq" { return 64 }
        if algo.hasPrefix("pdq8."), HashJob.dihedralNames.contains(String(algo.dropFirst(5))) { return 64 }
        if imagehashAlgorithms.contains(algo) { return 16 }
        return nil
    }

    /// Whether this format can carry hashes of `algo` (pdq-list and tx only PDQ; imagehash only the 64-bit
    /// family; CSV everything).
    public func carries(algo: String) -> Bool {
        switch self {
        case .pdqList, .tx: algo == "pdq"
        case .imagehash: Self.imagehashAlgorithms.contains(algo)
        case .csv: Self.hexDigits(forAlgo: algo) != nil
        }
    }

    // MARK: Reading

    /// Parses a whole list, stopping at the first bad line. `defaultAlgo` names the algorithm of bare
    /// imagehash lines (the format itself does not say which of the four it is).
    public func parse(_ text: String, defaultAlgo: String = "phash") throws(InteropError) -> [HashListEntry] {
        var first: InteropError?
        let entries = try scan(text, defaultAlgo: defaultAlgo) { error in
            first = error
            return false
        }
        if let first { throw first }
        return entries
    }

    /// Parses a list, keeping the good lines and one error per bad line; throws only when the file as a
    /// whole is unusable (a CSV without its header, an unknown default algorithm).
    public func parseLenient(_ text: String, defaultAlgo: String = "phash") throws(InteropError) -> HashListParse {
        var errors: [InteropError] = []
        let entries = try scan(text, defaultAlgo: defaultAlgo) { error in
            errors.append(error)
            return true
        }
        return HashListParse(entries: entries, errors: errors)
    }

    /// Walks the lines; `onError` returns whether to go on.
    private func scan(_ text: String, defaultAlgo: String,
                      onError: (InteropError) -> Bool) throws(InteropError) -> [HashListEntry] {
        if self == .imagehash, !Self.imagehashAlgorithms.contains(defaultAlgo) {
            throw InteropError("default algorithm for imagehash lists must be one of "
                + Self.imagehashAlgorithms.joined(separator: ", ") + ", not '\(defaultAlgo)'")
        }
        let lines = Self.lines(of: text)
        if self == .csv { return try scanCSV(lines, onError: onError) }
        var entries: [HashListEntry] = []
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            do throws(InteropError) {
                entries.append(try parseLine(line, number: index + 1, defaultAlgo: defaultAlgo))
            } catch {
                if !onError(error) { break }
            }
        }
        return entries
    }

    /// One line of the three line formats.
    private func parseLine(_ line: String, number: Int, defaultAlgo: String) throws(InteropError) -> HashListEntry {
        let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        switch self {
        case .pdqList:
            if tokens.count == 1, line.contains(",") {
                // The PDQ reference hasher prints `hash,quality,filename`.
                let fields = CSV.split(line)
                let hex = try Self.checkedHex(fields[0], algo: "pdq", line: number)
                let quality = try fields.count > 1 ? Self.checkedQuality(fields[1], line: number) : nil
                let label = fields.count > 2 ? fields[2...].joined(separator: ",") : nil
                return HashListEntry(label: label?.isEmpty == true ? nil : label, algo: "pdq", hex: hex, quality: quality)
            }
            return HashListEntry(algo: "pdq", hex: try Self.pdqToken(tokens, line: number))
        case .tx:
            return HashListEntry(algo: "pdq", hex: try Self.pdqToken(tokens, line: number))
        case .imagehash:
            switch tokens.count {
            case 1:
                return HashListEntry(algo: defaultAlgo, hex: try Self.checkedHex(tokens[0], algo: defaultAlgo, line: number))
            case 2:
                let algo = tokens[0].lowercased()
                guard Self.imagehashAlgorithms.contains(algo) else {
                    throw InteropError(line: number, "unknown imagehash algorithm '\(tokens[0])' (known: "
                        + Self.imagehashAlgorithms.joined(separator: ", ") + ")")
                }
                return HashListEntry(algo: algo, hex: try Self.checkedHex(tokens[1], algo: algo, line: number))
            default:
                throw InteropError(line: number, "expected 'hex' or 'algo hex', got \(tokens.count) words")
            }
        case .csv:
            preconditionFailure("CSV is read record by record")
        }
    }

    /// `<hex>` or `pdq <hex>`.
    private static func pdqToken(_ tokens: [String], line: Int) throws(InteropError) -> String {
        switch tokens.count {
        case 1:
            return try checkedHex(tokens[0], algo: "pdq", line: line)
        case 2:
            guard tokens[0].lowercased() == "pdq" else {
                throw InteropError(line: line, "unsupported signal type '\(tokens[0])' (only pdq)")
            }
            return try checkedHex(tokens[1], algo: "pdq", line: line)
        default:
            throw InteropError(line: line, "expected 'pdq <hex>' or '<hex>', got \(tokens.count) words")
        }
    }

    /// Reads CSV records (a quoted field may span lines) against the header's column names.
    private func scanCSV(_ lines: [String], onError: (InteropError) -> Bool) throws(InteropError) -> [HashListEntry] {
        var entries: [HashListEntry] = []
        var columns: [String: Int]? = nil
        var columnCount = 0
        var index = 0
        while index < lines.count {
            let start = index + 1
            var record = lines[index]
            index += 1
            // An odd number of quotes means a quoted field runs on into the next line.
            while record.utf8.lazy.filter({ $0 == UInt8(ascii: "\"") }).count % 2 == 1 {
                guard index < lines.count else {
                    let error = InteropError(line: start, "unterminated quoted field")
                    if columns == nil { throw error }
                    _ = onError(error)
                    return entries
                }
                record += "\n" + lines[index]
                index += 1
            }
            if record.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = CSV.split(record)
            guard let header = columns else {
                let names = fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                var map: [String: Int] = [:]
                for (i, name) in names.enumerated() where map[name] == nil { map[name] = i }
                guard map["algo"] != nil, map["hex"] != nil else {
                    throw InteropError(line: start, "CSV header must name the columns algo and hex (expected "
                        + "'\(Self.csvHeader)', got '\(record)')")
                }
                columns = map
                columnCount = fields.count
                continue
            }
            do throws(InteropError) {
                guard fields.count == columnCount else {
                    throw InteropError(line: start, "expected \(columnCount) fields as in the header, got \(fields.count)")
                }
                let algo = fields[header["algo"]!].trimmingCharacters(in: .whitespaces).lowercased()
                guard Self.hexDigits(forAlgo: algo) != nil else {
                    throw InteropError(line: start, "unknown algorithm '\(fields[header["algo"]!])'")
                }
                let hex = try Self.checkedHex(fields[header["hex"]!], algo: algo, line: start)
                var quality: Int? = nil
                if let q = header["quality"] {
                    let text = fields[q].trimmingCharacters(in: .whitespaces)
                    if !text.isEmpty { quality = try Self.checkedQuality(text, line: start) }
                }
                let label = header["path"].map { fields[$0] }
                entries.append(HashListEntry(label: label?.isEmpty == true ? nil : label, algo: algo, hex: hex, quality: quality))
            } catch {
                if !onError(error) { break }
            }
        }
        if columns == nil { throw InteropError("empty CSV: no '\(Self.csvHeader)' header") }
        return entries
    }

    /// Lowercase hex of the right length for `algo`, or a line error saying what is wrong.
    static func checkedHex(_ text: String, algo: String, line: Int) throws(InteropError) -> String {
        let digits = hexDigits(forAlgo: algo) ?? 0
        if let problem = InteropHex.problem(text.trimmingCharacters(in: .whitespaces), digits: digits, algo: algo) {
            throw InteropError(line: line, problem)
        }
        return text.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// A PDQ quality: an integer 0–100.
    private static func checkedQuality(_ text: String, line: Int) throws(InteropError) -> Int {
        guard let q = Int(text.trimmingCharacters(in: .whitespaces)), (0...100).contains(q) else {
            throw InteropError(line: line, "quality must be an integer 0–100, got '\(text)'")
        }
        return q
    }

    /// Splits on LF, CRLF and lone CR (a `Character` holds CRLF as one grapheme, so "\n" alone would miss it),
    /// after dropping a UTF-8 byte-order mark.
    package static func lines(of text: String) -> [String] {
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        var out = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map(String.init)
        if out.last == "" { out.removeLast() }
        return out
    }

    // MARK: Writing

    /// The list text, one entry per line (CSV with its header), each line ending in LF. Throws when an entry
    /// has an algorithm the format cannot carry (filter with `carries(algo:)` first) or a malformed hex.
    public func write(_ entries: [HashListEntry]) throws(InteropError) -> String {
        var out = self == .csv ? Self.csvHeader + "\n" : ""
        for (n, entry) in entries.enumerated() {
            guard carries(algo: entry.algo) else {
                throw InteropError("entry \(n + 1): the \(rawValue) format cannot carry \(entry.algo) hashes")
            }
            if let problem = InteropHex.problem(entry.hex, digits: Self.hexDigits(forAlgo: entry.algo) ?? 0, algo: entry.algo) {
                throw InteropError("entry \(n + 1): \(problem)")
            }
            let hex = entry.hex.lowercased()
            switch self {
            case .pdqList: out += hex
            case .tx: out += "pdq " + hex
            case .imagehash: out += entry.algo + " " + hex
            case .csv:
                out += [CSV.field(entry.label ?? ""), entry.algo, hex, entry.quality.map(String.init) ?? ""]
                    .joined(separator: ",")
            }
            out += "\n"
        }
        return out
    }
}

/// Hex-string checks shared by the list and VICS readers.
enum InteropHex {
    /// Why `text` is not `digits` hex digits (nil when it is); `what` names the hash in the message.
    static func problem(_ text: some StringProtocol, digits: Int, algo what: String) -> String? {
        if let bad = text.unicodeScalars.firstIndex(where: { !$0.properties.isASCIIHexDigit }) {
            let offset = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: bad)
            return "\(what): not hexadecimal ('\(text.unicodeScalars[bad])' at position \(offset + 1))"
        }
        let count = text.unicodeScalars.count
        if count != digits { return "\(what): expected \(digits) hex digits, got \(count)" }
        return nil
    }
}
