/// A seeded generator so every randomised test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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
