// swift-tools-version: 6.1
// objtrace speed tracking: a nested package so the benchmark harness never enters the library's build.
//
// Run from this folder with `swift package benchmark` (release build). The trait list on the benchmark
// dependency keeps only the malloc interposer: the default `RuntimeInterposer` trait needs a package that
// the local mirror does not carry.
import PackageDescription

let benchmarkDependencies: [Target.Dependency] = [
    .product(name: "Benchmark", package: "benchmark"),
    "BenchSupport",
]

let package = Package(
    name: "objtrace-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        // Named so that targets can say `package: "objtrace"` whatever the checkout folder is called.
        .package(name: "objtrace", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Paths to ../shared/data and small helpers shared by the benchmark executables.
        .target(name: "BenchSupport", path: "Sources/BenchSupport"),
        // libjpeg-turbo decode of a 12 MP camera JPEG at each DCT scale.
        .executableTarget(
            name: "Decoding",
            dependencies: benchmarkDependencies + [.product(name: "ImageDecoding", package: "objtrace")],
            path: "Benchmarks/Decoding",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // PDQ, PDQ+8 dihedral, pHash, dHash on decoded rasters; exact and fast mode end to end.
        .executableTarget(
            name: "Hashing",
            dependencies: benchmarkDependencies + [
                .product(name: "ImageDecoding", package: "objtrace"),
                .product(name: "PerceptualHash", package: "objtrace"),
                .product(name: "ObjtraceKit", package: "objtrace"),
            ],
            path: "Benchmarks/Hashing",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Hamming index radius search (multi-index hashing vs scan) over 1M (or 10M) random codes.
        .executableTarget(
            name: "Hamming",
            dependencies: benchmarkDependencies + [.product(name: "Matching", package: "objtrace")],
            path: "Benchmarks/Hamming",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
