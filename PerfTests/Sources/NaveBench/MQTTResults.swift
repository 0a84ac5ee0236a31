import Histogram

/// Latency percentiles of one round, microseconds (HDR histogram, 3 significant digits).
struct LatencyPercentiles: Codable {
    var samples: UInt64
    var p50Micros: Double
    var p90Micros: Double
    var p99Micros: Double
    var p999Micros: Double
    var maxMicros: Double

    init(_ histogram: Histogram<UInt64>) {
        let count = histogram.totalCount
        samples = count
        func at(_ percentile: Double) -> Double { count == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1000 }
        p50Micros = at(50)
        p90Micros = at(90)
        p99Micros = at(99)
        p999Micros = at(99.9)
        maxMicros = count == 0 ? 0 : Double(histogram.max) / 1000
    }
}

/// Counters at one instant of an MQTT measurement.
struct MQTTSnapshot {
    var nanos: Int64
    var published: Int
    var delivered: Int
    var acked: Int
    var connAcked: Int
    var brokerCPUNanos: Int64
    /// The kernel's part of `brokerCPUNanos`.
    var brokerSystemCPUNanos: Int64
    var clientCPUNanos: Int64
    var machineBusyNanos: Int64
}

/// One measured round of one scenario on one broker. `metrics` holds the scenario's figures by
/// name (see `MQTTRunResult.method`).
struct MQTTRoundSample: Codable {
    var round: Int
    var seconds: Double = 0
    var metrics: [String: Double] = [:]
    var latency: LatencyPercentiles?
    var errors: [String] = []

    init(round: Int) { self.round = round }

    /// CPU figures between two snapshots; `messages` is what the CPU is divided by (deliveries or CONNACKs).
    init(round: Int, start: MQTTSnapshot, end: MQTTSnapshot, messages: Int) {
        self.round = round
        seconds = Double(end.nanos - start.nanos) / 1e9
        let broker = Double(end.brokerCPUNanos - start.brokerCPUNanos)
        let client = Double(end.clientCPUNanos - start.clientCPUNanos)
        metrics["brokerCPUNanosPerMessage"] = broker / Double(max(1, messages))
        metrics["brokerKernelCPUShare"] = broker > 0 ? Double(end.brokerSystemCPUNanos - start.brokerSystemCPUNanos) / broker : 0
        metrics["brokerCPUCores"] = broker / 1e9 / seconds
        metrics["clientCPUCores"] = client / 1e9 / seconds
        metrics["otherCPUCores"] = max(0, Double(end.machineBusyNanos - start.machineBusyNanos) / 1e9 / seconds
            - (broker + client) / 1e9 / seconds)
    }

    var summary: String {
        var parts: [String] = []
        if let rate = metrics["deliveredPerSecond"] { parts.append("\(formatRate(rate)) deliveries/s") }
        if let rate = metrics["connectsPerSecond"] { parts.append("\(formatRate(rate)) CONNACKs/s") }
        if let bytes = metrics["bytesPerIdleConnection"] { parts.append("\(Int(bytes)) B per idle connection") }
        if let held = metrics["connectionsHeld"] { parts.append("\(Int(held)) held") }
        if let cores = metrics["idleBrokerCPUCores"] { parts.append("idle CPU \(String(format3: cores)) cores") }
        if let cpu = metrics["brokerCPUNanosPerMessage"], metrics["connectionsHeld"] == nil { parts.append("broker \(Int(cpu)) ns/msg") }
        if let cores = metrics["brokerCPUCores"] { parts.append("broker \(Int(cores * 100)) %") }
        if let cores = metrics["clientCPUCores"] { parts.append("client \(Int(cores * 100)) %") }
        if let cores = metrics["otherCPUCores"] { parts.append("other \(Int(cores * 100)) %") }
        if let latency { parts.append("p50 \(formatMicros(latency.p50Micros)) p99 \(formatMicros(latency.p99Micros)) µs") }
        if !errors.isEmpty { parts.append("ERRORS: \(errors.joined(separator: "; "))") }
        return parts.joined(separator: ", ")
    }
}

/// One scenario on one broker: its rounds, and median / min / max of every metric.
struct MQTTScenarioResult: Codable {
    var scenario: MQTTScenario
    var broker: String
    var rounds: [MQTTRoundSample]
    var median: [String: Double] = [:]
    var min: [String: Double] = [:]
    var max: [String: Double] = [:]

    init(scenario: MQTTScenario, broker: String, rounds: [MQTTRoundSample]) {
        self.scenario = scenario
        self.broker = broker
        self.rounds = rounds
        (median, min, max) = MQTTRoundSample.spread(of: rounds)
    }
}

extension MQTTScenarioResult {
    /// "median (min–max)" of `key` (the median alone after one round), nil when not measured.
    func spread(_ key: String, _ format: (Double) -> String) -> String? {
        guard let middle = median[key] else { return nil }
        guard rounds.count > 1, let low = min[key], let high = max[key] else { return format(middle) }
        return "\(format(middle)) (\(format(low))–\(format(high)))"
    }
}

extension MQTTRoundSample {
    /// Median, min and max over `rounds` of every metric and latency percentile, by name.
    static func spread(of rounds: [MQTTRoundSample]) -> (median: [String: Double], min: [String: Double], max: [String: Double]) {
        var values: [String: [Double]] = [:]
        for round in rounds {
            for (key, value) in round.metrics { values[key, default: []].append(value) }
            if let latency = round.latency {
                values["latencyP50Micros", default: []].append(latency.p50Micros)
                values["latencyP90Micros", default: []].append(latency.p90Micros)
                values["latencyP99Micros", default: []].append(latency.p99Micros)
                values["latencyP999Micros", default: []].append(latency.p999Micros)
                values["latencyMaxMicros", default: []].append(latency.maxMicros)
            }
        }
        var spread: (median: [String: Double], min: [String: Double], max: [String: Double]) = ([:], [:], [:])
        for (key, list) in values {
            spread.median[key] = NaveBenchMedian.median(list)
            spread.min[key] = list.min()
            spread.max[key] = list.max()
        }
        return spread
    }
}

/// The module-level `median` under a name that a `median` property does not shadow.
enum NaveBenchMedian {
    static func median(_ values: [Double]) -> Double { NaveBench_median(values) }
}

private func NaveBench_median(_ values: [Double]) -> Double { median(values) }

/// The JSON file's top level for `nave-bench mqtt`, `compare` and `sweep`. `results[].broker`
/// is a setup's label.
struct MQTTRunResult: Codable {
    var benchmark: String
    var timestamp: String
    var naveRevision: String
    var naveTreeDirty: Bool
    var kernel: String
    var onlineCPUs: Int
    var brokers: [String: String]
    var mosquittoConfig: String
    var settings: [String: String]
    var method: [String: String]
    /// What each label ran: broker, loops, router shards, CPUs, added environment.
    var setups: [BrokerSetup]
    var results: [MQTTScenarioResult]
    /// `sweep` only: the winner of each scenario and the settings it left out.
    var sweep: SweepSummary?
}
