import Foundation

/// The chart written beside each JSON result (`results/NAME.json` → `results/NAME.svg`), chosen
/// from the result's shape so every command gets one without its own drawing code:
/// - a sweep (rounds carrying `targetRate` and latency): p50/p99/p99.9 against offered rate;
/// - results from two or more brokers or targets (`compare`, `hub` on nave and mosquitto): one
///   panel per scenario, a bar per broker;
/// - anything else: bars of the result's headline figures.
enum ResultChart {
    /// The median figure a scenario is judged by, first present wins (rates before sizes).
    static let headlineMetrics = ["deliveredPerSecond", "completedPerSecond", "connectsPerSecond", "messagesPerSecond",
                                  "medianMessagesPerSecond", "bytesPerIdleConnection", "p50Micros"]

    /// Writes the chart for the JSON at `jsonPath` beside it and returns the SVG's path; a
    /// chart is a convenience, so a result it cannot read leaves no SVG and stops nothing.
    @discardableResult
    static func writeBeside(_ jsonPath: String) -> String? {
        guard let data = FileManager.default.contents(atPath: jsonPath),
              let root = try? JSONSerialization.jsonObject(with: data) else { return nil }
        let name = URL(fileURLWithPath: jsonPath).deletingPathExtension().lastPathComponent
        let svgPath = URL(fileURLWithPath: jsonPath).deletingPathExtension().appendingPathExtension("svg").path
        do {
            try svg(for: root, name: name).write(toFile: svgPath, atomically: true, encoding: .utf8)
            return svgPath
        } catch {
            return nil
        }
    }

    /// The chart for a decoded result (`JSONSerialization`'s objects).
    static func svg(for root: Any, name: String) -> String {
        let object = root as? [String: Any] ?? [:]
        let revision = (object["naveRevision"] as? String).map { " — nave \($0)" } ?? ""
        let results = object["results"] as? [[String: Any]] ?? []
        let sweeps = results.compactMap(sweepSeries)
        if !sweeps.isEmpty {
            return SVGChart.lineChart(title: "\(name): latency against offered rate\(revision)", xLabel: "offered rate (messages/s)",
                                      yLabel: "latency (µs, log scale)", series: sweeps.flatMap { $0 })
        }
        if !results.isEmpty {
            let labels = Set(results.map(label))
            let ordered = labels.sorted { ($0 == "nave" ? "" : $0) < ($1 == "nave" ? "" : $1) }
            let kind = labels.count > 1 ? ordered.joined(separator: " vs ") : "median per scenario"
            return SVGChart.barPanels(title: "\(name): \(kind)\(revision)", panels: panels(results))
        }
        let figures = object.compactMap { key, value in number(value).map { SVGChart.Bar(label: key, value: $0) } }
            .sorted { $0.label < $1.label }
        return SVGChart.barPanels(title: "\(name)\(revision)", panels: figures.map { SVGChart.Panel(title: $0.label, bars: [$0]) })
    }

    /// p50, p99 and p99.9 against `targetRate` over a sweep's rounds; nil when not a sweep.
    static func sweepSeries(_ result: [String: Any]) -> [SVGChart.Series]? {
        let rounds = (result["rounds"] as? [[String: Any]] ?? []).compactMap { round -> (Double, [String: Any])? in
            guard let rate = ((round["metrics"] as? [String: Any])?["targetRate"]).flatMap(number),
                  let latency = round["latency"] as? [String: Any] else { return nil }
            return (rate, latency)
        }
        guard !rounds.isEmpty else { return nil }
        let prefix = label(result) == "nave" ? "" : label(result) + " "
        return [("p50", "p50Micros"), ("p99", "p99Micros"), ("p99.9", "p999Micros")].map { name, key in
            SVGChart.Series(name: prefix + name, points: rounds.compactMap { rate, latency in latency[key].flatMap(number).map { (rate, $0) } })
        }
    }

    /// One panel per scenario (in the result's order), a bar per broker or target.
    static func panels(_ results: [[String: Any]]) -> [SVGChart.Panel] {
        var order: [String] = []
        var bars: [String: [SVGChart.Bar]] = [:]
        var metrics: [String: String] = [:]
        for result in results {
            let scenario = (result["scenario"] as? [String: Any])?["name"] as? String ?? result["scenario"] as? String
                ?? result["name"] as? String ?? "result"
            guard let (metric, value) = headline(result) else { continue }
            if bars[scenario] == nil { order.append(scenario) }
            metrics[scenario] = metrics[scenario] ?? metric
            bars[scenario, default: []].append(SVGChart.Bar(label: label(result), value: value))
        }
        return order.map { SVGChart.Panel(title: "\($0) — \(metrics[$0] ?? "")", bars: bars[$0] ?? []) }
    }

    /// Whose result this is: `broker` (compare), `target` (hub), `backend` (echo), else nave.
    static func label(_ result: [String: Any]) -> String {
        (result["broker"] ?? result["target"] ?? result["backend"]) as? String ?? "nave"
    }

    /// The first headline metric the result's medians (or its own fields) carry.
    static func headline(_ result: [String: Any]) -> (String, Double)? {
        let median = result["median"] as? [String: Any] ?? [:]
        for key in headlineMetrics {
            if let value = (median[key] ?? result[key]).flatMap(number) { return (key, value) }
        }
        return median.keys.sorted().lazy.compactMap { key in median[key].flatMap(number).map { (key, $0) } }.first
    }

    /// A JSON number as a Double (booleans, which Foundation also bridges to NSNumber, are not).
    static func number(_ value: Any) -> Double? {
        guard !(value is Bool), let value = value as? NSNumber, String(cString: value.objCType) != "c" else { return nil }
        return value.doubleValue
    }
}
