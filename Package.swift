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
        // Base64, hex and percent-encoding: Tests/Fuzz fuzzes them directly, and another package
        // can only import a product.
        .library(name: "NaveEncoding", targets: ["NaveEncoding"]),
        .library(name: "NaveIO", targets: ["NaveIO"]),
        .library(name: "NaveMQTT", targets: ["NaveMQTT"]),
        // The sans-IO MQTT binding (topic trie, IoT Hub topics): PerfTests' micro-benchmarks
        // measure its hot paths, and another package can only import a product.
        .library(name: "NaveMQTTBinding", targets: ["NaveMQTTBinding"]),
        .library(name: "NaveHTTP", targets: ["NaveHTTP"]),
        // The AMQP adapter over Proton-C (issue #13's spike): PerfTests' amqp-spike drives it.
        .library(name: "NaveAMQP", targets: ["NaveAMQP"]),
        .library(name: "NaveModel", targets: ["NaveModel"]),
        // IoT Hub's query language: Tests/Fuzz fuzzes its parser, and another package can only
        // import a product.
        .library(name: "NaveQuery", targets: ["NaveQuery"]),
        .library(name: "NaveCore", targets: ["NaveCore"]),
        // The benchmark harness (PerfTests) registers devices and signs tokens with these.
        .library(name: "NaveAuth", targets: ["NaveAuth"]),
        .library(name: "NaveStore", targets: ["NaveStore"]),
        // The node to embed: `NaveConfiguration`, `HubResources.open`, `NaveServer` (a
        // swift-service-lifecycle `Service`) and its `Hub` façade (docs/embedding.md).
        .library(name: "NaveNode", targets: ["NaveNode"]),
        .executable(name: "nave-echo", targets: ["NaveEchoDemo"]),
        .executable(name: "nave", targets: ["NaveCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // YAML configuration files come through this package's `YAML` trait (it brings Yams).
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "YAML"]),
        // The embedded store: SQLite (Debian's libsqlite3-dev) for the registry and hub state.
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // Metrics: the node's counters go through swift-metrics, so an embedder may bootstrap its
        // own backend; swift-prometheus renders `/metrics` on the admin listener by default.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The console's HTML templates (logic-less Mustache, escaped by default).
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // `NaveServer` is a `Service`; `nave serve` runs it in a `ServiceGroup` (issue #16).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Layer 0: C shims over Debian's liburing and OpenSSL 3.
        .systemLibrary(name: "CNaveURing", providers: [.apt(["liburing-dev"])]),
        .systemLibrary(name: "CNaveSSL", providers: [.apt(["libssl-dev"])]),
        // Apache Qpid Proton-C 0.37 (Debian): the AMQP 1.0 engine, driven byte by byte.
        .systemLibrary(name: "CNaveProton", providers: [.apt(["libqpid-proton11-dev"])]),
        // SSE 4.2 CRC-32C for the event log's record checksums (header-only, links nothing).
        .systemLibrary(name: "CNaveCRC"),

        // Layer 0: byte encodings shared by codecs, model and auth (base64, percent, hex).
        .target(name: "NaveEncoding", swiftSettings: hotPathSettings),
        // Layer 0: what every configuration check shares (`ConfigurationInvalid`, `ConfigurationRules`).
        .target(name: "NaveLimits"),

        // Layer 1: the engine and the pure codecs.
        .target(
            name: "NaveIO",
            dependencies: ["CNaveURing", "CNaveSSL", "NaveLimits", .product(name: "Logging", package: "swift-log")],
            swiftSettings: hotPathSettings
        ),
        .target(name: "NaveMQTT", swiftSettings: hotPathSettings),
        .target(name: "NaveHTTP", dependencies: ["NaveEncoding"], swiftSettings: hotPathSettings),

        // Layer 2: domain values (identities, policies, JSON documents, hub errors).
        .target(name: "NaveModel", dependencies: ["NaveEncoding"]),
        // Layer 3: SAS tokens, X.509 thumbprints and development certificates (OpenSSL).
        .target(name: "NaveAuth", dependencies: ["CNaveSSL", "NaveEncoding", "NaveModel"]),
        // Layer 3: IoT Hub's query language (twin, job and routing conditions): parser, evaluator, execution.
        .target(name: "NaveQuery", dependencies: ["NaveModel"]),
        // Layer 4: the embeddable hub core: registry, authentication decisions, storage ports.
        .target(name: "NaveCore", dependencies: ["NaveEncoding", "NaveLimits", "NaveModel", "NaveAuth", "NaveQuery"]),

        // Layer 4: the MQTT protocol binding, sans-IO (state machines, session state, topic trie).
        .target(name: "NaveMQTTBinding", dependencies: ["NaveMQTT", "NaveModel", "NaveEncoding", "NaveLimits"], swiftSettings: hotPathSettings),

        // Layer 5: durable stores behind NaveCore's ports (SQLite through GRDB).
        .target(
            name: "NaveStore",
            dependencies: ["NaveModel", "NaveCore", "CNaveCRC", .product(name: "GRDB", package: "GRDB.swift")]
        ),

        // Layer 6: adapters. The MQTT broker (connection handlers, router shards, sessions) and
        // the HTTPS service API (REST registry, later device HTTP and WebSocket upgrade).
        .target(
            name: "NaveBroker",
            dependencies: ["NaveIO", "NaveLimits", "NaveMQTT", "NaveMQTTBinding", "NaveModel", "NaveAuth", "NaveCore",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: hotPathSettings
        ),
        // The AMQP 1.0 connection handler: Proton-C's connection driver on a NaveIO loop, Nave's
        // own SASL layer (MSSBCBS, ANONYMOUS, PLAIN); for now the spike's server and client.
        .target(
            name: "NaveAMQP",
            dependencies: ["NaveIO", "CNaveProton", "NaveModel", "NaveAuth", "NaveCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: hotPathSettings
        ),
        .target(
            name: "NaveServiceAPI",
            dependencies: ["NaveIO", "NaveHTTP", "NaveEncoding", "NaveLimits", "NaveModel", "NaveAuth", "NaveCore", "NaveStore",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // The console (issue #17): the hub in a browser under `/console`, server-rendered from
        // Mustache templates compiled into the binary, over the same hub façade and policies.
        .target(
            name: "NaveConsole",
            dependencies: ["NaveHTTP", "NaveEncoding", "NaveLimits", "NaveModel", "NaveAuth", "NaveCore",
                           .product(name: "Mustache", package: "swift-mustache"),
                           .product(name: "Logging", package: "swift-log")]
        ),

        // Layer 7: composition root: configuration, listeners, lifecycle.
        .target(
            name: "NaveNode",
            dependencies: [
                "NaveIO", "NaveBroker", "NaveAMQP", "NaveMQTT", "NaveMQTTBinding", "NaveServiceAPI", "NaveConsole", "NaveStore", "NaveCore", "NaveAuth",
                "NaveModel", "NaveLimits",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Executables.
        .executableTarget(
            name: "NaveCLI",
            dependencies: [
                "NaveNode", "NaveStore", "NaveCore", "NaveModel", "NaveAuth", "NaveEncoding", "CNaveSSL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            linkerSettings: [.linkedLibrary("jemalloc")]
        ),
        .executableTarget(
            name: "NaveEchoDemo",
            dependencies: ["NaveIO", .product(name: "Logging", package: "swift-log")],
            linkerSettings: [.linkedLibrary("jemalloc")]
        ),

        // Tests.
        .testTarget(name: "NaveIOTests", dependencies: ["NaveSocketTestSupport", "NaveIO", "CNaveURing", "CNaveSSL"]),
        // Test helpers that depend on nothing in Nave, so every test target may use them: the one
        // seeded generator and the verifier of resumable decoders (MQTT, HTTP, WebSocket, AMQP). Never shipped.
        .target(name: "NaveCodecTestSupport", path: "Tests/NaveCodecTestSupport"),
        // One blocking loopback client for every suite that speaks bytes to a real listener.
        .target(name: "NaveSocketTestSupport", dependencies: ["NaveIO"], path: "Tests/NaveSocketTestSupport"),
        // Helpers over the hub shared by test targets (seeded hub randomness, the hub error catalog); never shipped.
        .target(name: "NaveTestSupport", dependencies: ["NaveCodecTestSupport", "NaveCore", "NaveModel"], path: "Tests/NaveTestSupport"),
        .testTarget(name: "NaveAMQPTests", dependencies: ["NaveSocketTestSupport", "NaveTestSupport", "NaveAMQP", "NaveIO", "NaveCore", "NaveModel", "NaveAuth", "NaveEncoding", "CNaveProton"]),
        .testTarget(name: "NaveMQTTTests", dependencies: ["NaveMQTT", "NaveCodecTestSupport"]),
        .testTarget(name: "NaveHTTPTests", dependencies: ["NaveHTTP", "NaveEncoding", "NaveCodecTestSupport"]),
        .testTarget(name: "NaveMQTTBindingTests", dependencies: ["NaveMQTTBinding", "NaveMQTT", "NaveModel", "NaveCodecTestSupport"]),
        .testTarget(name: "NaveBrokerTests", dependencies: ["NaveSocketTestSupport", "NaveBroker", "NaveNode", "NaveIO", "NaveLimits", "NaveMQTT", "NaveCore", "NaveModel", "NaveAuth",
                                                      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .testTarget(name: "NaveModelTests", dependencies: ["NaveModel", "NaveCodecTestSupport", "NaveTestSupport"]),
        .testTarget(name: "NaveQueryTests", dependencies: ["NaveQuery", "NaveModel", "NaveCodecTestSupport"]),
        .testTarget(name: "NaveAuthTests", dependencies: ["NaveAuth", "NaveEncoding", "NaveModel", "NaveCodecTestSupport"]),
        .testTarget(name: "NaveSimulationTests", dependencies: ["NaveCodecTestSupport", "NaveTestSupport", "NaveNode", "NaveCore", "NaveModel", "NaveMQTT", "NaveMQTTBinding"]),
        .testTarget(name: "NaveCoreTests", dependencies: ["NaveCore", "NaveModel", "NaveAuth", "NaveTestSupport"]),
        .testTarget(name: "NaveStoreTests", dependencies: ["NaveCodecTestSupport", "NaveTestSupport", "NaveStore", "NaveCore", "NaveModel"]),
        .testTarget(name: "NaveServiceAPITests", dependencies: ["NaveSocketTestSupport", "NaveTestSupport", "NaveServiceAPI", "NaveNode", "NaveIO", "NaveHTTP", "NaveCore", "NaveModel", "NaveAuth", "CNaveSSL"]),
        // Runs the built `nave` executable as a child process; no module dependency, since what it
        // checks (exit statuses, messages, files left behind) only the real binary shows.
        .testTarget(name: "NaveConsoleTests", dependencies: ["NaveTestSupport", "NaveConsole", "NaveHTTP", "NaveCore", "NaveModel", "NaveAuth"]),
        .testTarget(name: "NaveCLITests"),
        .testTarget(name: "ArchitectureTests"),
    ],
    swiftLanguageModes: [.v6]
)
