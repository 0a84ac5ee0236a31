import Logging
import Synchronization
import NaveIO

/// The admin listener and metrics of a node (issue #16).
extension NaveServer {
    /// Gathers the loops' counters now and hands them to `metrics` (swift-metrics): what a
    /// `/metrics` scrape does first. An embedder whose own backend `metrics` writes to calls
    /// this on its own schedule. False when the loops did not answer (the node is stopping).
    @discardableResult
    public func publishMetrics() async -> Bool {
        await Self.publish(collector: collector, metrics: metrics, timerLoop: admin?.timerLoop ?? group.loops[0])
    }

    static func publish(collector: NodeMetricsCollector, metrics: NodeMetrics, timerLoop: EventLoop) async -> Bool {
        guard let snapshot = await collector.collect(timerLoop: timerLoop) else { return false }
        metrics.publish(snapshot)
        return true
    }

    /// The admin listener when `admin.listeners` names any address.
    static func openAdmin(_ configuration: NaveConfiguration, health: NodeHealth, collector: NodeMetricsCollector,
                          metrics: NodeMetrics, logger: Logger) throws -> AdminListener? {
        guard !configuration.admin.listeners.isEmpty else { return nil }
        let timerLoop = Mutex<EventLoop?>(nil)
        let responder = AdminResponder(health: health) { openMetrics in
            guard let loop = timerLoop.withLock({ $0 }),
                  await publish(collector: collector, metrics: metrics, timerLoop: loop) else { return nil }
            return metrics.exposition(openMetrics: openMetrics)
        }
        let admin = try AdminListener(configuration: configuration.admin, engine: configuration.engine, responder: responder, logger: logger)
        timerLoop.withLock { $0 = admin.timerLoop }
        return admin
    }

    /// Port → protocol and bound address, for the `protocol` and `listener` labels.
    static func metricListeners(_ byProtocol: [String: [ListeningSocket]]) -> [Int: MetricListener] {
        var listeners: [Int: MetricListener] = [:]
        for (protocolName, sockets) in byProtocol {
            for socket in sockets {
                listeners[socket.address.port] = MetricListener(protocolName: protocolName, address: "\(socket.address)")
            }
        }
        return listeners
    }
}
