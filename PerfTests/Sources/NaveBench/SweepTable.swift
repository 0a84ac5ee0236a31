/// The terminal summary of `nave-bench sweep`: one block per scenario with a row per setting
/// (its broker CPUs; rate, broker CPU per message and p99 as "median (min–max)"; other load on
/// the machine), then the winners and the settings left out.
struct SweepTable {
    let result: MQTTRunResult
    let summary: SweepSummary

    func render() -> String {
        let settings = result.settings
        let client = result.setups.first?.clientCPU.map { "client CPU \($0)" } ?? "unpinned"
        var lines = [
            "Sweep — nave \(result.naveRevision)\(result.naveTreeDirty ? " (dirty tree)" : ""), kernel \(result.kernel), \(result.onlineCPUs) CPUs; "
                + "\(settings["rounds"] ?? "?") rounds × \(settings["roundSeconds"] ?? "?") s after \(settings["warmupSeconds"] ?? "?") s warm-up, "
                + "\(settings["devices"] ?? "?") devices, \(settings["payloadBytes"] ?? "?")-byte payloads, load generator on \(client)",
        ]
        for verdict in summary.verdicts {
            let rows = result.setups.compactMap { setup in
                result.results.first { $0.scenario.name == verdict.scenario && $0.broker == setup.label }.map { (setup, $0) }
            }
            guard let kind = rows.first?.1.scenario.kind else { continue }
            let rate = kind == .connect ? "CONNACKs/s" : "deliveries/s"
            let perMessage = kind == .connect ? "connect" : "delivery"
            lines.append("")
            lines.append(row(verdict.scenario, "setting", "broker CPUs", "\(rate) median (min–max)",
                             "broker CPU ns/\(perMessage)", "p99 µs", "other load"))
            lines.append(String(repeating: "-", count: Self.widths.reduce(0, +)))
            for (setup, measured) in rows {
                lines.append(row("", setup.label, CPUAffinity.describe(setup.brokerCPUs) + (setup.sharesClientCPU ? "*" : ""),
                                 measured.spread(SweepSummary.rateMetric(kind), formatRate) ?? "n/a",
                                 measured.spread("brokerCPUNanosPerMessage") { "\(Int($0.rounded()))" } ?? "n/a",
                                 measured.spread("latencyP99Micros", formatMicros) ?? "n/a",
                                 measured.median["otherCPUCores"].map { String(format2: $0) } ?? "n/a"))
                for round in measured.rounds where !round.errors.isEmpty {
                    lines.append("  \(setup.label) round \(round.round): \(round.errors.joined(separator: "; "))")
                }
            }
            if let primary = verdict.primary { lines.append("  " + describe(primary, perMessage: perMessage)) }
            if let cpu = verdict.cpuPerMessage { lines.append("  " + describe(cpu, perMessage: perMessage)) }
        }
        lines.append("")
        lines.append("* the broker may run on the load generator's CPU (a second loop on 2 cores has nowhere else to go)")
        lines.append("  other load: CPU cores busy outside broker and load generator (median); above ~0.1 the machine was shared")
        for skipped in summary.skipped {
            lines.append("skipped: loops \(skipped.loops), shards \(skipped.shards): \(skipped.reason)")
        }
        return lines.joined(separator: "\n")
    }

    /// "fastest (median rate): loops 2, shards 2 at 212.3 k/s, 1.08× loops 1, shards 1 (196.0 k/s)"
    /// or, for costs, "…; loops 2, shards 1 needs 1.25× that (1790 ns/delivery)".
    private func describe(_ ranking: SweepSummary.Ranking, perMessage: String) -> String {
        let (title, value): (String, (Double) -> String)
        switch ranking.metric {
        case "brokerCPUNanosPerMessage": (title, value) = ("least broker CPU", { "\(Int($0.rounded())) ns/\(perMessage)" })
        case "latencyP99Micros": (title, value) = ("lowest p99", { formatMicros($0) + " µs" })
        default: (title, value) = ("fastest (median rate)", { formatRate($0) + "/s" })
        }
        var text = "\(title): \(ranking.winner) at \(value(ranking.winnerMedian))"
        guard let runnerUp = ranking.runnerUp, let runnerUpMedian = ranking.runnerUpMedian else { return text + " (the only setting)" }
        let margin = ranking.margin.map { String(format2: $0) } ?? "?"
        if ranking.metric == SweepSummary.rateMetric(.connect) || ranking.metric == SweepSummary.rateMetric(.flow) {
            text += ", \(margin)× \(runnerUp) (\(value(runnerUpMedian)))"
        } else {
            text += "; \(runnerUp) next with \(margin)× that (\(value(runnerUpMedian)))"
        }
        if ranking.rangesOverlap { text += "; min–max ranges overlap: no clear win in \(result.settings["rounds"] ?? "these") rounds" }
        return text
    }

    private static let widths = [14, 19, 13, 32, 26, 24, 11]

    private func row(_ cells: String...) -> String {
        zip(cells, Self.widths).enumerated().map { index, pair in
            index < 3 ? pair.0.padding(pair.1) : pair.0.leftPadding(pair.1)
        }.joined()
    }
}
