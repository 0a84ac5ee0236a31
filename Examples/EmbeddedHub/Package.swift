// swift-tools-version:6.1
//
// A program that embeds a Nave node (docs/embedding.md): the hub runs in a swift-service-lifecycle
// ServiceGroup beside a small HTTP service of the program's own, which answers one route through
// the node's `Hub` façade. Built by scripts/test (scratch path Examples/EmbeddedHub/.build-example).
import PackageDescription

let package = Package(
    name: "EmbeddedHub",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Nave", path: "../.."),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "EmbeddedHub",
            dependencies: [
                .product(name: "NaveNode", package: "Nave"),
                .product(name: "NaveCore", package: "Nave"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
