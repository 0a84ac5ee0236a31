// swift-tools-version:6.1
//
// libFuzzer targets for Nave's pure decoders. A package of its own so the root package
// never builds with the fuzzer runtime; run through ./run.sh.
import PackageDescription

let package = Package(
    name: "NaveFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Nave", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "MQTTDecoderFuzz",
            dependencies: [.product(name: "NaveMQTT", package: "Nave")]
        ),
        .executableTarget(
            name: "HTTPDecoderFuzz",
            dependencies: [.product(name: "NaveHTTP", package: "Nave")]
        ),
        .executableTarget(
            name: "JSONParserFuzz",
            dependencies: [.product(name: "NaveModel", package: "Nave")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
