import CoreMetrics
import NaveIO
import NaveStore
import Prometheus
import Synchronization

/// The node's metrics as swift-metrics sees them (issue #16). A scrape's snapshot is handed to
/// swift-metrics counters (by the amount each sum grew since the last scrape) and gauges, made
/// by `factory`: by default a swift-prometheus factory over this node's own registry, which
/// `/metrics` renders; an embedder may pass its own backend's factory instead and call
/// `NaveServer.publishMetrics()` on its own schedule. Nothing here runs per message.
public final class NodeMetrics: Sendable {
    /// The registry `/metrics` renders (the default factory writes into it).
    public let registry: PrometheusCollectorRegistry
    private let factory: any MetricsFactory
    private let state = Mutex(State())

    private struct State {
        var counters: [LoopCounterKey: (handler: CoreMetrics.Counter, reported: Int)] = [:]
        var gauges: [LoopCounterKey: CoreMetrics.Gauge] = [:]
        /// The last snapshot's histograms, which swift-metrics cannot take as bucket counts:
        /// `/metrics` renders them itself (`PrometheusExposition`).
        var histograms: [String: EventLogHistogram] = [:]
    }

    /// `factory` nil: a swift-prometheus factory over a registry of this node's own (not the
    /// process-wide default, so two nodes in one process keep their counts apart).
    public init(factory: (any MetricsFactory)? = nil) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.factory = factory ?? PrometheusMetricsFactory(registry: registry)
    }

    /// Hands `snapshot` to swift-metrics: counters grow by what their sums grew, gauges take
    /// their values.
    func publish(_ snapshot: NodeMetricsSnapshot) {
        let factory = factory
        state.withLock { state in
            for (key, value) in snapshot.counters {
                let entry = state.counters[key] ?? (CoreMetrics.Counter(label: key.name, dimensions: key.dimensions, factory: factory), 0)
                if value > entry.reported { entry.handler.increment(by: value - entry.reported) }
                state.counters[key] = (entry.handler, max(value, entry.reported))
            }
            for (key, value) in snapshot.gauges {
                let gauge = state.gauges[key] ?? CoreMetrics.Gauge(label: key.name, dimensions: key.dimensions, factory: factory)
                gauge.record(value)
                state.gauges[key] = gauge
            }
            state.histograms = snapshot.histograms
        }
    }

    /// The exposition of everything published so far: Prometheus text (0.0.4), or OpenMetrics
    /// 1.0 when `openMetrics`.
    func exposition(openMetrics: Bool) -> [UInt8] {
        var text = registry.emitToBuffer()
        let histograms = state.withLock { $0.histograms }
        for name in histograms.keys.sorted() {
            PrometheusExposition.appendHistogram(histograms[name]!, name: name, to: &text)
        }
        return openMetrics ? PrometheusExposition.openMetrics(fromPrometheusText: text) : text
    }
}

extension LoopCounterKey {
    /// swift-metrics' dimensions.
    var dimensions: [(String, String)] { labels.map { ($0.name, $0.value) } }
}
