// swift-tools-version:6.1
//
// Nave: a self-hosted device hub that speaks Azure IoT Hub's protocols, a general MQTT broker,
// and an embeddable hub core. Layers and their allowed imports: docs/architecture.md
// (checked by Tests/ArchitectureTests).
import PackageDescription

/// Hot engine and codec modules: exclusivity is proven by construction (loop-confined state),
/// and the dynamic checks cost ~15 ns per stored-property access (see docs/architecture.md).
let hotPathSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Nave",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "NaveIO", targets: ["NaveIO"]),
        .library(name: "NaveMQTT", targets: ["NaveMQTT"]),
        .executable(name: "nave-echo", targets: ["NaveEchoDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // Layer 0: C shims over Debian's liburing and OpenSSL 3.
        .systemLibrary(name: "CNaveURing", providers: [.apt(["liburing-dev"])]),
        .systemLibrary(name: "CNaveSSL", providers: [.apt(["libssl-dev"])]),

        // Layer 1: the engine and the pure codecs.
        .target(
            name: "NaveIO",
            dependencies: ["CNaveURing", .product(name: "Logging", package: "swift-log")],
            swiftSettings: hotPathSettings
        ),
        .target(name: "NaveMQTT", swiftSettings: hotPathSettings),

        // Executables.
        .executableTarget(
            name: "NaveEchoDemo",
            dependencies: ["NaveIO", .product(name: "Logging", package: "swift-log")],
            linkerSettings: [.linkedLibrary("jemalloc")]
        ),

        // Tests.
        .testTarget(name: "NaveIOTests", dependencies: ["NaveIO", "CNaveURing", "CNaveSSL"]),
        .testTarget(name: "NaveMQTTTests", dependencies: ["NaveMQTT"]),
        .testTarget(name: "ArchitectureTests"),
    ],
    swiftLanguageModes: [.v6]
)
