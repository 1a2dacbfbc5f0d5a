// swift-tools-version: 6.1
// objtrace: perceptual hashing, matching and case work for "Trace an Object" victim identification.
//
// Dependencies point one way: the executable -> ObjtraceKit (I/O, orchestration) -> Store / ImageDecoding
// -> pure cores (ImageCore, PerceptualHash, Matching, LocalFeatures, CaseWork). A pure module never imports
// the store or the codecs.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "objtrace",
    products: [
        .executable(name: "objtrace", targets: ["objtrace"]),
        .library(name: "ObjtraceKit", targets: ["ObjtraceKit"]),
        .library(name: "PerceptualHash", targets: ["PerceptualHash"]),
        .library(name: "ImageDecoding", targets: ["ImageDecoding"]),
        .library(name: "Matching", targets: ["Matching"]),
        .library(name: "LocalFeatures", targets: ["LocalFeatures"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        // objtrace serve: HTTP, templates, multipart parsing, metrics, graceful shutdown.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // The PostgreSQL store back end (--store postgres://...).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // C shims over libjpeg-turbo and libpng: setjmp error managers, scaled decode, memory caps.
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("z")]
        ),
        // C shims over Debian's libheif (HEIC/HEIF), libwebp + libwebpdemux (WebP) and giflib (GIF): errors through
        // the shim, header and frame count before any pixel allocation, first frame only.
        .target(
            name: "CExtraCodecs",
            linkerSettings: [.linkedLibrary("heif"), .linkedLibrary("webp"), .linkedLibrary("webpdemux"), .linkedLibrary("gif")]
        ),
        // Hardware popcount Hamming kernels with runtime CPU dispatch (target_clones), no unsafeFlags.
        .target(name: "CHammingKernel"),
        // Pillow's fixed-point resampling passes with runtime CPU dispatch (32-bit vector multiplies).
        .target(name: "CResampleKernel"),
        // LocalFeatures' hot loops (pyramid, FAST, Harris, BRIEF, 2-NN) with runtime CPU dispatch.
        .target(name: "CFeatureKernel"),
        // System SQLite (libsqlite3-dev).
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),

        // Pure: the pixel raster and orientation transforms shared by decoding and hashing.
        .target(name: "ImageCore", swiftSettings: swiftSettings),
        // Bytes -> raster through the C codecs; EXIF orientation; limits; typed errors.
        .target(name: "ImageDecoding", dependencies: ["CImageCodecs", "CExtraCodecs", "ImageCore"], swiftSettings: swiftSettings),
        // Pure: PDQ and imagehash-compatible hashes, bit-exact with the references.
        .target(name: "PerceptualHash", dependencies: ["ImageCore", "CResampleKernel"], swiftSettings: swiftSettings),
        // Pure: Hamming indexes, thresholds, claim normalisation, candidate ranking.
        .target(name: "Matching", dependencies: ["PerceptualHash", "CHammingKernel"], swiftSettings: swiftSettings),
        // Pure: keypoints, binary descriptors, geometric verification.
        .target(name: "LocalFeatures", dependencies: ["ImageCore", "CFeatureKernel"], swiftSettings: swiftSettings),
        // Pure: objects, tips, candidates, reviews, referrals and their state machines.
        .target(name: "CaseWork", swiftSettings: swiftSettings),
        // SQLite persistence: schema, migrations, transactions, audit chain.
        .target(
            name: "Store",
            dependencies: [
                "CSQLite", "CaseWork", "Matching", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The library behind the CLI: files, bulk hashing, ingest, matching, referrals.
        .target(
            name: "ObjtraceKit",
            dependencies: [
                "ImageCore", "ImageDecoding", "PerceptualHash", "Matching", "LocalFeatures", "CaseWork", "Store",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The public web server (objtrace serve): gallery, anonymous tip form, JSON API, metrics.
        .target(
            name: "ObjtraceServer",
            dependencies: [
                "ObjtraceKit", "CaseWork", "Store", "ImageDecoding",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        // The analysts' command line: parses arguments and calls ObjtraceKit.
        .executableTarget(
            name: "objtrace",
            dependencies: [
                "ObjtraceKit", "CaseWork", "Store", "Matching", "LocalFeatures", "ObjtraceServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test fixtures: paths to ../shared/data, anchor table, skip helpers.
        .target(name: "TestSupport", dependencies: ["ImageCore", "Store"], path: "Sources/TestSupport", swiftSettings: swiftSettings),

        .testTarget(
            name: "ImageDecodingTests",
            dependencies: ["ImageCore", "ImageDecoding", "PerceptualHash", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["pixel-checksums.tsv", "make-pixel-checksums.py", "ExtraFormats", "extra-formats.tsv", "make-extra-format-files.py", "FuzzFindings"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PerceptualHashTests",
            dependencies: ["ImageCore", "PerceptualHash", "ImageDecoding", "TestSupport"],
            exclude: ["make-reference-vectors.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MatchingTests", dependencies: ["ImageCore", "Matching"], swiftSettings: swiftSettings),
        .testTarget(name: "LocalFeaturesTests", dependencies: ["ImageCore", "LocalFeatures", "ImageDecoding", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "CaseWorkTests", dependencies: ["CaseWork"], swiftSettings: swiftSettings),
        .testTarget(name: "StoreTests", dependencies: ["Store", "CaseWork", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ObjtraceKitTests", dependencies: ["CaseWork", "ImageCore", "ImageDecoding", "LocalFeatures", "Matching", "ObjtraceKit", "Store", "TestSupport"], swiftSettings: swiftSettings),
        // Runs the built `objtrace` executable (the dependency makes `swift test` build it beside the tests):
        // exit codes, refusal lines, help output.
        .testTarget(name: "ObjtraceCLITests", dependencies: ["objtrace", "Store", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ObjtraceServerTests",
            dependencies: [
                "ObjtraceServer", "ObjtraceKit", "Store", "CaseWork", "TestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
