import NaveStore

/// The text formats `/metrics` answers in: Prometheus' text exposition format 0.0.4 (what
/// swift-prometheus emits) and OpenMetrics 1.0 (for `Accept: application/openmetrics-text`).
enum PrometheusExposition {
    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"
    static let openMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    /// Whether an `Accept` header asks for OpenMetrics (Prometheus sends it first when it can
    /// parse it).
    static func prefersOpenMetrics(_ accept: String?) -> Bool {
        accept?.contains("application/openmetrics-text") ?? false
    }

    /// Appends `histogram` as cumulative `_bucket` series, `_sum` and `_count`.
    static func appendHistogram(_ histogram: EventLogHistogram, name: String, to text: inout [UInt8]) {
        var lines = "# TYPE \(name) histogram\n"
        var cumulative = 0
        for (index, bound) in histogram.upperBounds.enumerated() {
            cumulative += histogram.counts[index]
            lines += "\(name)_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += histogram.counts[histogram.upperBounds.count]
        lines += "\(name)_bucket{le=\"+Inf\"} \(cumulative)\n\(name)_sum \(histogram.sum)\n\(name)_count \(cumulative)\n"
        text += Array(lines.utf8)
    }

    /// OpenMetrics differs from the Prometheus text here only in naming a counter family
    /// without its `_total` suffix in `# TYPE` and `# HELP`, and in ending with `# EOF`
    /// (OpenMetrics 1.0 §"Counter", §"Overall Structure").
    static func openMetrics(fromPrometheusText text: [UInt8]) -> [UInt8] {
        var output = ""
        var counters = Set<Substring>()
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        for line in lines where line.hasPrefix("# TYPE ") && line.hasSuffix(" counter") {
            counters.insert(line.dropFirst("# TYPE ".count).dropLast(" counter".count))
        }
        for line in lines {
            output += rename(line, counters: counters)
            output += "\n"
        }
        output += "# EOF\n"
        return Array(output.utf8)
    }

    private static func rename(_ line: Substring, counters: Set<Substring>) -> Substring {
        for prefix in ["# TYPE ", "# HELP "] where line.hasPrefix(prefix) {
            let rest = line.dropFirst(prefix.count)
            guard let end = rest.firstIndex(of: " ") else { return line }
            let name = rest[..<end]
            guard counters.contains(name), name.hasSuffix("_total") else { return line }
            return Substring(prefix + name.dropLast("_total".count) + rest[end...])
        }
        return line
    }
}
