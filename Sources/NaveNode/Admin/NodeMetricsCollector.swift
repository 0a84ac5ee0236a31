import NaveBroker
import NaveCore
import NaveIO
import Synchronization

/// Builds a `NodeMetricsSnapshot` at scrape time (issue #16's hot-path rule): the per-message
/// and per-event counters stay with the loops, broker shards and event-log writers that own
/// them; a scrape hops onto every loop (`LoopGather`) to copy them and sums here.
final class NodeMetricsCollector: Sendable {
    private let loops: [EventLoop]
    private let broker: Broker
    private let resources: HubResources?
    private let hub: Hub?
    private let listeners: [Int: MetricListener]
    private let timeout: Duration
    /// False once the node's loops are stopping: they will not answer a hop again.
    private let loopsRunning = Atomic<Bool>(true)

    init(loops: [EventLoop], broker: Broker, resources: HubResources?, hub: Hub?, listeners: [Int: MetricListener],
         timeout: Duration) {
        self.loops = loops
        self.broker = broker
        self.resources = resources
        self.hub = hub
        self.listeners = listeners
        self.timeout = timeout
    }

    /// Called before the node stops its loops.
    func loopsStopping() { loopsRunning.store(false, ordering: .releasing) }

    /// The node's metrics now, or nil when a loop did not hand over its counters within the
    /// timeout (or the loops are stopping). `timerLoop` runs the timeout: a loop of its own.
    /// The hub's services (C2D shards, methods, twins, routing) are read after the loops, under
    /// the same timeout: the C2D shards are actors on those loops.
    func collect(timerLoop: EventLoop) async -> NodeMetricsSnapshot? {
        guard loopsRunning.load(ordering: .acquiring),
              let perLoop = await LoopGather.gather(loops, timeout: timeout, timerLoop: timerLoop, read: { $0.counterValues })
        else { return nil }
        var snapshot = snapshot(summing: perLoop)
        if let hub, let resources {
            guard loopsRunning.load(ordering: .acquiring),
                  let statistics = await LoopGather.within(timeout, timerLoop: timerLoop, { await HubStatistics.read(hub, resources) })
            else { return nil }
            snapshot.add(hub: statistics)
        }
        return snapshot
    }

    /// The snapshot from the loops' copies (separate from the gather so tests can feed it).
    func snapshot(summing perLoop: [LoopCounterValues]) -> NodeMetricsSnapshot {
        var total = LoopCounterValues()
        for values in perLoop { total.add(values) }
        var snapshot = NodeMetricsSnapshot()
        snapshot.add(loops: total, listeners: listeners)
        snapshot.add(broker: broker.statistics, byQoS: broker.messagesByQoS)
        if let events = resources?.events {
            snapshot.add(eventLog: events.statistics, histograms: events.histograms)
        }
        return snapshot
    }
}
