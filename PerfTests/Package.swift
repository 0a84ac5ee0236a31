// swift-tools-version:6.1
//
// Nave's benchmarks: a package of its own so that benchmark-only dependencies (argument parsing,
// HDR histograms) never reach embedders of the root package. Build and run: ./run-echo.sh
import PackageDescription

let package = Package(
    name: "NavePerfTests",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nave-bench", targets: ["NaveBench"]),
    ],
    dependencies: [
        .package(name: "Nave", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The same URL as the root package, so both resolve to one checkout.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Micro-benchmarks with malloc counts (swift package benchmark); built only when run.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Glibc does not import the GNU-only CPU-affinity calls; this shim wraps them.
        .target(name: "CBenchSupport"),
        .executableTarget(
            name: "NaveBench",
            dependencies: [
                "CBenchSupport",
                .product(name: "NaveIO", package: "Nave"),
                .product(name: "NaveMQTT", package: "Nave"),
                // amqp-spike: the Proton-C adapter's server and client (issue #13).
                .product(name: "NaveAMQP", package: "Nave"),
                // The hub scenarios register SAS devices in the store before the node starts.
                .product(name: "NaveAuth", package: "Nave"),
                .product(name: "NaveCore", package: "Nave"),
                .product(name: "NaveModel", package: "Nave"),
                .product(name: "NaveStore", package: "Nave"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The load generator's state is loop-confined like the engine's: skip the dynamic
            // exclusivity checks (~15 ns per access) so the client core is not the bottleneck.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "NaveIOMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NaveIO", package: "Nave"),
            ],
            path: "Benchmarks/NaveIOMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The per-message codec and matching paths; check-allocations.sh gates their malloc
        // counts against Thresholds/ (built only from these small modules, so CI builds it fast).
        .executableTarget(
            name: "NaveCodecMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NaveMQTT", package: "Nave"),
                .product(name: "NaveMQTTBinding", package: "Nave"),
                .product(name: "NaveHTTP", package: "Nave"),
                .product(name: "NaveModel", package: "Nave"),
                .product(name: "NaveIO", package: "Nave"),
            ],
            path: "Benchmarks/NaveCodecMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
