// LocalFeatures: keypoints, 256-bit rotated-BRIEF descriptors and geometric verification, so that an
// object crop can be found inside a larger photo (shelf photo, screenshot, re-share) where whole-image
// perceptual hashes fail. Pure Swift over `ImageCore.Raster`; deterministic (every random choice is seeded).

/// The one error type of the LocalFeatures module.
public struct LocalFeaturesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why a serialised feature set could not be read back.
    public let message: String

    init(_ message: String) { self.message = message }

    /// A one-line description.
    public var description: String { "LocalFeatures: \(message)" }
}

/// A deterministic 64-bit generator (SplitMix64): the same seed gives the same sampling pattern and RANSAC.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<n` (n > 0); the modulo bias is negligible for the small n used here.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }
}
