/// The terminal summary of `nave-bench amqp`: per scenario, each metric as "median (min–max)"
/// over its rounds, and the figures measured once.
struct AMQPTable {
    let result: HubRunResult

    func render() -> String {
        var lines = ["amqp — nave \(result.naveRevision)\(result.naveTreeDirty ? " (dirty tree)" : ""), kernel \(result.kernel), "
            + "load average \(String(format2: result.loadAverageBefore)) before, \(String(format2: result.loadAverageAfter)) after; "
            + result.settings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
        for scenario in result.results {
            lines.append("")
            lines.append("\(scenario.scenario.name) (\(scenario.rounds.count) rounds): \(scenario.scenario.goal)")
            for name in scenario.median.keys.sorted() {
                let median = scenario.median[name]!, low = scenario.min[name] ?? median, high = scenario.max[name] ?? median
                lines.append("  " + name.padding(34) + "\(Self.format(name, median))  (\(Self.format(name, low))–\(Self.format(name, high)))")
            }
            for (name, value) in scenario.once.sorted(by: { $0.key < $1.key }) {
                lines.append("  " + (name + " (once)").padding(34) + Self.format(name, value))
            }
            for round in scenario.rounds where !round.errors.isEmpty {
                lines.append("  round \(round.round): \(round.errors.joined(separator: "; "))")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func format(_ name: String, _ value: Double) -> String {
        if name.hasSuffix("Micros") { return formatMicros(value) + " µs" }
        if name.hasSuffix("PerSecond") || name == "targetRate" || name == "publishRate" { return formatRate(value) + "/s" }
        if name.contains("Nanos") { return String(format1: value / 1000) + " µs" }
        if name.hasSuffix("RSSBytes") { return String(format1: value / 1_048_576) + " MiB" }
        if name.hasSuffix("Cores") || name.hasSuffix("Fraction") { return String(format2: value) }
        return "\(Int(value.rounded()))"
    }
}
