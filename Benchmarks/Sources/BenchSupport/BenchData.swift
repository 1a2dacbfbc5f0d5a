import Foundation

/// Locations of the real images the benchmarks run on (`../shared/data` beside the repository).
///
/// Benchmarks skip themselves, with a message on stderr, when the folder is absent, so a clone without
/// the shared data still builds and runs the suite.
public enum BenchData {
    /// The repository root (the parent of this nested package), found from this file's compile-time path.
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // BenchSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()  // Benchmarks (nested package)
        .deletingLastPathComponent()  // repository root

    /// `../shared/data` from the repository root, or `OBJTRACE_SHARED_DATA` when set.
    public static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["OBJTRACE_SHARED_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repoRoot.appendingPathComponent("../shared/data").standardizedFileURL
    }()

    /// The 12 MP camera JPEG (4000×3000, EXIF orientation 1) from the PDQ reference test inputs.
    public static let cameraJPEG = "pdq-reference/reg-test-input/exif-rotn/exif-rotn-1.jpg"

    /// A 1.2 MP dev photo (1350×890, progressive JPEG) used as the "about 1 MP" image for hashing.
    public static let smallJPEG = "dev/photos/palapeli_citrus-fruits.jpg"

    /// The bytes of a file under `shared/data`, or nil (with a note on stderr) when it is absent.
    public static func bytes(_ relative: String) -> [UInt8]? {
        let url = root.appendingPathComponent(relative)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            skip("\(url.path) is absent (set OBJTRACE_SHARED_DATA)")
            return nil
        }
        return [UInt8](data)
    }

    /// Whether an opt-in environment variable is set to 1.
    public static func flag(_ name: String) -> Bool {
        ProcessInfo.processInfo.environment[name] == "1"
    }

    /// Writes a skip note to stderr; benchmarks that need absent data are then not registered.
    public static func skip(_ message: String) {
        FileHandle.standardError.write(Data("objtrace benchmarks: skipped: \(message)\n".utf8))
    }
}

/// SplitMix64: a tiny seeded generator so every run indexes and queries the same codes.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator from a fixed seed.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
