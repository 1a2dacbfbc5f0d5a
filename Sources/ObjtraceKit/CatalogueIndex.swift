public import CaseWork
import Foundation
public import Matching
import PerceptualHash
public import Store

/// The indexes a tip is matched against, kept current for a process that lives for days.
///
/// Owns the hash match engine (published or identified objects' crops and every tip photo), the local-feature
/// search over the crops, the banks and the match policy. `refresh()` runs at the start of every operation:
/// it reads the store's change counters (bumped by triggers on every catalogue, bank or settings change, from
/// any process or code path, e.g. `object publish` through the store) and the last tip photo id, so a change
/// made by another process is seen by the next operation, and new tip photos are added incrementally.
public final class CatalogueIndex {
    let store: CaseStore
    let blobs: BlobStore
    private var counters: [String: Int64]?
    private var engine: CatalogueEngine?
    private var local: LocalSearch?
    private var banks: [BankHash]?
    private var policy: MatchPolicy?
    private var lastPhotoID: Int64 = 0
    /// How many full reloads of the engine happened (observable by tests of invalidation).
    public private(set) var reloads = 0

    init(store: CaseStore, blobs: BlobStore) {
        self.store = store
        self.blobs = blobs
    }

    /// Drops everything (e.g. after a rolled-back batch whose photos were already indexed).
    public func reset() {
        counters = nil
        engine = nil
        local = nil
        banks = nil
        policy = nil
        lastPhotoID = 0
    }

    /// After a savepoint rolled back one tip inside a longer transaction (this connection holds the write
    /// lock, so no other process wrote meanwhile): forgets the engine if it indexed a photo that no longer
    /// exists (SQLite may reuse its row id).
    public func afterRollbackOfOneTip() throws {
        if engine != nil, lastPhotoID > (try store.lastTipPhotoID()) { reset() }
    }

    /// Brings the caches up to date with the store.
    /// - Complexity: two small queries when nothing changed; O(new tip photos) when only tips arrived.
    public func refresh() throws {
        let now = try store.changeCounters()
        if let counters {
            if counters["catalogue"] != now["catalogue"] || counters["settings"] != now["settings"] {
                engine = nil
                local = nil
                policy = nil
            }
            if counters["banks"] != now["banks"] { banks = nil }
        }
        counters = now
        guard var current = engine else { return }
        let last = try store.lastTipPhotoID()
        guard last > lastPhotoID else { return }
        for ref in Self.references(try store.tipPhotoHashes(after: lastPhotoID)) {
            current.add(ref)
            if case .tipPhoto(let id) = ref.owner { lastPhotoID = max(lastPhotoID, id) }
        }
        lastPhotoID = max(lastPhotoID, last)
        engine = current
    }

    /// The stored match policy, or the shipped defaults.
    public func matchPolicy() throws -> MatchPolicy {
        if let policy { return policy }
        var loaded = DefaultPolicy.policy
        if let json = try store.setting("match-policy"), let data = json.data(using: .utf8) {
            loaded = try JSONDecoder().decode(MatchPolicy.self, from: data)
        }
        policy = loaded
        return loaded
    }

    /// The engine over crops of published or identified objects and every tip photo.
    public func matchEngine() throws -> CatalogueEngine {
        if let engine { return engine }
        reloads += 1
        var built = CatalogueEngine(policy: try matchPolicy())
        lastPhotoID = 0
        for ref in Self.references(try store.allHashes(objectStates: [.published, .identified])) {
            built.add(ref)
            if case .tipPhoto(let id) = ref.owner { lastPhotoID = max(lastPhotoID, id) }
        }
        engine = built
        return built
    }

    /// The local-feature search over published or identified objects' crops.
    public func localSearch() throws -> LocalSearch {
        if let local { return local }
        let search = try LocalSearch(store: store, blobs: blobs)
        local = search
        return search
    }

    /// Every bank hash.
    public func bankHashes() throws -> [BankHash] {
        if let banks { return banks }
        let loaded = try store.bankHashes()
        banks = loaded
        return loaded
    }

    /// Groups stored hash rows by owner into references (owners without a complete set are skipped).
    static func references(_ hashes: [StoredHash]) -> [ReferenceImage] {
        var records: [HashOwner: (Subject, String, [String: String], Int)] = [:]
        var order: [HashOwner] = []
        for h in hashes {
            if records[h.owner] == nil { order.append(h.owner); records[h.owner] = (h.subject, h.imageSHA256.value, [:], 0) }
            records[h.owner]!.2[h.record.algo] = h.record.hex
            if h.record.algo == "pdq" { records[h.owner]!.3 = h.record.quality ?? 0 }
        }
        return order.compactMap { owner in
            let (subject, sha, recs, quality) = records[owner]!
            return MatchHashes(records: recs, quality: quality).map {
                ReferenceImage(owner: owner, subject: subject, sha256: sha, hashes: $0)
            }
        }
    }

    /// Banks whose hashes `hashes` matches (PDQ in any orientation, or pHash/dHash) within the policy's
    /// thresholds, by kind.
    /// - Complexity: O(bank hashes); banks are small allow-/watch-lists.
    public func bankHits(_ hashes: MatchHashes) throws -> [BankKind: [String]] {
        let policy = try matchPolicy()
        func t(_ a: String) -> Int { policy.thresholds[HashAlgorithm(rawValue: a)] ?? -1 }
        var hits: [BankKind: Set<String>] = [:]
        for b in try bankHashes() where hits[b.kind]?.contains(b.bank) != true {
            var hit = false
            switch b.algo {
            case "pdq":
                guard hashes.pdq.quality >= 50, let h = Hash256(hex: b.hex) else { continue }
                hit = hashes.pdqDihedral.contains { $0.distance(to: h) <= t("pdq") }
            case "phash", "dhash":
                guard let h = Hash64(hex: b.hex) else { continue }
                let mine = b.algo == "phash" ? hashes.phash : hashes.dhash
                guard MatchHashes.isInformative(mine[0]), MatchHashes.isInformative(h) else { continue }
                hit = mine.contains { $0.distance(to: h) <= t(b.algo) }
            default:
                continue
            }
            if hit { hits[b.kind, default: []].insert(b.bank) }
        }
        return hits.mapValues { $0.sorted() }
    }
}
