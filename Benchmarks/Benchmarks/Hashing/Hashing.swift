// Perceptual hashes on decoded rasters (12 MP camera photo and a 1.2 MP photo), and the whole
// bytes -> hashes path of `objtrace hash` in exact and fast mode.
import Benchmark
import BenchSupport
import ImageCore  // Raster: not a product of its own, but built as part of ImageDecoding and PerceptualHash
import ImageDecoding
import ObjtraceKit
import PerceptualHash

/// Inputs decoded once, on first use, so that listing the benchmarks costs no decode.
enum Inputs {
    /// The 12 MP camera JPEG's bytes, or nil when the shared data is absent.
    static let cameraBytes = BenchData.bytes(BenchData.cameraJPEG)
    /// The 1.2 MP photo's bytes, or nil when the shared data is absent.
    static let smallBytes = BenchData.bytes(BenchData.smallJPEG)
    /// The camera photo decoded at full resolution, stored orientation.
    static let camera = cameraBytes.flatMap { try? ImageDecoder.decode($0).raster }
    /// The 1.2 MP photo decoded at full resolution.
    static let small = smallBytes.flatMap { try? ImageDecoder.decode($0).raster }
}

let benchmarks: @Sendable () -> Void = {
    guard Inputs.cameraBytes != nil, Inputs.smallBytes != nil else { return }

    // Small iteration counts: the machine has two cores shared with builds.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident, .mallocCountTotal],
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 20
    )

    let requests: [(String, HashRequest)] = [("PDQ", .pdq), ("PDQ+8 dihedral", .pdq8), ("pHash", .phash), ("dHash", .dhash)]
    let rasters: [(String, @Sendable () -> Raster?)] = [("12MP", { Inputs.camera }), ("1MP", { Inputs.small })]
    for (label, image) in rasters {
        for (name, request) in requests {
            Benchmark("\(name) \(label) raster") { benchmark in
                guard let raster = image() else { return }
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(computeHashes(raster, request))
                }
            }
        }
    }

    // What one `objtrace hash --algo pdq,phash,dhash --orientation stored` file costs, decode included.
    for mode in [HashMode.exact, .fast] {
        let hasher = ImageHasher(algorithms: [.pdq, .phash, .dhash], orientation: .stored, mode: mode)
        let files: [(String, @Sendable () -> [UInt8]?)] = [("12MP", { Inputs.cameraBytes }), ("1MP", { Inputs.smallBytes })]
        for (label, file) in files {
            Benchmark("End to end \(mode.rawValue) PDQ+pHash+dHash \(label) JPEG") { benchmark in
                guard let bytes = file() else { return }
                for _ in benchmark.scaledIterations {
                    blackHole(try hasher.hash(bytes).results)
                }
            }
        }
    }
}
