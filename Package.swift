// swift-tools-version:6.0
import PackageDescription

// One package. Dependencies point one way:
// COpenBLAS -> TensorCore -> NeuralNet -> Training; ModelFormats feeds NeuralNet; RunStore and the CLI sit at the edge.
let package = Package(
    name: "Glassbox",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "glassbox", targets: ["glassbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "TensorCore", dependencies: ["COpenBLAS"]),
        .target(name: "ModelFormats"),
        .target(name: "NeuralNet", dependencies: ["TensorCore", "ModelFormats"]),
        .target(name: "Training", dependencies: ["TensorCore", "NeuralNet", "ModelFormats"]),
        .target(name: "RunStore", dependencies: ["Training", .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "glassbox",
            dependencies: [
                "TensorCore", "NeuralNet", "ModelFormats", "Training", "RunStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "ModelFormats", "TensorCore"], exclude: ["Fixtures"]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "RunStore", "NeuralNet", "TensorCore"]),
    ],
    swiftLanguageModes: [.v5]
)
