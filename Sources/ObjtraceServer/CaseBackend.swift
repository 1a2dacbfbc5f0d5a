import CaseWork
import Crypto
import Foundation
import ImageDecoding
import ObjtraceKit
import Store

// The server's only door into the case-work layer. Every call the web process makes on ObjtraceKit / Store
// lives in this file, so that when the case-work core is split into long-lived jobs this adapter is the one
// place to re-point.

/// An object as the public may see it: no notes, no approvals, no tips.
public struct PublicObject: Sendable, Equatable {
    /// The public code, e.g. `TAO-2026-014`.
    public var code: String
    /// The public title.
    public var title: String
    /// The category's raw value (`bottle`, `textile`, …).
    public var category: String
    /// The public question in English (the analyst's original).
    public var question: String
    /// The question in other languages, by language tag, as the analyst gave them (`objtrace serve question`).
    public var questions: [String: String] = [:]
    /// Whether the object was identified (shown as such; takes no more tips).
    public var identified: Bool
    /// SHA-256 of the first crop, whose stored copy is the public image.
    public var cropSHA256: String?
}

/// A tip as received over HTTP, already validated for size; photos are temporary files of a sniffed format objtrace decodes.
struct WebTip: Sendable {
    var object: String?
    var text = ""
    var brand: String?, product: String?, shop: String?, country: String?, city: String?, url: String?
    var language = "und"
    /// Present only when the tipster ticked the opt-in box (the caller enforces that).
    var contact: String?
    var photos: [URL] = []
}

/// Why a tip was refused, naming the field; shown to the tipster.
struct TipRefusal: Error, Sendable {
    var field: String
    var reason: String
    /// Whether the object named is unknown or not public (as opposed to a tip the rules refuse).
    var notFound = false
}

