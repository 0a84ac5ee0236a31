// swift-tools-version:6.1
//
// libFuzzer targets for Nave's pure decoders and parsers, one executable per target. A package
// of its own so the root package never builds with the fuzzer runtime; run through ./run.sh
// (one target) or ./run-all.sh (every target, bounded: the CI slice). Each target's seeds are
// in Corpus/<Target>/; a target added here without a corpus directory fails run-all.sh.
import PackageDescription

let package = Package(
    name: "NaveFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Nave", path: "../.."),
    ],
    targets: [
        // Input splitting and delivery helpers shared by the targets (not a fuzz target).
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "MQTTDecoderFuzz",
            dependencies: [.product(name: "NaveMQTT", package: "Nave")]
        ),
        .executableTarget(
            name: "MQTTBindingFuzz",
            dependencies: [
                "FuzzSupport",
                .product(name: "NaveMQTT", package: "Nave"),
                .product(name: "NaveMQTTBinding", package: "Nave"),
            ]
        ),
        .executableTarget(
            name: "IoTHubTopicFuzz",
            dependencies: [
                "FuzzSupport",
                .product(name: "NaveMQTTBinding", package: "Nave"),
                .product(name: "NaveModel", package: "Nave"),
            ]
        ),
        .executableTarget(
            name: "HTTPDecoderFuzz",
            dependencies: [.product(name: "NaveHTTP", package: "Nave")]
        ),
        .executableTarget(
            name: "WebSocketFrameFuzz",
            dependencies: ["FuzzSupport", .product(name: "NaveHTTP", package: "Nave")]
        ),
        .executableTarget(
            name: "JSONParserFuzz",
            dependencies: [.product(name: "NaveModel", package: "Nave")]
        ),
        .executableTarget(
            name: "QueryParserFuzz",
            dependencies: [.product(name: "NaveQuery", package: "Nave"), .product(name: "NaveModel", package: "Nave")]
        ),
        .executableTarget(
            name: "PropertyBagFuzz",
            dependencies: ["FuzzSupport", .product(name: "NaveModel", package: "Nave")]
        ),
        .executableTarget(
            name: "EncodingFuzz",
            dependencies: ["FuzzSupport", .product(name: "NaveEncoding", package: "Nave")]
        ),
        .executableTarget(
            name: "SASTokenFuzz",
            dependencies: [
                "FuzzSupport",
                .product(name: "NaveAuth", package: "Nave"),
                .product(name: "NaveEncoding", package: "Nave"),
            ]
        ),
        .executableTarget(
            name: "ConnectionStringFuzz",
            dependencies: ["FuzzSupport", .product(name: "NaveAuth", package: "Nave")]
        ),
        // Decodes the event encoder's output with Proton-C: `import CNaveProton` resolves
        // through NaveAMQP, which depends on that system library (SwiftPM hands a target the
        // module maps of its dependencies' C modules).
        .executableTarget(
            name: "AMQPFuzz",
            dependencies: [
                "FuzzSupport",
                .product(name: "NaveAMQP", package: "Nave"),
                .product(name: "NaveModel", package: "Nave"),
            ]
        ),
        .executableTarget(
            name: "MQTTUsernameFuzz",
            dependencies: [
                "FuzzSupport",
                .product(name: "NaveAuth", package: "Nave"),
                .product(name: "NaveEncoding", package: "Nave"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
