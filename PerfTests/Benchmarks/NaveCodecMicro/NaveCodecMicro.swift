// Micro-benchmarks of the per-message paths: MQTT encode/decode, topic matching, IoT Hub topic
// parsing, the HTTP request decoder, the JSON parser, and the hop from an engine completion into
// a loop-pinned actor. They exist for their allocation counts,
// which CI gates on (PerfTests/check-allocations.sh; PERF.md: never on time). Wall clock and
// throughput are printed for reading only.
//
// Every benchmark does `operationsPerIteration` operations per measured iteration, so its
// malloc count reads as "allocations per 1,000 operations" and a new allocation per message
// shows up as +1,000.
//
// Names have no spaces or slashes: benchmark 1.38 writes a threshold file under a name with them
// replaced by `_` but looks it up under the raw name, so such a benchmark would never be checked.
//
//   cd PerfTests && swift package benchmark --target NaveCodecMicro            # read the numbers
//   ./check-allocations.sh                                                    # the CI gate
//   ./check-allocations.sh --update                                           # accept new counts
import Benchmark

/// Operations per measured iteration (the scaling factor's value).
let operationsPerIteration = BenchmarkScalingFactor.kilo.rawValue

/// Allocations per 1,000 operations that a run may exceed its committed threshold by before the
/// check fails. The counts are deterministic (single thread, capacities warmed up by the first
/// iteration), so this only absorbs a stray one-off allocation; one more allocation per message
/// is +1,000 and one per 100 messages is +10, both caught.
let allocationToleranceCount = 5

/// The shared configuration. Few, short iterations: the malloc count of a warmed-up iteration
/// does not vary, and CI pays for every second (`maxDuration` bounds each benchmark).
/// (Computed: a configuration holds closures and is not `Sendable`, so it cannot be a global.)
var perThousandOperations: Benchmark.Configuration {
    .init(
        metrics: [.mallocCountTotal, .wallClock, .throughput],
        scalingFactor: .kilo,
        maxDuration: .milliseconds(300),
        maxIterations: 50,
        // Only the malloc count is compared with Thresholds/; time is never a threshold.
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: allocationToleranceCount])]
    )
}

let benchmarks: @Sendable () -> Void = {
    registerMQTTEncodeBenchmarks()
    registerMQTTDecodeBenchmarks()
    registerTopicTrieBenchmarks()
    registerIoTHubTopicBenchmarks()
    registerHTTPAndJSONBenchmarks()
    registerActorHopBenchmarks()
}
