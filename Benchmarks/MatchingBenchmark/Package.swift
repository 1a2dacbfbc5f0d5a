// swift-tools-version: 6.1
// Matching benchmarks, kept out of the library's build (a nested package, as in swift-collections):
//   swift run -c release --package-path Benchmarks/MatchingBenchmark MatchingBenchmark [count256] [count64]
import Foundation
import PackageDescription

// A path dependency's identity is its directory name, which differs between checkouts and worktrees.
let root = URL(fileURLWithPath: Context.packageDirectory)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "MatchingBenchmarks",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "MatchingBenchmark", dependencies: [.product(name: "Matching", package: root)]),
    ]
)
