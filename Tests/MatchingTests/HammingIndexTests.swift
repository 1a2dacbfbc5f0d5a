import ImageCore
import Testing
import Matching

/// Reference answer computed in plain Swift, independent of the C kernel and the tables.
private func reference256(_ codes: [(Int64, SIMD4<UInt64>)], _ q: SIMD4<UInt64>, _ r: Int) -> [HammingMatch] {
    allDistances256(codes, q).filter { $0.distance <= r }
}

/// Every code's distance to the query, sorted; radius answers are prefixes of it.
private func allDistances256(_ codes: [(Int64, SIMD4<UInt64>)], _ q: SIMD4<UInt64>) -> [HammingMatch] {
    var out: [HammingMatch] = []
    out.reserveCapacity(codes.count)
    for (id, c) in codes {
        // Plain word arithmetic: SIMD element access is very slow in debug builds.
        let d = (c.x ^ q.x).nonzeroBitCount + (c.y ^ q.y).nonzeroBitCount
            + (c.z ^ q.z).nonzeroBitCount + (c.w ^ q.w).nonzeroBitCount
        out.append(HammingMatch(id: id, distance: d))
    }
    return out.sorted()
}

private func reference64(_ codes: [(Int64, UInt64)], _ q: UInt64, _ r: Int) -> [HammingMatch] {
    codes.compactMap { (id, c) in
        let d = (c ^ q).nonzeroBitCount
        return d <= r ? HammingMatch(id: id, distance: d) : nil
    }.sorted()
}

/// 20k uniformly random codes, or 20k codes in tight clusters around 400 centres (like re-sent photos).
private func dataset256(clustered: Bool, count: Int = 20_000) -> [(Int64, SIMD4<UInt64>)] {
    var rng = SplitMix64(seed: clustered ? 7 : 3)
    if !clustered { return (0 ..< count).map { (Int64($0) * 3 + 1, randomCode(&rng)) } }
    let centres = (0 ..< 400).map { _ in randomCode(&rng) }
    return (0 ..< count).map { i in
        let centre = centres[Int.random(in: 0 ..< centres.count, using: &rng)]
        return (Int64(i) * 3 + 1, flipBits(centre, count: Int.random(in: 0 ... 40, using: &rng), using: &rng))
    }
}

@Suite struct HammingIndexTests {
    static let radii = [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 16, 20, 24, 31, 32, 40, 48, 64]

    @Test(arguments: [false, true])
    func radiusSearchEqualsBruteForce256(clustered: Bool) {
        let data = dataset256(clustered: clustered)
        var index = HammingIndex256()
        index.add(contentsOf: data.map { (id: $0.0, code: $0.1) })
        #expect(index.tableCount > 1)
        #expect(index.count == data.count)
        var rng = SplitMix64(seed: 11)
        // Queries: perturbed copies of stored codes (hits at every radius) and fresh random codes.
        let queries = (0 ..< 12).map { i -> SIMD4<UInt64> in
            i % 3 == 2 ? randomCode(&rng)
                : flipBits(data[Int.random(in: 0 ..< data.count, using: &rng)].1,
                           count: Int.random(in: 0 ... 30, using: &rng), using: &rng)
        }
        var nonEmpty = 0
        for q in queries {
            let all = allDistances256(data, q)
            for r in Self.radii {
                let expected = Array(all.prefix { $0.distance <= r })
                if !expected.isEmpty { nonEmpty += 1 }
                #expect(index.search(q, radius: r, strategy: .multiIndex) == expected, "radius \(r)")
                #expect(index.search(q, radius: r) == expected, "radius \(r)")
            }
            #expect(index.search(q, radius: 31, strategy: .bruteForce) == Array(all.prefix { $0.distance <= 31 }))
        }
        #expect(nonEmpty > queries.count * 5)
    }

    @Test func radiusSearchEqualsBruteForce64() {
        var rng = SplitMix64(seed: 5)
        let centres = (0 ..< 300).map { _ in rng.next() }
        let data: [(Int64, UInt64)] = (0 ..< 20_000).map { i in
            var c = i % 2 == 0 ? rng.next() : centres[Int.random(in: 0 ..< 300, using: &rng)]
            for _ in 0 ..< Int.random(in: 0 ... 6, using: &rng) { c ^= 1 << UInt64.random(in: 0 ..< 64, using: &rng) }
            return (Int64(-i), c)
        }
        var index = HammingIndex64()
        index.add(contentsOf: data.map { (id: $0.0, code: $0.1) })
        #expect(index.tableCount > 1)
        for i in 0 ..< 20 {
            var q = i % 4 == 3 ? rng.next() : data[Int.random(in: 0 ..< data.count, using: &rng)].1
            q ^= 1 << UInt64.random(in: 0 ..< 64, using: &rng)
            let all = reference64(data, q, 64)
            for r in [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 64] {
                let expected = Array(all.prefix { $0.distance <= r })
                #expect(index.search(q, radius: r, strategy: .multiIndex) == expected, "radius \(r)")
                #expect(index.search(q, radius: r) == expected, "radius \(r)")
            }
        }
    }

