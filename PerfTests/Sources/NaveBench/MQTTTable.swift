/// The terminal summary of an MQTT run: one block per scenario, brokers side by side as
/// "median (min–max)", and the ratio of the first broker to the second (Nave / Mosquitto).
struct MQTTTable {
    let result: MQTTRunResult

    /// Rows per scenario kind: (metric key, label, formatter).
    private static func rows(for kind: MQTTScenario.Kind) -> [(String, String, (Double) -> String)] {
        let rate: (Double) -> String = formatRate
        let micros: (Double) -> String = formatMicros
        let whole: (Double) -> String = { "\(Int($0.rounded()))" }
        let cores: (Double) -> String = { String(format2: $0) }
        let mebibytes: (Double) -> String = { String(format1: $0 / 1_048_576) }
        switch kind {
        case .connect:
            return [("connectsPerSecond", "CONNACKs/s", rate), ("brokerCPUNanosPerMessage", "broker CPU ns/connect", whole),
                    ("latencyP50Micros", "connect→CONNACK p50 µs", micros), ("latencyP99Micros", "  p99 µs", micros),
                    ("latencyP999Micros", "  p99.9 µs", micros), ("latencyMaxMicros", "  max µs", micros),
                    ("connectFailures", "failed connects", whole), ("brokerCPUCores", "broker CPU (cores)", cores),
                    ("clientCPUCores", "client CPU (cores)", cores), ("otherCPUCores", "other load (cores)", cores)]
        case .idle:
            return [("connectionsHeld", "connections held", whole), ("bytesPerIdleConnection", "RSS bytes/conn (low→high)", whole),
                    ("bytesPerConnectionFromZero", "RSS bytes/conn (0→high)", whole),
                    ("brokerRSSBytesBaseline", "RSS MiB, no clients", mebibytes), ("brokerRSSBytesHigh", "RSS MiB, all held", mebibytes),
                    ("idleBrokerCPUCores", "idle broker CPU (cores)", { String(format3: $0) })]
        case .flow:
            return [("deliveredPerSecond", "deliveries/s", rate), ("publishedPerSecond", "publishes/s", rate),
                    ("brokerCPUNanosPerMessage", "broker CPU ns/delivery", whole),
                    ("brokerKernelCPUShare", "  of it in the kernel %", { "\(Int(($0 * 100).rounded()))" }), ("targetPublishRate", "target publish rate/s", rate),
                    ("latencyP50Micros", "latency p50 µs", micros), ("latencyP90Micros", "  p90 µs", micros),
                    ("latencyP99Micros", "  p99 µs", micros), ("latencyP999Micros", "  p99.9 µs", micros),
                    ("latencyMaxMicros", "  max µs", micros), ("brokerCPUCores", "broker CPU (cores)", cores),
                    ("clientCPUCores", "client CPU (cores)", cores), ("otherCPUCores", "other load (cores)", cores),
                    ("brokerRSSBytes", "broker RSS MiB", mebibytes), ("undeliveredAfterDrain", "undelivered (QoS 0 drops)", whole)]
        }
    }

    func render() -> String {
        let present = Set(result.results.map(\.broker))
        let brokers = BrokerProcess.Kind.allCases.map(\.rawValue).filter { present.contains($0) }
        let ratioHeader = brokers.count == 2 ? "\(brokers[0])/\(brokers[1])" : ""
        var lines = ["MQTT — nave \(result.naveRevision)\(result.naveTreeDirty ? " (dirty tree)" : ""), kernel \(result.kernel); "
            + result.settings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
        lines.append(row("scenario", "metric", brokers.map { "\($0) median (min–max)" }, ratioHeader))
        lines.append(String(repeating: "-", count: 22 + 28 + 30 * brokers.count + 12))
        var scenarios: [String] = []
        for result in result.results where !scenarios.contains(result.scenario.name) { scenarios.append(result.scenario.name) }
        for name in scenarios {
            let byBroker = brokers.compactMap { broker in result.results.first { $0.scenario.name == name && $0.broker == broker } }
            guard let kind = byBroker.first?.scenario.kind else { continue }
            var first = true
            for (key, label, format) in Self.rows(for: kind) where byBroker.contains(where: { $0.median[key] != nil }) {
                let cells = byBroker.map { $0.spread(key, format) ?? "n/a" }
                var ratio = ""
                if byBroker.count == 2, let a = byBroker[0].median[key], let b = byBroker[1].median[key], b != 0 {
                    ratio = String(format2: a / b)
                }
                lines.append(row(first ? name : "", label, cells, ratio))
                first = false
            }
            for result in byBroker {
                for round in result.rounds where !round.errors.isEmpty {
                    lines.append("  \(result.broker) round \(round.round): \(round.errors.joined(separator: "; "))")
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    private func row(_ scenario: String, _ label: String, _ values: [String], _ ratio: String) -> String {
        scenario.padding(22) + label.padding(28) + values.map { $0.leftPadding(30) }.joined() + ratio.leftPadding(12)
    }
}
