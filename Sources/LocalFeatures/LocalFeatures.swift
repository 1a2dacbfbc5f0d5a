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

