import NaveIO

/// The hub's series (docs/metrics.md): C2D, routing endpoints, direct methods, twins.
extension NodeMetricsSnapshot {
    mutating func add(hub statistics: HubStatistics) {
        let c2d = statistics.cloudToDevice
        gauges[LoopCounterKey("nave_c2d_queue_depth")] = Double(c2d.queued)
        let c2dOutcomes = [("sent", c2d.sent), ("completed", c2d.completed), ("rejected", c2d.rejected),
                           ("abandoned", c2d.abandoned), ("expired", c2d.expired), ("deadlettered", c2d.deadLettered)]
        add("nave_c2d_messages_total", label: "outcome", c2dOutcomes)
        let calls = statistics.methodCalls
        add("nave_method_calls_total", label: "outcome",
            [("answered", calls.answered), ("timeout", calls.timeout), ("unreachable", calls.unreachable),
             ("throttled", calls.throttled), ("cancelled", calls.cancelled)])
        let twins = statistics.twinOperations
        add("nave_twin_operations_total", label: "op",
            [("get", twins.get), ("update", twins.update), ("replace", twins.replace), ("reported", twins.reported)])
        counters[LoopCounterKey("nave_routing_dropped_total")] = statistics.routingDropped
        counters[LoopCounterKey("nave_routing_problems_total")] = statistics.routingProblems
        for (endpoint, delivery) in statistics.endpoints {
            let labels = [Label("endpoint", endpoint)]
            gauges[LoopCounterKey("nave_routing_endpoint_backlog", labels)] = Double(delivery.backlog)
            counters[LoopCounterKey("nave_routing_delivered_total", labels)] = delivery.counts.delivered
            counters[LoopCounterKey("nave_routing_dead_lettered_total", labels)] = delivery.counts.deadLettered
        }
    }

    /// One counter series per value of `label`.
    private mutating func add(_ name: String, label: String, _ values: [(String, Int)]) {
        for (value, count) in values { counters[LoopCounterKey(name, [Label(label, value)])] = count }
    }
}
