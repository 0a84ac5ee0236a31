import NaveBroker
import NaveIO
import NaveStore

/// Every metric of the node at one scrape (docs/metrics.md): counters summed over the loops
/// that own them, gauges read at the scrape, the event log's histograms copied whole.
public struct NodeMetricsSnapshot: Sendable {
    /// Monotonic series (`…_total`).
    public var counters: [LoopCounterKey: Int] = [:]
    /// Values that go up and down (connections, sessions).
    public var gauges: [LoopCounterKey: Double] = [:]
    /// Histograms by metric name.
    public var histograms: [String: EventLogHistogram] = [:]

    public init() {}
}

/// What a listening port serves, for the `protocol` and `listener` labels.
struct MetricListener: Sendable {
    /// mqtt, amqp or https.
    let protocolName: String
    /// The bound address, "127.0.0.1:8883".
    let address: String
}

extension NodeMetricsSnapshot {
    typealias Label = LoopCounterKey.Label

    /// Adds the loops' summed counters: series counted with `EventLoop.count` as they are,
    /// connections per listener, TLS handshakes.
    mutating func add(loops values: LoopCounterValues, listeners: [Int: MetricListener]) {
        counters.merge(values.values, uniquingKeysWith: +)
        for (port, listener) in listeners {
            let labels = [Label("protocol", listener.protocolName), Label("listener", listener.address)]
            gauges[LoopCounterKey("nave_connections", labels)] = Double(values.openConnectionsByPort[port] ?? 0)
            counters[LoopCounterKey("nave_connections_accepted_total", labels)] = values.acceptedConnectionsByPort[port] ?? 0
        }
        counters[LoopCounterKey("nave_tls_handshakes_total", [Label("kind", "full")])] = values.tlsHandshakesFull
        counters[LoopCounterKey("nave_tls_handshakes_total", [Label("kind", "resumed")])] = values.tlsHandshakesResumed
    }

    /// The general broker's and device MQTT's message counts, drops and sessions.
    mutating func add(broker statistics: BrokerStatistics, byQoS: (received: [Int], delivered: [Int])) {
        for qos in 0..<3 {
            let labels = [Label("protocol", "mqtt"), Label("qos", String(qos))]
            counters[LoopCounterKey("nave_messages_in_total", labels)] = byQoS.received[qos]
            counters[LoopCounterKey("nave_messages_out_total", labels)] = byQoS.delivered[qos]
        }
        counters[LoopCounterKey("nave_messages_dropped_total", [Label("reason", "slow_subscriber")])] = statistics.qos0Dropped
        counters[LoopCounterKey("nave_messages_dropped_total", [Label("reason", "session_queue_full")])] = statistics.queuedDropped
        counters[LoopCounterKey("nave_mqtt_publisher_pauses_total")] = statistics.publisherPauses
        counters[LoopCounterKey("nave_mqtt_connections_closed_for_errors_total")] = statistics.connectionsClosedForErrors
        gauges[LoopCounterKey("nave_sessions")] = Double(statistics.sessions)
        gauges[LoopCounterKey("nave_mqtt_subscriptions")] = Double(statistics.subscriptions)
        gauges[LoopCounterKey("nave_mqtt_retained_messages")] = Double(statistics.retainedMessages)
    }

    /// The built-in events endpoint's log: appends, group commits, refusals and histograms.
    mutating func add(eventLog statistics: EventLogStatistics,
                      histograms: (groupCommitRecords: EventLogHistogram, fsyncSeconds: EventLogHistogram)) {
        counters[LoopCounterKey("nave_event_log_appends_total")] = statistics.recordsCommitted
        counters[LoopCounterKey("nave_event_log_group_commits_total")] = statistics.groupCommits
        counters[LoopCounterKey("nave_messages_dropped_total", [Label("reason", "storage_full")])] = statistics.recordsRefusedForSpace
        self.histograms["nave_event_log_group_commit_records"] = histograms.groupCommitRecords
        self.histograms["nave_event_log_fsync_seconds"] = histograms.fsyncSeconds
    }
}
