import Foundation

/// Runs `transform` over `items` on `jobs` threads and hands results to `consume` in input order.
///
/// Memory stays bounded however many items there are: at most `window` items are in flight or waiting
/// to be consumed, so a 10,000-file run holds no more decoded images than a 10-file run.
/// `consume` runs on the calling thread.
public func orderedParallelMap<Item: Sendable, Output: Sendable>(
    _ items: [Item], jobs: Int, window: Int? = nil,
    transform: @escaping @Sendable (Item) -> Output,
    consume: (Int, Output) -> Void
) {
    let jobs = max(1, jobs)
    if jobs == 1 || items.count <= 1 {
        for (i, item) in items.enumerated() { consume(i, transform(item)) }
        return
    }
    let state = MapState<Output>(window: max(jobs, window ?? jobs * 2))
    let group = DispatchGroup()
    for _ in 0..<jobs {
        group.enter()
        Thread.detachNewThread {
            while let index = state.claim(limit: items.count) {
                let output = transform(items[index])
                state.deliver(index, output)
            }
            group.leave()
        }
    }
    for index in 0..<items.count {
        consume(index, state.take(index))
    }
    group.wait()
}

/// Shared state of `orderedParallelMap`, guarded by one condition variable.
private final class MapState<Output>: @unchecked Sendable {
    private let condition = NSCondition()
    private var next = 0          // next index to hand to a worker
    private var consumed = 0      // results handed to the consumer so far
    private var ready: [Int: Output] = [:]
    private let window: Int

    init(window: Int) { self.window = window }

    /// The next index to work on, waiting while the window is full; nil when all are claimed.
    func claim(limit: Int) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while next < limit && next - consumed >= window { condition.wait() }
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }

    func deliver(_ index: Int, _ output: Output) {
        condition.lock()
        ready[index] = output
        condition.broadcast()
        condition.unlock()
    }

    func take(_ index: Int) -> Output {
        condition.lock()
        defer { condition.unlock() }
        while ready[index] == nil { condition.wait() }
        consumed += 1
        condition.broadcast()
        return ready.removeValue(forKey: index)!
    }
}
