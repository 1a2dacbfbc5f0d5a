public import Foundation

/// One image to export as a VICS `Media` record.
public struct VICSMedia: Sendable, Hashable {
    /// MD5 of the file (32 hex digits; written upper-case as Project VIC distributes it).
    public var md5: String
    /// SHA-1 of the file (40 hex digits).
    public var sha1: String
    /// SHA-256 of the file (64 hex digits), written as an `AlternativeHashes` entry named `SHA256`.
    public var sha256: String?
    /// The file's name, written in `MediaFiles`.
    public var fileName: String?
    /// The file's path (relative to the export), written in `MediaFiles` beside the name.
    public var filePath: String?
    /// PDQ hash (64 hex digits), written as an `AlternativeHashes` entry named `PDQ`.
    public var pdq: String?
    /// The VICS category number (the receiving agency's category model decides what it means).
    public var category: Int
    /// The series name, when the image belongs to one.
    public var series: String?
    /// Pixel width and height, written as `MediaMetadata` properties `Width` and `Height`.
    public var width: Int?
    /// Pixel height (see `width`).
    public var height: Int?
    /// File size in bytes (`MediaSize`).
    public var mediaSize: Int?

    /// A record; only the two VICS keys and the category are required.
    public init(md5: String, sha1: String, sha256: String? = nil, fileName: String? = nil, filePath: String? = nil,
                pdq: String? = nil, category: Int, series: String? = nil, width: Int? = nil, height: Int? = nil,
                mediaSize: Int? = nil) {
        self.md5 = md5
        self.sha1 = sha1
        self.sha256 = sha256
        self.fileName = fileName
        self.filePath = filePath
        self.pdq = pdq
        self.category = category
        self.series = series
        self.width = width
        self.height = height
        self.mediaSize = mediaSize
    }
}

/// One VICS case to export: the referral's evidence.
public struct VICSCase: Sendable, Hashable {
    /// `CaseID`, a GUID (VICS tools key cases by it).
    public var caseID: String
    /// `CaseNumber`, the agency's reference (objtrace writes the object code).
    public var caseNumber: String?
    /// `SourceApplicationVersion`.
    public var sourceApplicationVersion: String?
    /// The `Media` records, numbered 1… as `MediaID` in this order.
    public var media: [VICSMedia]

    /// A case; `caseID` defaults to a fresh random GUID.
    public init(caseID: String = UUID().uuidString, caseNumber: String? = nil, sourceApplicationVersion: String? = nil,
                media: [VICSMedia]) {
        self.caseID = caseID
        self.caseNumber = caseNumber
        self.sourceApplicationVersion = sourceApplicationVersion
        self.media = media
    }
}

/// One `Media` record read from a VICS file, validated and with its hashes in lowercase hex.
public struct VICSRecord: Sendable, Hashable {
    /// The record's JSON path (`$.value[0].Media[3]`), to point an analyst at it.
    public var path: String
    /// `MediaID`, when present.
    public var mediaID: Int?
    /// `MD5` (the VICS key; required).
    public var md5: String
    /// `SHA1`, when present.
    public var sha1: String?
    /// Every `AlternativeHashes` entry named PDQ (any case), in file order.
    public var pdq: [String]
    /// `Category`, when present.
    public var category: Int?
    /// `Series`, when present.
    public var series: String?
    /// The first `MediaFiles[].FileName` (or a record-level `FileName`), when present.
    public var fileName: String?

    /// A record (the reader makes them; tests compare against them).
    package init(path: String, mediaID: Int? = nil, md5: String, sha1: String? = nil, pdq: [String] = [], category: Int? = nil,
                 series: String? = nil, fileName: String? = nil) {
        self.path = path
        self.mediaID = mediaID
        self.md5 = md5
        self.sha1 = sha1
        self.pdq = pdq
        self.category = category
        self.series = series
        self.fileName = fileName
    }
}

/// Project VIC's VICS JSON, data model 2.0 (an OData v4 JSON payload).
///
/// Field names follow what VICS 2.0 producers in the wild write, read from public sources (a hash-set
/// structure dump, the Clees4All and Recon exporters, the gleapp importer's tests): the root
/// `@odata.context` is `http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/<model>/$metadata#Cases`
/// (1.x files used `ICMEC/…/1.x.xml` and `odata.metadata`); `value[]` holds cases with `CaseID`,
/// `CaseNumber`, `SourceApplicationName`, `SourceApplicationVersion` and `Media[]`, or, for a `#Media`
/// context, the media records themselves. A media record has `MediaID` (integer), `Category` (integer),
/// `MD5` and `SHA1` (hex, upper-case in distributed sets), `MediaSize`, `Series`, `MediaFiles[]` of
/// {`MD5`, `FileName`, `FilePath`} and `AlternativeHashes[]` of {`MD5`, `HashName`, `HashValue`}. Width and
/// height go into `MediaMetadata[]` of {`MD5`, `PropertyName`, `PropertyValue`}, a list we saw named in one
/// exporter but not documented; readers that do not know it skip it.
public enum VICS {
    /// The `@odata.context` objtrace writes (the `CUSTOM` model: objtrace's categories are the agency's).
    public static let context = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/CUSTOM/$metadata#Cases"
    /// The `SourceApplicationName` objtrace writes.
    public static let sourceApplicationName = "objtrace"

