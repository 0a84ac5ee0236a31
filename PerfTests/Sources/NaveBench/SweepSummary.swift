/// What `nave-bench sweep` concludes: per scenario, the setting that won on rate (or, at a fixed
/// rate, on p99 latency) and the one that won on broker CPU per message, each against the
/// runner-up, and the settings it did not run.
struct SweepSummary: Codable {
    /// The best setting on one metric, by median over the rounds.
    struct Ranking: Codable {
        var metric: String
        var winner: String
        var winnerMedian: Double
        var runnerUp: String?
        var runnerUpMedian: Double?
        /// How much better the winner is, ≥ 1: winner / runner-up for rates, runner-up / winner
        /// for costs and latencies.
        var margin: Double?
        /// The winner's min–max range meets the runner-up's: with this few rounds on a shared
        /// machine, not a clear win (PERF.md rules 3 and 4).
        var rangesOverlap: Bool
    }

    struct ScenarioVerdict: Codable {
        var scenario: String
        /// Rate for saturated and windowed flows and connect storms; p99 for fixed-rate flows,
        /// where every setting publishes at half its own saturated rate.
        var primary: Ranking?
        var cpuPerMessage: Ranking?
    }

    /// A loops × shards combination the sweep left out, and why.
    struct Skipped: Codable {
        var loops: Int
        var shards: Int
        var reason: String
    }

    var loops: [Int]
    var shards: [Int]
    var skipped: [Skipped]
    var verdicts: [ScenarioVerdict]

    init(loops: [Int], shards: [Int], skipped: [Skipped], results: [MQTTScenarioResult]) {
        self.loops = loops
        self.shards = shards
        self.skipped = skipped
        var names: [String] = []
        for result in results where !names.contains(result.scenario.name) { names.append(result.scenario.name) }
        verdicts = names.map { name in
            let settings = results.filter { $0.scenario.name == name }
            let primary: Ranking?
            if case .fixedRate = settings[0].scenario.pace {
                primary = Self.rank(settings, metric: "latencyP99Micros", higherIsBetter: false)
            } else {
                primary = Self.rank(settings, metric: Self.rateMetric(settings[0].scenario.kind), higherIsBetter: true)
            }
            return ScenarioVerdict(scenario: name, primary: primary,
                                   cpuPerMessage: Self.rank(settings, metric: "brokerCPUNanosPerMessage", higherIsBetter: false))
        }
    }

    /// The rate a scenario kind is judged by.
    static func rateMetric(_ kind: MQTTScenario.Kind) -> String {
        kind == .connect ? "connectsPerSecond" : "deliveredPerSecond"
    }

    /// Orders the settings by their median of `metric` and compares the best two.
    static func rank(_ settings: [MQTTScenarioResult], metric: String, higherIsBetter: Bool) -> Ranking? {
        let measured = settings.filter { $0.median[metric] != nil }
        let ordered = measured.sorted {
            higherIsBetter ? $0.median[metric]! > $1.median[metric]! : $0.median[metric]! < $1.median[metric]!
        }
        guard let best = ordered.first, let bestMedian = best.median[metric] else { return nil }
        var ranking = Ranking(metric: metric, winner: best.broker, winnerMedian: bestMedian, rangesOverlap: false)
        guard ordered.count > 1, let next = ordered.dropFirst().first, let nextMedian = next.median[metric] else { return ranking }
        ranking.runnerUp = next.broker
        ranking.runnerUpMedian = nextMedian
        let (better, worse) = higherIsBetter ? (bestMedian, nextMedian) : (nextMedian, bestMedian)
        ranking.margin = worse > 0 ? better / worse : nil
        if let bestLow = best.min[metric], let bestHigh = best.max[metric],
           let nextLow = next.min[metric], let nextHigh = next.max[metric] {
            ranking.rangesOverlap = bestLow <= nextHigh && nextLow <= bestHigh
        }
        return ranking
    }
}
