/// One scenario against one target: its rounds (`MQTTRoundSample`: metrics by name and
/// latency), median / min / max of every metric, and figures read once per target run (the
/// event log's group commits).
struct HubScenarioResult: Codable {
    var scenario: HubScenario
    var target: String
    var rounds: [MQTTRoundSample]
    var median: [String: Double] = [:]
    var min: [String: Double] = [:]
    var max: [String: Double] = [:]
    var once: [String: Double] = [:]

    init(scenario: HubScenario, target: String, rounds: [MQTTRoundSample], once: [String: Double]) {
        self.scenario = scenario
        self.target = target
        self.rounds = rounds
        self.once = once
        (median, min, max) = MQTTRoundSample.spread(of: rounds)
    }
}

/// The JSON file's top level for `nave-bench hub`.
struct HubRunResult: Codable {
    var benchmark: String
    var timestamp: String
    var naveRevision: String
    var naveTreeDirty: Bool
    var kernel: String
    var onlineCPUs: Int
    var targets: [String: String]
    /// 1-minute load average before and after the run (other users of the machine).
    var loadAverageBefore: Double
    var loadAverageAfter: Double
    var settings: [String: String]
    var method: [String: String]
    var results: [HubScenarioResult]
}

/// The terminal summary: per scenario, targets side by side as "median (min–max)".
struct HubTable {
    let result: HubRunResult

    private static var rows: [(String, String, (Double) -> String)] {
        let rate: (Double) -> String = formatRate
        let micros: (Double) -> String = formatMicros
        let whole: (Double) -> String = { "\(Int($0.rounded()))" }
        let cores: (Double) -> String = { String(format2: $0) }
        let mebibytes: (Double) -> String = { String(format1: $0 / 1_048_576) }
        return [
            ("connectsPerSecond", "CONNACKs/s", rate), ("resumedFraction", "TLS resumed fraction", cores),
            ("targetCPUNanosPerConnect", "target CPU µs/connect", { String(format1: $0 / 1000) }),
            ("targetBoundConnectsPerSecond", "  → target-bound CONNACKs/s", rate),
            ("targetCPUNanosPerClose", "target CPU µs/disconnect", { String(format1: $0 / 1000) }),
            ("connectFailures", "failed connects", whole),
            ("targetRate", "target rate/s", rate), ("completedPerSecond", "answered/s", rate), ("sentPerSecond", "sent/s", rate),
            ("targetCPUNanosPerMessage", "target CPU µs/answer", { String(format1: $0 / 1000) }),
            ("targetBoundPerSecond", "  → target-bound answers/s", rate),
            ("latencyP50Micros", "latency p50 µs", micros), ("latencyP90Micros", "  p90 µs", micros),
            ("latencyP99Micros", "  p99 µs", micros), ("latencyP999Micros", "  p99.9 µs", micros), ("latencyMaxMicros", "  max µs", micros),
            ("failedResponses", "error answers", whole),
            ("targetCPUCores", "target CPU (cores)", cores), ("clientCPUCores", "client CPU (cores)", cores),
            ("otherCPUCores", "other load (cores)", cores), ("targetRSSBytes", "target RSS MiB", mebibytes),
        ]
    }

    func render() -> String {
        var lines = ["hub — nave \(result.naveRevision)\(result.naveTreeDirty ? " (dirty tree)" : ""), kernel \(result.kernel), "
            + "load average \(String(format2: result.loadAverageBefore)) before, \(String(format2: result.loadAverageAfter)) after; "
            + result.settings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
        let targets = HubTarget.Kind.allCases.map(\.rawValue).filter { name in result.results.contains { $0.target == name } }
        lines.append(row("scenario", "metric", targets.map { "\($0) median (min–max)" }))
        lines.append(String(repeating: "-", count: 22 + 30 + 30 * targets.count))
        var names: [String] = []
        for result in result.results where !names.contains(result.scenario.name) { names.append(result.scenario.name) }
        for name in names {
            let byTarget = targets.map { target in result.results.first { $0.scenario.name == name && $0.target == target } }
            if byTarget.contains(where: { $0?.scenario.kind == .sweep }) {
                lines += sweepLines(name, byTarget.compactMap { $0 })
                continue
            }
            var first = true
            for (key, label, format) in Self.rows where byTarget.contains(where: { $0?.median[key] != nil }) {
                let cells = byTarget.map { result -> String in
                    guard let result, let median = result.median[key] else { return "–" }
                    guard result.rounds.count > 1, let low = result.min[key], let high = result.max[key] else { return format(median) }
                    return "\(format(median)) (\(format(low))–\(format(high)))"
                }
                lines.append(row(first ? name : "", label, cells))
                first = false
            }
            lines += onceLines(byTarget.compactMap { $0 })
        }
        return lines.joined(separator: "\n")
    }

    /// A sweep: one line per rate step (no medians: each step is one measurement).
    private func sweepLines(_ name: String, _ results: [HubScenarioResult]) -> [String] {
        var lines: [String] = []
        for result in results {
            lines.append("\(name) (\(result.target)): target/s → answered/s, CPU µs/answer, p50 / p99 / p99.9 µs")
            for round in result.rounds {
                let m = round.metrics
                let latency = round.latency
                lines.append("  " + formatRate(m["targetRate"] ?? 0).leftPadding(9) + " → " + formatRate(m["completedPerSecond"] ?? 0).leftPadding(9)
                    + String(format1: (m["targetCPUNanosPerMessage"] ?? 0) / 1000).leftPadding(8) + "   "
                    + [latency?.p50Micros, latency?.p99Micros, latency?.p999Micros].map { formatMicros($0 ?? 0) }.joined(separator: " / "))
            }
            if let best = result.once["highestRateP99Under10ms"] {
                lines.append("  highest rate with p99 < 10 ms and ≥ 95 % delivered: \(best > 0 ? formatRate(best) + "/s" : "none of the steps")")
            }
        }
        return lines
    }

    private func onceLines(_ results: [HubScenarioResult]) -> [String] {
        var lines: [String] = []
        for result in results {
            if let perCommit = result.once["eventLogRecordsPerGroupCommit"] {
                lines.append("".padding(22) + "event log (\(result.target), whole node run): \(String(format1: perCommit)) records per group commit, "
                    + "\(Int(result.once["eventLogGroupCommits"] ?? 0)) commits, largest \(Int(result.once["eventLogLargestGroupCommit"] ?? 0))")
            }
            if let perSecond = result.once["jobDevicesPerSecond"] {
                lines.append("".padding(22) + "job (\(result.target)): \(Int(result.once["jobSucceededCount"] ?? 0)) of "
                    + "\(Int(result.once["jobDeviceCount"] ?? 0)) devices at \(String(format1: perSecond)) devices/s"
                    + (result.once["jobCompleted"] == 1 ? "" : " (NOT completed)") + "; telemetry p99 "
                    + "\(formatMicros(result.once["telemetryP99MicrosWithoutJob"] ?? 0)) µs without, worst round during "
                    + "\(formatMicros(result.once["telemetryP99MicrosDuringJobWorstRound"] ?? 0)) µs")
            }
            for round in result.rounds where !round.errors.isEmpty {
                lines.append("  \(result.target) round \(round.round): \(round.errors.joined(separator: "; "))")
            }
        }
        return lines
    }

    private func row(_ scenario: String, _ label: String, _ values: [String]) -> String {
        scenario.padding(22) + label.padding(30) + values.map { $0.leftPadding(30) }.joined()
    }
}
