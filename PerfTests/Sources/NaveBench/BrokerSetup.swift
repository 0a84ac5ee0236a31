/// One broker configuration that measured rounds alternate between: which broker, its event
/// loops and router shards, and where it and the load generator run. `mqtt` and `compare`
/// alternate brokers (Nave, Mosquitto) in one placement; `sweep` alternates Nave's loop and
/// shard settings, each with the CPUs its loops need.
struct BrokerSetup: Codable {
    /// Names the setup in progress lines, tables and the JSON ("nave", "mosquitto", "loops 2, shards 1").
    var label: String
    var kind: BrokerProcess.Kind
    var binary: String
    /// Nave's `--loops` (Mosquitto runs one thread whatever this says).
    var loops: Int
    /// Nave's `router.shards`; nil: Nave's default, one per loop.
    var routerShards: Int?
    /// CPUs the broker may run on (its affinity at spawn, inherited by every loop thread); nil: unpinned.
    var brokerCPUs: [Int]?
    /// The load generator's CPU; nil: unpinned.
    var clientCPU: Int?
    /// Added to the environment the broker inherits. Nave reads its configuration from
    /// environment variables over its YAML file (Tuning/reference.yaml), so a shard count
    /// travels as NAVE_ROUTER_SHARDS; loops go as `--loops`, which wins over both.
    var environment: [String: String]

    init(label: String, kind: BrokerProcess.Kind, binary: String, loops: Int, routerShards: Int? = nil,
         brokerCPUs: [Int]?, clientCPU: Int?) {
        self.label = label
        self.kind = kind
        self.binary = binary
        self.loops = loops
        self.routerShards = routerShards
        self.brokerCPUs = brokerCPUs
        self.clientCPU = clientCPU
        // The MQTT scenarios measure the general broker, as Mosquitto is one: the hub (its TLS
        // listeners on the fixed ports 8883 and 443, its data directory) stays off, so two runs
        // never collide and the RSS figures are the broker's.
        environment = kind == .nave ? ["NAVE_HUB_ENABLED": "false"].merging(routerShards.map { ["NAVE_ROUTER_SHARDS": "\($0)"] } ?? [:]) { $1 } : [:]
    }

    /// The shard count Nave should report at start: the configured one, or one per loop.
    var expectedRouterShards: Int { routerShards ?? loops }

    /// True when the broker may run on the load generator's CPU (on 2 cores, any 2-loop broker).
    var sharesClientCPU: Bool {
        guard let clientCPU else { return true }
        return brokerCPUs?.contains(clientCPU) ?? true
    }

    /// "broker CPUs 0,1, client CPU 1 (shared)".
    var placement: String {
        "broker CPUs \(CPUAffinity.describe(brokerCPUs)), client CPU \(clientCPU.map(String.init) ?? "any")"
            + (sharesClientCPU ? " (shared)" : "")
    }
}
