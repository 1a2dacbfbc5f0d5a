// swift-tools-version: 6.1
// Local-feature extraction and search timing, the Swift half of Benchmarks/features-vs-opencv.sh (a nested
// package, as MatchingBenchmark, so nothing here enters the library's build):
//   swift run -c release --package-path Benchmarks/FeaturesBenchmark FeaturesBenchmark extract|search ...
import Foundation
import PackageDescription

// A path dependency's identity is its directory name, which differs between checkouts and worktrees.
let root = URL(fileURLWithPath: Context.packageDirectory)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "FeaturesBenchmarks",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "FeaturesBenchmark",
            dependencies: [
                .product(name: "LocalFeatures", package: root),
                .product(name: "ImageDecoding", package: root),
            ]
        ),
    ]
)
