// swift-tools-version:6.0
import PackageDescription

// A program that uses Glassbox as a Swift user would: the library product, and nothing else.
// Build and run it from the repository:  swift run -c release --package-path Examples quick-tour [MODEL.gguf]
let package = Package(
    name: "GlassboxExamples",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Glassbox", path: ".."),
    ],
    targets: [
        .executableTarget(name: "quick-tour", dependencies: [.product(name: "Glassbox", package: "Glassbox")], path: "Sources/QuickTour"),
    ],
    swiftLanguageModes: [.v6]
)
