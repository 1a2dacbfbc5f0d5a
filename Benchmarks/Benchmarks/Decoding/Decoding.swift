// libjpeg-turbo decode of a 12 MP camera JPEG at each DCT scale: the floor any JPEG hasher stands on.
import Benchmark
import BenchSupport
import ImageDecoding

let benchmarks: @Sendable () -> Void = {
    guard let bytes = BenchData.bytes(BenchData.cameraJPEG) else { return }

    // Small iteration counts: the machine has two cores shared with builds.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident, .mallocCountTotal],
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 20
    )

    for scale in [1, 2, 4, 8] {
        Benchmark("Decode 12MP JPEG 1/\(scale)") { benchmark in
            for _ in benchmark.scaledIterations {
                let image = try ImageDecoder.decode(bytes, options: DecodeOptions(scale: DCTScale(denominator: scale)!))
                blackHole(image.raster.pixels.count)
            }
        }
    }
}