/// The case-work store as the web server uses it: one writer connection (tips) and one reader connection
/// (gallery, images), each confined to its own serial queue so blocking SQLite and hashing work never runs
/// on Swift's cooperative pool.
///
/// Analysts' CLI commands write the same file concurrently (WAL). The reader reads the object list per
/// request; the writer's long-lived `CaseService` notices other processes' catalogue, bank and settings changes
/// itself (the store's change counters, checked before each tip), so a newly published or withdrawn object
/// counts for the next tip without a restart.
package final class CaseBackend: @unchecked Sendable {
    /// Who web tips are recorded as in the audit log.
    static let webActor = "public-web"

    private let path: String
    private let writeQueue = DispatchQueue(label: "objtrace.server.writer")
    private let readQueue = DispatchQueue(label: "objtrace.server.reader")
    // Confined to writeQueue.
    private let writer: CaseService
    private var lastTipEnd = ContinuousClock.now
    private var lastYield = ContinuousClock.now
    // Confined to readQueue.
    private var reader: CaseStore

    /// Opens the store (which must exist with this build's schema) and creates the receipts table if missing.
    init(storePath: String, maxPixels: Int) throws {
        path = storePath
        writer = try CaseService(path: storePath)
        writer.decodeOptions.maxPixels = maxPixels
        reader = try CaseStore(path: storePath)
        try reader.checkSchema()
        // Receipts: only the SHA-256 of each code is stored, beside the tip it names. The code itself is shown
        // once to the tipster and kept nowhere on the server.
        try writer.store.database.execute("""
            CREATE TABLE IF NOT EXISTS web_receipts (
                receipt_sha256 TEXT PRIMARY KEY CHECK (length(receipt_sha256) = 64),
                tip_id         INTEGER NOT NULL REFERENCES tips(id)
            ) STRICT
            """)
    }

    private func onWriter<T: Sendable>(_ body: @escaping @Sendable (CaseBackend) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            writeQueue.async { c.resume(with: Result { try body(self) }) }
        }
    }

    private func onReader<T: Sendable>(_ body: @escaping @Sendable (CaseStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            readQueue.async { c.resume(with: Result { try body(self.reader) }) }
        }
    }

    // MARK: - reading

    /// Published and identified objects, ordered by code, read fresh from the store.
    func publicObjects() async throws -> [PublicObject] {
        try await onReader { store in
            let translations = try PublicQuestions.all(in: store)
            var out: [PublicObject] = []
            for state in [ObjectState.published, .identified] {
                for o in try store.objects(state: state) {
                    var view = Self.publicView(o)
                    view.questions = translations[o.code.value] ?? [:]
                    out.append(view)
                }
            }
            return out.sorted { $0.code < $1.code }
        }
    }

    /// One public object, or nil when unknown or not public (draft, withdrawn, archived, …).
    func publicObject(_ code: String) async throws -> PublicObject? {
        guard let code = try? ObjectCode(code) else { return nil }
        return try await onReader { store in
            guard let o = try? store.object(code), o.state == .published || o.state == .identified else { return nil }
            var view = Self.publicView(o)
            view.questions = try PublicQuestions.all(in: store)[o.code.value] ?? [:]
            return view
        }
    }

    /// The bytes of a public object's first crop (as stored by `object add`), or nil when not public.
    func cropImage(_ code: String) async throws -> [UInt8]? {
        guard let code = try? ObjectCode(code) else { return nil }
        let path = self.path
        return try await onReader { store in
            guard let o = try? store.object(code), o.state == .published || o.state == .identified,
                  let first = o.crops.first else { return nil }
            return try BlobStore(forDatabaseAt: path).get(first.sha256.value)
        }
    }

    private static func publicView(_ o: CaseObject) -> PublicObject {
        PublicObject(code: o.code.value, title: o.title, category: o.category.rawValue, question: o.question,
                     identified: o.state == .identified, cropSHA256: o.crops.first?.sha256.value)
    }

    /// Whether the store file answers (for /healthz).
    func healthy() async -> Bool {
        (try? await onReader { store in try store.schemaVersion() == CaseStore.latestSchemaVersion }) ?? false
    }

    // MARK: - tips

    /// Stores a tip through `CaseService.submitTip` (photos stripped, hashed and auto-matched exactly as from
    /// the CLI) and a receipt for it, in one transaction; returns the receipt code.
    func submit(_ tip: WebTip) async throws -> String {
        try await onWriter { backend in try backend.submitOnWriter(tip) }
    }

    private func submitOnWriter(_ tip: WebTip) throws -> String {
        defer { lastTipEnd = ContinuousClock.now }
        // Under sustained load tips commit back to back and an analyst's CLI command (another process, whose
        // SQLite busy handler retries at most every 100 ms for 5 s) would never see the write lock free. So after
        // each second of back-to-back writing the writer leaves the lock free for 120 ms: every waiting command
        // gets in within about a second, at a cost of at most ~11 % of peak tip throughput.
        let now = ContinuousClock.now
        if now - lastTipEnd < .milliseconds(20), now - lastYield > .seconds(1) {
            Thread.sleep(forTimeInterval: 0.12)
            lastYield = ContinuousClock.now
        } else if now - lastTipEnd >= .milliseconds(20) {
            lastYield = now
        }
        if let code = tip.object {
            guard let oc = try? ObjectCode(code), let o = try? writer.store.object(oc),
                  o.state == .published || o.state == .identified else {
                throw TipRefusal(field: "object", reason: "unknown object", notFound: true)
            }
            guard o.state == .published else {
                throw TipRefusal(field: "object", reason: "this object has been identified and takes no more tips")
            }
        }
        var input = CaseService.TipInput()
        input.channel = .web
        input.language = tip.language
        input.text = tip.text
        input.brand = tip.brand
        input.product = tip.product
        input.shop = tip.shop
        input.country = tip.country
        input.city = tip.city
        input.url = tip.url
        input.contact = tip.contact
        input.object = tip.object
        input.photos = tip.photos.map(\.path)
        let receipt = Receipt.generate()
        let analyst = try AnalystID(Self.webActor)
        let db = writer.store.database
        do {
            try db.transaction {
                let report = try writer.submitTip(input, by: analyst)
                try db.run("INSERT INTO web_receipts (receipt_sha256, tip_id) VALUES (?, ?)",
                           [Receipt.digest(receipt), report.tipID.rawValue])
            }
        } catch let error as CaseWorkError {
            throw Self.refusal(error)
        } catch let error as InputError {
            throw TipRefusal(field: "photo", reason: Self.photoReason(error.message))
        }
        return receipt
    }

    private static func refusal(_ error: CaseWorkError) -> TipRefusal {
        if case let .invalidValue(field, _, reason) = error {
            let name: String
            switch field {
            case "tip text": name = "text"
            case "tip": name = "text"
            case "photos": name = "photo"
            case let f where f.hasSuffix(" claim"): name = String(f.dropLast(6))
            default: name = field
            }
            return TipRefusal(field: name, reason: reason)
        }
        return TipRefusal(field: "tip", reason: "refused")
    }

    /// The decoder's reason without the temporary file's path.
    private static func photoReason(_ message: String) -> String {
        if let r = message.range(of: ": ", options: [], range: message.startIndex..<message.endIndex),
           message.hasPrefix("/") {
            return String(message[r.upperBound...])
        }
        return message
    }

    // MARK: - for tests and the load benchmark

    /// The tip a receipt names, if any.
    package func tipID(forReceipt receipt: String) async throws -> Int64? {
        let digest = Receipt.digest(receipt)
        return try await onReader { store in
            try store.database.queryFirst("SELECT tip_id FROM web_receipts WHERE receipt_sha256 = ?", [digest]) { $0.int(0) }
        }
    }
}

