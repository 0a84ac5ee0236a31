import NaveMQTT

/// One MQTT workload of `nave-bench mqtt` / `compare`, by name.
struct MQTTScenario: Codable {
    enum Kind: String, Codable { case connect, idle, flow }
    enum Pace: Codable, Equatable {
        /// QoS 0 as fast as possible (the subscribers' receipts close the loop).
        case saturate
        /// QoS 1, `window` unacknowledged per publisher.
        case ackWindow(Int)
        /// A fixed publish rate; nil: half the saturated median of the same run's `baseline` scenario.
        case fixedRate(Double?, window: Int)
        /// Half the lowest saturated median among the brokers of this run: every broker carries
        /// the same load, so their latencies compare directly (each one's own half-load is
        /// `fixedRate(nil, …)`, the G7 definition).
        case commonRate(window: Int)
        /// Every publisher writes as fast as its socket takes, ignoring deliveries and PUBACKs:
        /// offered load beyond what the broker can pass on (PERF.md G10).
        case unpaced
    }

    var name: String
    var kind: Kind
    var publishers = 0
    var subscribers = 0
    /// Distinct topics; publisher `i` publishes to topic `i % topics`, subscriber `j` subscribes to `j % topics`.
    var topics = 1
    var qos = 0
    var pace = Pace.saturate
    /// For a fixed-rate scenario without a rate: the saturated scenario whose median it halves.
    var baseline: String?
    /// What the scenario serves (goal numbers of PERF.md).
    var goal: String

    /// Names and defaults; `--publishers` etc. override the counts.
    static func named(_ name: String, devices: Int) -> MQTTScenario? {
        switch name {
        case "connect":
            MQTTScenario(name: name, kind: .connect, goal: "G3 connect rate, CONNECT→CONNACK percentiles")
        case "idle":
            MQTTScenario(name: name, kind: .idle, goal: "G1 connections held, G2 bytes per idle connection, G9 idle CPU")
        case "fanin-qos0":
            MQTTScenario(name: name, kind: .flow, publishers: devices, subscribers: 1, qos: 0, pace: .saturate,
                         goal: "G5 QoS 0 fan-in, saturated")
        case "fanin-qos0-latency":
            MQTTScenario(name: name, kind: .flow, publishers: devices, subscribers: 1, qos: 0, pace: .fixedRate(nil, window: 0),
                         baseline: "fanin-qos0", goal: "G7 QoS 0 latency at ~50 % of the saturated rate")
        case "fanin-qos0-same-rate":
            MQTTScenario(name: name, kind: .flow, publishers: devices, subscribers: 1, qos: 0, pace: .commonRate(window: 0),
                         baseline: "fanin-qos0", goal: "G7 QoS 0 latency, every broker at half the slowest one's saturated rate")
        case "fanin-qos1-k1":
            MQTTScenario(name: name, kind: .flow, publishers: devices, subscribers: 1, qos: 1, pace: .ackWindow(1),
                         goal: "G6 QoS 1 fan-in, 1 in flight per device")
        case "fanin-qos1-k8":
            MQTTScenario(name: name, kind: .flow, publishers: devices, subscribers: 1, qos: 1, pace: .ackWindow(8),
                         goal: "G6 QoS 1 fan-in, 8 in flight per device")
        case "fanin-qos1-latency":
            // Half of k1's rate, not k8's: at a fixed rate over 10 k devices each has at most one
            // publish in flight, so every publish is its own read and its own PUBACK, as in k1;
            // k8's saturated rate comes from packing 8 per read, which a paced device never does.
            MQTTScenario(name: name, kind: .flow, publishers: devices, subscribers: 1, qos: 1, pace: .fixedRate(nil, window: 8),
                         baseline: "fanin-qos1-k1", goal: "G7 QoS 1 latency at ~50 % of the saturated rate (1 in flight)")
        case "fanin-qos1-same-rate":
            MQTTScenario(name: name, kind: .flow, publishers: devices, subscribers: 1, qos: 1, pace: .commonRate(window: 8),
                         baseline: "fanin-qos1-k1", goal: "G7 QoS 1 latency, every broker at half the slowest one's saturated rate")
        case "fanout":
            MQTTScenario(name: name, kind: .flow, publishers: 1, subscribers: 1000, qos: 0, pace: .saturate,
                         goal: "QoS 0 fan-out, 1 → 1000 (rate counts deliveries)")
        case "pairs":
            MQTTScenario(name: name, kind: .flow, publishers: 1000, subscribers: 1000, topics: 1000, qos: 0, pace: .saturate,
                         goal: "QoS 0 point-to-point, 1000 pairs")
        case "overload-fanin-qos0", "overload-fanin-qos1":
            MQTTScenario(name: name, kind: .flow, publishers: 100, subscribers: 1, qos: name.hasSuffix("qos1") ? 1 : 0, pace: .unpaced,
                         goal: "G10 overload goodput: 100 unpaced publishers → 1 subscriber")
        case "overload-fanout-qos0", "overload-fanout-qos1":
            MQTTScenario(name: name, kind: .flow, publishers: 1, subscribers: 100, qos: name.hasSuffix("qos1") ? 1 : 0, pace: .unpaced,
                         goal: "G10 overload goodput: 1 unpaced publisher → 100 subscribers (rate counts deliveries)")
        default:
            nil
        }
    }

    static let all = ["connect", "idle", "fanin-qos0", "fanin-qos0-latency", "fanin-qos0-same-rate", "fanin-qos1-k1",
                      "fanin-qos1-k8", "fanin-qos1-latency", "fanin-qos1-same-rate", "fanout", "pairs"]
    /// The overload scenarios (G10): not in `all`, since a saturated broker distorts the
    /// rounds after it; run them by name.
    static let overload = ["overload-fanin-qos0", "overload-fanin-qos1", "overload-fanout-qos0", "overload-fanout-qos1"]

    var mqttQoS: MQTTQoS { qos == 0 ? .atMostOnce : .atLeastOnce }

    /// Topic `index`; all topics have the same length (the PUBLISH templates share offsets).
    static func topic(_ index: Int) -> String {
        let digits = String(index)
        return "bench/t/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