    @Test func incrementalAddRemoveAndDisable() {
        var rng = SplitMix64(seed: 21)
        var index = HammingIndex256()
        var live: [Int64: SIMD4<UInt64>] = [:]
        // Interleave adds, replacements, removals and queries so the table tail, rebuilds and compaction all run.
        for step in 0 ..< 12_000 {
            let id = Int64(step)
            let code = step % 5 == 0 && step > 0 ? flipBits(live.values.first!, count: 3, using: &rng) : randomCode(&rng)
            index.add(id: id, code: code)
            live[id] = code
            if step % 3 == 0, step > 10 {
                let victim = Int64(Int.random(in: 0 ..< step, using: &rng))
                let wasLive = live.removeValue(forKey: victim) != nil
                let removed = index.remove(id: victim)
                #expect(removed == wasLive)
            }
            if step % 997 == 0 {
                let q = flipBits(live.values.first!, count: 10, using: &rng)
                let data = live.map { ($0.key, $0.value) }
                #expect(index.search(q, radius: 40) == reference256(data, q, 40))
                #expect(index.count == live.count)
            }
        }
        #expect(index.tableCount > 0)
        // Replacing an id keeps one entry.
        let someId = live.keys.min()!
        let newCode = randomCode(&rng)
        index.add(id: someId, code: newCode)
        live[someId] = newCode
        #expect(index.code(for: someId) == newCode)
        #expect(index.count == live.count)
        #expect(index.search(newCode, radius: 0).map(\.id).contains(someId))
        // Disabling hides without removing; enabling brings it back.
        let disabled = index.setEnabled(false, id: someId)
        #expect(disabled)
        #expect(!index.search(newCode, radius: 0).map(\.id).contains(someId))
        #expect(index.isEnabled(id: someId) == false)
        #expect(index.count == live.count)
        index.setEnabled(true, id: someId)
        #expect(index.search(newCode, radius: 0).map(\.id).contains(someId))
        let missing = index.setEnabled(false, id: -999)
        #expect(!missing)
        #expect(index.isEnabled(id: -999) == nil)
        let q = randomCode(&rng)
        let data = live.map { ($0.key, $0.value) }
        index.rebuild()
        #expect(index.search(q, radius: 100) == reference256(data, q, 100))
    }

    @Test(arguments: [1, 5, 50])
    func nearestIsExact(k: Int) {
        let data = dataset256(clustered: true, count: 12_000)
        var index = HammingIndex256()
        index.add(contentsOf: data.map { (id: $0.0, code: $0.1) })
        index.setEnabled(false, id: data[0].0)
        let enabled = Array(data.dropFirst())
        var rng = SplitMix64(seed: 8)
        for i in 0 ..< 10 {
            let q = i < 5 ? flipBits(data[i].1, count: 5, using: &rng) : randomCode(&rng)
            let expected = Array(reference256(enabled, q, 256).prefix(k))
            #expect(index.nearest(q, k: k) == expected)
        }
        var small = HammingIndex64()
        let smallData: [(Int64, UInt64)] = (0 ..< 300).map { (Int64($0), rng.next()) }
        small.add(contentsOf: smallData.map { (id: $0.0, code: $0.1) })
        let q = rng.next()
        #expect(small.nearest(q, k: k) == Array(reference64(smallData, q, 64).prefix(k)))
        #expect(small.nearest(q, k: 1000).count == 300)
    }

    @Test func distanceHelpersAgree() {
        var rng = SplitMix64(seed: 1)
        let a = randomCode(&rng), b = flipBits(a, count: 17, using: &rng)
        #expect(HammingIndex256.distance(a, b) == 17)
        #expect(HammingIndex64.distance(0, .max) == 64)
        #expect(HammingIndex256().search(a, radius: 10).isEmpty)
        #expect(HammingIndex256().nearest(a, k: 3).isEmpty)
    }
}