/// An object's public question in other languages, set by an analyst (`objtrace serve question`).
///
/// Kept as store settings named `question:<CODE>:<language>` through `CaseStore.setSetting`, so every change
/// is one transaction with its audit entry (`setting.set`, with the text's SHA-256) and needs no schema change.
/// An empty text removes the translation (the page falls back to English).
public enum PublicQuestions {
    static let prefix = "question:"

    /// Sets (or, with empty `text`, removes) the question of `code` in `language`.
    public static func set(storePath: String, code: String, language: String, text: String, analyst: String) throws {
        let service = try CaseService(path: storePath)
        let oc = try ObjectCode(code)
        _ = try service.store.object(oc)
        let lang = language.lowercased()
        guard (2...8).contains(lang.count), lang.allSatisfy({ $0.isLetter || $0 == "-" }), lang.first!.isLetter else {
            throw ServerError("language: expected a tag such as fr or pt-br, got \(language)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 1000 else { throw ServerError("question: at most 1000 characters") }
        try service.store.setSetting(prefix + oc.value + ":" + lang, trimmed, by: AnalystID(analyst))
    }

    /// Every translation, by object code then language.
    static func all(in store: CaseStore) throws -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        let rows = try store.database.query("SELECT key, value FROM settings WHERE key LIKE 'question:%' AND value <> ''") {
            ($0.text(0), $0.text(1))
        }
        for (key, value) in rows {
            let parts = key.split(separator: ":", maxSplits: 2)
            guard parts.count == 3 else { continue }
            out[String(parts[1]), default: [:]][String(parts[2])] = value
        }
        return out
    }
}

/// Receipt codes: 160 random bits in Crockford base32, grouped for reading aloud over the phone.
enum Receipt {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// A new code such as `7K2M-…` (8 groups of 4).
    static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        var chars: [Character] = []
        for i in 0..<32 {
            if i > 0, i % 4 == 0 { chars.append("-") }
            chars.append(alphabet[Int(rng.next(upperBound: UInt32(32)))])
        }
        return String(chars)
    }

    /// Lower-case hex SHA-256 of the normalised code (upper case, no separators).
    static func digest(_ receipt: String) -> String {
        let normal = receipt.uppercased().filter { $0 != "-" && $0 != " " }
        return SHA256.hash(data: Array(normal.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