    // MARK: Writing

    /// The VICS 2.0 JSON text of one case (pretty-printed, LF line ends). Throws when a hash is malformed or
    /// a category is negative, naming the record by its JSON path.
    public static func write(_ vicsCase: VICSCase) throws(InteropError) -> String {
        var media: [InteropJSONNode] = []
        for (n, item) in vicsCase.media.enumerated() {
            let at = "$.value[0].Media[\(n)]"
            try check(item.md5, digits: 32, "MD5", at: at + ".MD5")
            try check(item.sha1, digits: 40, "SHA1", at: at + ".SHA1")
            if let sha256 = item.sha256 { try check(sha256, digits: 64, "SHA256", at: at + ".SHA256") }
            if let pdq = item.pdq { try check(pdq, digits: 64, "PDQ", at: at + ".PDQ") }
            guard item.category >= 0 else { throw InteropError(path: at + ".Category", "must not be negative") }
            let md5 = item.md5.uppercased()
            var fields: [(String, InteropJSONNode)] = [
                ("MediaID", .int(n + 1)),
                ("Category", .int(item.category)),
                ("MD5", .string(md5)),
                ("SHA1", .string(item.sha1.uppercased())),
            ]
            if let size = item.mediaSize { fields.append(("MediaSize", .int(size))) }
            if let series = item.series { fields.append(("Series", .string(series))) }
            if item.fileName != nil || item.filePath != nil {
                var file: [(String, InteropJSONNode)] = [("MD5", .string(md5))]
                if let name = item.fileName { file.append(("FileName", .string(name))) }
                if let path = item.filePath { file.append(("FilePath", .string(path))) }
                fields.append(("MediaFiles", .array([.object(file)])))
            }
            var alternatives: [InteropJSONNode] = []
            if let pdq = item.pdq {
                alternatives.append(.object([("MD5", .string(md5)), ("HashName", .string("PDQ")), ("HashValue", .string(pdq.lowercased()))]))
            }
            if let sha256 = item.sha256 {
                alternatives.append(.object([("MD5", .string(md5)), ("HashName", .string("SHA256")), ("HashValue", .string(sha256.lowercased()))]))
            }
            if !alternatives.isEmpty { fields.append(("AlternativeHashes", .array(alternatives))) }
            var metadata: [InteropJSONNode] = []
            for (name, value) in [("Width", item.width), ("Height", item.height)] {
                guard let value else { continue }
                metadata.append(.object([("MD5", .string(md5)), ("PropertyName", .string(name)), ("PropertyValue", .string(String(value)))]))
            }
            if !metadata.isEmpty { fields.append(("MediaMetadata", .array(metadata))) }
            media.append(.object(fields))
        }
        var caseFields: [(String, InteropJSONNode)] = [("CaseID", .string(vicsCase.caseID))]
        if let number = vicsCase.caseNumber { caseFields.append(("CaseNumber", .string(number))) }
        caseFields.append(("SourceApplicationName", .string(sourceApplicationName)))
        if let version = vicsCase.sourceApplicationVersion { caseFields.append(("SourceApplicationVersion", .string(version))) }
        caseFields.append(("Media", .array(media)))
        let root = InteropJSONNode.object([("@odata.context", .string(context)), ("value", .array([.object(caseFields)]))])
        return root.rendered() + "\n"
    }

    /// Throws unless `hex` is `digits` hex digits.
    private static func check(_ hex: String, digits: Int, _ what: String, at path: String) throws(InteropError) {
        if let problem = InteropHex.problem(hex, digits: digits, algo: what) { throw InteropError(path: path, problem) }
    }

    // MARK: Reading

