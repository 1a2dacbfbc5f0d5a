import CImageCodecs

/// Allocator settings for bulk decoding.
public enum DecoderMemory {
    /// Keeps freed image-sized buffers in the process instead of handing them back to the kernel after each
    /// file. glibc serves large blocks (decoded rasters, filter rings) with fresh `mmap` pages by default and
    /// trims the heap top on free, so every file paid for page faults and page zeroing again. Memory stays
    /// bounded: what is kept is what the images in flight used. Call once before a batch.
    public static func retainFreedBuffers() { ot_retain_freed_buffers() }
}

/// A memory budget shared by every decode that carries it in its `DecodeOptions` (all workers of a
/// `--jobs N` run): each decode reserves its estimate (raster plus codec buffers) before allocating and
/// waits while the others hold the budget, so N workers never hold more than the budget at once; an image
/// whose estimate alone is over the budget is refused with a `memory` error.
public final class DecodeBudget: @unchecked Sendable {
    // The C budget serialises every access with its own mutex.
    private let handle: OpaquePointer

    /// A budget of `bytes`.
    public init(bytes: Int) { handle = ot_budget_create(Int64(bytes))! }

    deinit { ot_budget_destroy(handle) }

    /// The limit, the bytes reserved now, the most reserved at once, and how often a decode had to wait.
    public var stats: (limit: Int, used: Int, peak: Int, waits: Int) {
        var limit: Int64 = 0, used: Int64 = 0, peak: Int64 = 0, waits: Int64 = 0
        ot_budget_stats(handle, &limit, &used, &peak, &waits)
        return (Int(limit), Int(used), Int(peak), Int(waits))
    }

    /// Reserves `bytes` (waiting while others hold the budget).
    func reserve(_ bytes: Int) throws(DecodeError) {
        guard ot_budget_acquire(handle, Int64(bytes)) != 0 else {
            throw DecodeError(.memory, "decoding needs about \(bytes) bytes, over the memory budget of \(stats.limit)")
        }
    }

    func release(_ bytes: Int) { ot_budget_release(handle, Int64(bytes)) }
}

extension DecodeBudget {
    /// Runs `body` holding `bytes` of `budget` (nothing when nil).
    static func holding<T>(_ budget: DecodeBudget?, _ bytes: Int, _ body: () throws(DecodeError) -> T) throws(DecodeError) -> T {
        guard let budget else { return try body() }
        try budget.reserve(bytes)
        defer { budget.release(bytes) }
        return try body()
    }
}

/// Peak-memory measurement for resource tests and benchmarks.
public enum DecodeProbe {
    /// Decodes `bytes` through the C shims in a forked child and returns how much the child's peak resident
    /// set grew (KiB), the codec status (0 = decoded) and the work counter (JPEG block-scans, PNG bytes read);
    /// nil when no child could run.
    public static func peakRSSGrowth(_ bytes: [UInt8], maxPixels: Int = 100_000_000) -> (kib: Int, status: Int, work: Int)? {
        var status: Int32 = 0
        var work: Int64 = 0
        let kib = bytes.withUnsafeBufferPointer { ot_probe_decode_rss_kib($0.baseAddress, $0.count, maxPixels, &status, &work) }
        return kib < 0 ? nil : (kib, Int(status), Int(work))
    }
}
