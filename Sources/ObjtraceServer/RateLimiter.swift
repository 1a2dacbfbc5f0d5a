import Crypto
package import Foundation

/// Token buckets per client address, in memory only.
///
/// Addresses are never kept as such: each is reduced to an HMAC-SHA256 under a random key that is replaced,
/// with every bucket, at each UTC midnight, so nothing links a client across days and nothing survives a
/// restart. The address itself is only ever read from the socket (or the trusted proxy's header) for this.
package final class RateLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private let capacity: Double
    private let refillPerSecond: Double
    private var key = SymmetricKey(size: .bits256)
    private var keyDay: Int64
    private var buckets: [Data: (tokens: Double, at: Double)] = [:]
    private let now: @Sendable () -> Double

    /// `capacity` requests at once, refilled at `perHour` an hour.
    package init(capacity: Int, perHour: Int, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.capacity = Double(capacity)
        refillPerSecond = Double(perHour) / 3600
        self.now = now
        keyDay = Int64(now() / 86_400)
    }

    /// Takes one token for `address`; false when its bucket is empty.
    package func allow(_ address: String) -> Bool {
        let t = now()
        lock.lock()
        defer { lock.unlock() }
        let day = Int64(t / 86_400)
        if day != keyDay {
            key = SymmetricKey(size: .bits256)
            keyDay = day
            buckets.removeAll()
        }
        let id = Data(HMAC<SHA256>.authenticationCode(for: Data(address.utf8), using: key)).prefix(16)
        var bucket = buckets[id] ?? (capacity, t)
        bucket.tokens = min(capacity, bucket.tokens + (t - bucket.at) * refillPerSecond)
        bucket.at = t
        guard bucket.tokens >= 1 else {
            buckets[id] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[id] = bucket
        if buckets.count > 100_000 { buckets = buckets.filter { $0.value.tokens < capacity - 0.5 } }
        return true
    }

    /// How many keyed buckets are held (for tests).
    package var bucketKeys: [Data] {
        lock.lock()
        defer { lock.unlock() }
        return Array(buckets.keys)
    }
}