    /// Reads and validates a VICS file (cases with `Media[]`, or a flat `value[]` of media records). The
    /// first problem found is thrown with its JSON path; unknown keys are ignored.
    public static func read(_ bytes: [UInt8]) throws(InteropError) -> [VICSRecord] {
        // A UTF-8 byte-order mark is not JSON, but Windows tools write one.
        let text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(text) } catch { throw InteropError(path: "$", "not valid JSON: \(error)") }
        guard case .object = parsed else {
            throw InteropError(path: "$", "expected a JSON object with a 'value' array")
        }
        for key in ["@odata.context", "odata.metadata"] {
            if let context = parsed[key], !context.isString {
                throw InteropError(path: "$['\(key)']", "expected a string, got \(context.typeName)")
            }
        }
        guard let value = parsed["value"] else { throw InteropError(path: "$.value", "missing (no 'value' array)") }
        guard case .array(let items) = value else { throw InteropError(path: "$.value", "expected an array, got \(value.typeName)") }
        var records: [VICSRecord] = []
        for (i, item) in items.enumerated() {
            let at = "$.value[\(i)]"
            guard case .object = item else { throw InteropError(path: at, "expected an object, got \(item.typeName)") }
            if let media = item["Media"] {
                guard case .array(let list) = media else {
                    throw InteropError(path: at + ".Media", "expected an array, got \(media.typeName)")
                }
                for (j, entry) in list.enumerated() { records.append(try record(entry, at: "\(at).Media[\(j)]")) }
            } else {
                records.append(try record(item, at: at))
            }
        }
        return records
    }

    /// Reads a VICS file given as text.
    public static func read(_ text: String) throws(InteropError) -> [VICSRecord] {
        try read(Array(text.utf8))
    }

    /// Validates one media record.
    private static func record(_ fields: JSONValue, at path: String) throws(InteropError) -> VICSRecord {
        guard case .object = fields else { throw InteropError(path: path, "expected an object, got \(fields.typeName)") }
        guard fields["MD5"] != nil else { throw InteropError(path: path + ".MD5", "missing (every VICS media record is keyed by its MD5)") }
        let md5 = try hex(fields["MD5"], digits: 32, at: path + ".MD5")!
        let sha1 = try hex(fields["SHA1"], digits: 40, at: path + ".SHA1")
        let mediaID = try integer(fields["MediaID"], at: path + ".MediaID")
        let category = try integer(fields["Category"], at: path + ".Category")
        if let category, category < 0 { throw InteropError(path: path + ".Category", "must not be negative, got \(category)") }
        let series = try string(fields["Series"], at: path + ".Series")
        var fileName = try string(fields["FileName"], at: path + ".FileName")
        if let files = fields["MediaFiles"], !files.isNull {
            guard case .array(let list) = files else {
                throw InteropError(path: path + ".MediaFiles", "expected an array, got \(files.typeName)")
            }
            for (k, file) in list.enumerated() {
                let at = "\(path).MediaFiles[\(k)]"
                guard case .object = file else { throw InteropError(path: at, "expected an object, got \(file.typeName)") }
                let name = try string(file["FileName"], at: at + ".FileName")
                if fileName == nil { fileName = name }
            }
        }
        var pdq: [String] = []
        if let alternatives = fields["AlternativeHashes"], !alternatives.isNull {
            guard case .array(let list) = alternatives else {
                throw InteropError(path: path + ".AlternativeHashes", "expected an array, got \(alternatives.typeName)")
            }
            for (k, entry) in list.enumerated() {
                let at = "\(path).AlternativeHashes[\(k)]"
                guard case .object = entry else { throw InteropError(path: at, "expected an object, got \(entry.typeName)") }
                guard let name = try string(entry["HashName"], at: at + ".HashName") else {
                    throw InteropError(path: at + ".HashName", "missing")
                }
                guard let hashValue = entry["HashValue"], !hashValue.isNull else { throw InteropError(path: at + ".HashValue", "missing") }
                if name.lowercased() == "pdq" {
                    pdq.append(try hex(hashValue, digits: 64, at: at + ".HashValue")!)
                } else if case .string = hashValue {} else {
                    throw InteropError(path: at + ".HashValue", "expected a string, got \(hashValue.typeName)")
                }
            }
        }
        return VICSRecord(path: path, mediaID: mediaID, md5: md5, sha1: sha1, pdq: pdq, category: category,
                          series: series, fileName: fileName)
    }

    /// A hex string of `digits` digits in lowercase; nil when absent or null.
    private static func hex(_ value: JSONValue?, digits: Int, at path: String) throws(InteropError) -> String? {
        guard let text = try string(value, at: path) else { return nil }
        guard text.unicodeScalars.count == digits, text.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit) else {
            throw InteropError(path: path, "expected \(digits) hex digits, got '\(text.prefix(80))'")
        }
        return text.lowercased()
    }

    /// A string; nil when absent or null.
    private static func string(_ value: JSONValue?, at path: String) throws(InteropError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?: throw InteropError(path: path, "expected a string, got \(other.typeName)")
        }
    }

    /// An integer; nil when absent or null. Some exporters write integers as strings of digits, so those
    /// are accepted too; fractions and booleans are not.
    private static func integer(_ value: JSONValue?, at path: String) throws(InteropError) -> Int? {
        switch value {
        case nil, .null?: return nil
        case .number(let text)?:
            guard text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
                throw InteropError(path: path, "expected an integer, got a number")
            }
            guard let n = Int(text) else { throw InteropError(path: path, "integer out of range") }
            return n
        case .string(let s)?:
            guard let n = Int(s) else { throw InteropError(path: path, "expected an integer, got '\(s.prefix(40))'") }
            return n
        case let other?: throw InteropError(path: path, "expected an integer, got \(other.typeName)")
        }
    }
}

extension JSONValue {
    /// Whether this is a JSON string.
    var isString: Bool { if case .string = self { true } else { false } }
}
