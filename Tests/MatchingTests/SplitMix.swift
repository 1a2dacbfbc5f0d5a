import ImageCore

/// Flips `count` distinct random bits of a 256-bit code.
func flipBits(_ code: SIMD4<UInt64>, count: Int, using rng: inout SplitMix64) -> SIMD4<UInt64> {
    var c = code
    var positions = Set<Int>()
    while positions.count < count { positions.insert(Int.random(in: 0 ..< 256, using: &rng)) }
    for p in positions { c[p / 64] ^= 1 << UInt64(p % 64) }
    return c
}

func randomCode(_ rng: inout SplitMix64) -> SIMD4<UInt64> {
    SIMD4(rng.next(), rng.next(), rng.next(), rng.next())
}
