// swift-tools-version:6.0
import PackageDescription

// The front end's files (Sources/Reports/Resources: .js modules, .css, .html), every one embedded in the binary.
// scripts/web-assets.py writes this list and WebAssets.swift's table from the folder; a test checks all three agree.
let webAssets: [String] = [
    "Resources/api.js",
    "Resources/lib/axis.js",
    "Resources/lib/charts.js",
    "Resources/lib/colors.js",
    "Resources/lib/dom.js",
    "Resources/lib/download.js",
    "Resources/lib/format.js",
    "Resources/lib/storage.js",
    "Resources/lib/theme.js",
    "Resources/lib/tokens.js",
    "Resources/lib/tooltip.js",
    "Resources/lib/ui.js",
    "Resources/pages/generate-page.js",
    "Resources/pages/inspect-page.js",
    "Resources/pages/model-page.js",
    "Resources/pages/models-page.js",
    "Resources/pages/run-page.js",
    "Resources/pages/runs-page.js",
    "Resources/panels/generate/generate-common.js",
    "Resources/panels/generate/generate-token-text.js",
    "Resources/panels/probe-timeline.js",
    "Resources/report.css",
    "Resources/report.js",
    "Resources/studio.css",
    "Resources/studio.html",
    "Resources/studio.js",
    "Resources/theme-boot.js",
    "Resources/views/classic.js",
    "Resources/views/report-views.js",
]

// One package. Dependencies point one way:
// CBLAS (OpenBLAS, loaded at run time) -> TensorCore -> NeuralNet -> Training (and CMPI, Open MPI loaded at run time); ModelFormats feeds NeuralNet; RunStore and the CLI sit at the edge.
// The numeric kernels are written for 8-wide SIMD: on x86-64 compile for AVX2 + FMA (x86-64-v3) rather than the
// SSE2 baseline, which halves the vector width (measured: see bench notes in the README).
#if arch(x86_64)
let simd: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
// No contraction of a separate multiply and add into an FMA: dequantisation rounds the product first, as the formats do.
let simdC: [CSetting] = [.unsafeFlags(["-O3", "-mavx2", "-mfma", "-mf16c", "-ffp-contract=off"])]
#else
let simd: [SwiftSetting] = []
let simdC: [CSetting] = [.unsafeFlags(["-O3", "-ffp-contract=off"])]
#endif

let package = Package(
    name: "Glassbox",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "glassbox", targets: ["glassbox"]),
        // The Swift library: `import Glassbox` (load, tokenize, generate, chat, inspect, train, fine-tune). Its public
        // API is the Glassbox target alone (and the documents it returns); every other module is `package`.
        .library(name: "Glassbox", targets: ["Glassbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // OpenBLAS is opened at run time (dlopen) after the kernel is chosen from the CPU's features.
        .target(name: "CBLAS", cSettings: [.unsafeFlags(["-O3"])], linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CQuantKernels", cSettings: simdC),
        // Open MPI for data-parallel training, opened at run time (dlopen) like OpenBLAS: no MPI to build or run alone.
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "TensorCore", dependencies: ["CBLAS", "CQuantKernels"], swiftSettings: simd),
        .target(name: "ModelFormats"),
        .target(name: "Tokenization", dependencies: ["ModelFormats"]),
        .target(name: "NeuralNet", dependencies: ["TensorCore", "ModelFormats"], swiftSettings: simd),
        .target(name: "Models", dependencies: ["TensorCore", "NeuralNet", "ModelFormats", "Tokenization"], swiftSettings: simd),
        .target(name: "Interpretability", dependencies: ["TensorCore", "NeuralNet", "Models", "Tokenization"], swiftSettings: simd),
        .target(name: "Training", dependencies: ["CMPI", "TensorCore", "NeuralNet", "Models", "ModelFormats", "Tokenization"]),
        // The run store: SQLite (GRDB) embedded by default, or a shared PostgreSQL server (postgres-nio).
        .target(name: "RunStore", dependencies: ["Training", .product(name: "GRDB", package: "GRDB.swift"),
                                                 .product(name: "GRDBSQLite", package: "GRDB.swift"),
                                                 .product(name: "PostgresNIO", package: "postgres-nio"),
                                                 .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                                                 .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log")]),
        // The front end: real .js/.css/.html files, embedded in the binary.
        .target(name: "Reports", dependencies: ["ModelFormats"], resources: webAssets.map { .embedInCode($0) }),
        // The studio: Hummingbird routes, the JSON API and server-sent events over the run store.
        .target(name: "Studio", dependencies: ["RunStore", "Reports", "Training", "Models", "Interpretability", .product(name: "Hummingbird", package: "hummingbird"),
                                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .target(name: "Glassbox", dependencies: ["Models", "Interpretability", "Training", "RunStore", "Tokenization", "NeuralNet"]),
        .executableTarget(
            name: "glassbox",
            dependencies: [
                "TensorCore", "NeuralNet", "ModelFormats", "Tokenization", "Models", "Interpretability", "Training", "RunStore", "Reports", "Studio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"], exclude: ["Fixtures"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Models", "ModelFormats", "TensorCore"], exclude: ["Fixtures"]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats"], exclude: ["Fixtures"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "RunStore", "NeuralNet", "Models", "ModelFormats", "TensorCore", "Tokenization"]),
        .testTarget(name: "CLITests", dependencies: ["glassbox", "RunStore"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "StudioTests", dependencies: ["Studio", "RunStore", "Training", "Models", "Interpretability", .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "InterpretabilityTests", dependencies: ["Interpretability", "Models", "NeuralNet", "ModelFormats", "TensorCore"], exclude: ["Fixtures"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Tokenization", "ModelFormats", "TensorCore"], exclude: ["Fixtures"]),
        .testTarget(name: "GlassboxTests", dependencies: ["Glassbox"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "ModelFormats"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
