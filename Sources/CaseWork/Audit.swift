/// The actions written to the audit log.
public enum AuditAction: String, CaseIterable, Sendable {
    /// The schema was created or migrated.
    case schemaMigrate = "schema.migrate"
    /// A draft object was created.
    case objectAdd = "object.add"
    /// A crop was added to a draft.
    case objectAddCrop = "object.add-crop"
    /// One approval of an object (the second distinct one approves it).
    case objectApprove = "object.approve"
    /// An object was published.
    case objectPublish = "object.publish"
    /// An object was resolved (identified or eliminated as ubiquitous).
    case objectResolve = "object.resolve"
    /// An object was withdrawn.
    case objectWithdraw = "object.withdraw"
    /// An object was archived.
    case objectArchive = "object.archive"
    /// An object was referred to a country's authority.
    case objectRefer = "object.refer"
    /// A tip was stored.
    case tipSubmit = "tip.submit"
    /// A review decision on a tip.
    case tipReview = "tip.review"
    /// A tip was triaged (or its missing information arrived).
    case tipTriage = "tip.triage"
    /// A tip was linked to an object.
    case tipLink = "tip.link"
    /// A tip was closed.
    case tipClose = "tip.close"
    /// Match scores were recorded for tips.
    case tipScore = "tip.score"
    /// An import line was refused.
    case importReject = "import.reject"
    /// A candidate was created or its support updated.
    case candidateUpsert = "candidate.upsert"
    /// A candidate was judged corroborated.
    case candidateCorroborate = "candidate.corroborate"
    /// A candidate was confirmed.
    case candidateConfirm = "candidate.confirm"
    /// A candidate was rejected.
    case candidateReject = "candidate.reject"
    /// Perceptual hashes were recorded for a crop or photo.
    case hashesRecord = "hashes.record"
    /// Auto-match results were recorded for a tip photo.
    case matchRecord = "match.record"
    /// A setting (e.g. the calibrated match policy) was changed.
    case settingSet = "setting.set"
    /// An external hash list was imported as a named bank.
    case bankImport = "bank.import"
    /// An analyst was registered (once any is, only registered analysts can act).
    case analystAdd = "analyst.add"
}

/// A JSON value for audit details, written canonically (sorted keys, no spaces).
public indirect enum AuditValue: Hashable, Sendable {
    /// A string.
    case string(String)
    /// An integer.
    case int(Int64)
    /// A finite double (Swift's shortest round-trip form).
    case double(Double)
    /// A boolean.
    case bool(Bool)
    /// null.
    case null
    /// An array.
    case array([AuditValue])
    /// An object.
    case object([String: AuditValue])

    /// The canonical JSON text.
    public var json: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case let .string(s): AuditValue.writeString(s, to: &out)
        case let .int(i): out += String(i)
        case let .double(d): out += d.isFinite ? "\(d)" : "null"
        case let .bool(b): out += b ? "true" : "false"
        case .null: out += "null"
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case let .object(fields):
            out += "{"
            // Sorting by UTF-8 bytes, not by String's Unicode ordering, keeps the text stable across platforms.
            for (i, key) in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { out += "," }
                AuditValue.writeString(key, to: &out)
                out += ":"
                fields[key]!.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// One row of the append-only audit log; each row carries the hash of the row before it.
///
/// Chain rule: `hash = SHA-256(canonicalBytes)` in lower-case hex, where `canonicalBytes` covers every field
/// except `hash` itself, including `prevHash`; the first row's `prevHash` is `genesisHash`. The hashing is done
/// by the store (this module has no crypto).
public struct AuditEntry: Hashable, Sendable {
    /// Position in the log, 1, 2, 3, ... without gaps.
    public let seq: Int64
    /// When it was written (tip-related entries keep only the day, see the store).
    public let time: Timestamp
    /// The analyst who acted.
    public let analyst: String
    /// What was done (an `AuditAction` raw value).
    public let action: String
    /// What it was done to, `kind:key`.
    public let subject: String
    /// Canonical JSON object with the specifics.
    public let details: String
    /// The previous row's `hash` (or `genesisHash`).
    public let prevHash: String
    /// SHA-256 of this row's canonical bytes.
    public let hash: String

    /// The `prevHash` of the first row: 64 zeros.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// A row as read from or written to the store.
    public init(seq: Int64, time: Timestamp, analyst: String, action: String, subject: String, details: String,
                prevHash: String, hash: String) {
        self.seq = seq
        self.time = time
        self.analyst = analyst
        self.action = action
        self.subject = subject
        self.details = details
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The bytes this row's hash covers.
    public var canonicalBytes: [UInt8] {
        AuditEntry.canonicalBytes(seq: seq, time: time, analyst: analyst, action: action, subject: subject,
                                  details: details, prevHash: prevHash)
    }

    /// The canonical serialisation: a version tag line, then one `name=<byte count>:<UTF-8 value>\n` per field
    /// in fixed order (seq, time, analyst, action, subject, details, prev). Length prefixes make it
    /// unambiguous whatever the values contain.
    public static func canonicalBytes(
        seq: Int64, time: Timestamp, analyst: String, action: String, subject: String, details: String,
        prevHash: String
    ) -> [UInt8] {
        var w = CanonicalWriter(tag: "objtrace-audit-v1")
        w.field("seq", String(seq))
        w.field("time", String(time.millisecondsSince1970))
        w.field("analyst", analyst)
        w.field("action", action)
        w.field("subject", subject)
        w.field("details", details)
        w.field("prev", prevHash)
        return w.bytes
    }
}

/// Writes `tag\n` then `name=<byte count>:<value>\n` per field: an unambiguous, stable byte form to hash.
struct CanonicalWriter {
    private(set) var bytes: [UInt8]

    init(tag: String) {
        bytes = Array(tag.utf8)
        bytes.append(0x0A)
    }

    mutating func field(_ name: String, _ value: String) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(0x3D)  // =
        bytes.append(contentsOf: String(value.utf8.count).utf8)
        bytes.append(0x3A)  // :
        bytes.append(contentsOf: value.utf8)
        bytes.append(0x0A)
    }
}

extension AuditEntry: Encodable {}
