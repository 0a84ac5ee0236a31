import ArgumentParser

/// Options shared by `nave-bench mqtt`, `compare` and `sweep`: binaries, rounds, the workload,
/// the load generator's CPU, where results go.
struct MQTTOptions: ParsableArguments {
    @Option(help: "The nave binary (build: swift build -c release --product nave in the root).")
    var naveBinary = "../.build/release/nave"
    @Option(help: "The mosquitto binary.")
    var mosquittoBinary = "/usr/sbin/mosquitto"
    @Option(help: "Measured rounds per scenario per broker.")
    var rounds = 3
    @Option(help: "Warm-up seconds before each measured round.")
    var warmup = 1.5
    @Option(help: "Seconds per measured round.")
    var duration = 4.0
    @Option(help: "Devices (publishers) in the fan-in scenarios.")
    var devices = 10_000
    @Option(help: "Payload bytes per PUBLISH (the first 8 carry the send time).")
    var payloadBytes = 64
    @Option(help: "Clients in the connect storm.")
    var connectCount = 10_000
    @Option(help: "Connects outstanding at once (storm and fleet set-up).")
    var connectWindow = 500
    @Option(help: "Idle scenario: connections at the first and second RSS reading.")
    var idleLow = 10_000
    @Option var idleHigh = 19_900
    @Option(help: "Idle scenario: seconds over which the broker's idle CPU is measured.")
    var idleCPUSeconds = 5.0
    @Option(help: "QoS 0 saturation: publishes not yet delivered, at most, over the whole fleet.")
    var qos0Window = 2_000
    @Option(help: "Publish rate of the *-latency scenarios (default: half the same broker's saturated median in this run).")
    var rate: Double?
    @Option(help: "QoS the subscriber asks for in the QoS 1 fan-in scenarios (1: end-to-end QoS 1; 0: only device→broker is QoS 1).")
    var subscriberQoS = 1
    /// bind(source, port 0) makes the kernel search the port space of that address linearly, so
    /// connecting n sockets from one address costs O(n²): 10,000 from one address ran at 200/s,
    /// client-bound. Few sockets per address keep the load generator cheap.
    @Option(help: "Client sockets per source address 127.0.x.y (bind to port 0 is linear in the sockets already bound there).")
    var connectionsPerSource = 1_000
    @Option(help: "First broker port; each broker start takes the next one.")
    var port = 18_830
    @Option(help: "CPU for the load generator.")
    var clientCPU = 1
    @Flag(help: "Do not pin broker and load generator.")
    var noPin = false
    @Option(help: "Directory for the JSON result.")
    var resultsDirectory = "results"
    @Option(help: "Fixed-rate pacing step, microseconds: each step sends what is due. Small steps approximate independent devices; 1000 sends millisecond bursts.")
    var paceStepMicros = 100
}

/// Where `mqtt` and `compare` run every broker (`sweep` varies these instead).
struct BrokerPlacementOptions: ParsableArguments {
    @Option(help: "Event loops of nave serve.")
    var brokerLoops = 1
    @Option(help: "CPU for the broker.")
    var brokerCPU = 0

    /// One setup per broker named in `brokers` ("nave,mosquitto"), each labelled by its name.
    func setups(brokers: String, options: MQTTOptions, clientCPU: Int?) throws -> [BrokerSetup] {
        try brokers.split(separator: ",").map { name in
            guard let kind = BrokerProcess.Kind(rawValue: String(name)) else { throw ValidationError("unknown broker \(name)") }
            return BrokerSetup(label: kind.rawValue, kind: kind, binary: kind == .nave ? options.naveBinary : options.mosquittoBinary,
                               loops: brokerLoops, brokerCPUs: clientCPU == nil ? nil : [brokerCPU], clientCPU: clientCPU)
        }
    }

    /// Measures `brokers` in alternation and prints the side-by-side table.
    func run(brokers: String, scenarios: [String], options: MQTTOptions, benchmark: String) throws {
        let session = try MQTTSession(options: options, scenarioNames: scenarios, benchmark: benchmark)
        let setups = try setups(brokers: brokers, options: options, clientCPU: session.clientCPU)
        let pinning = session.clientCPU.map { "broker CPU \(brokerCPU), client CPU \($0)" } ?? "none"
        let (result, failures) = try session.measure(setups: setups, settings: ["brokerLoops": "\(brokerLoops)", "pinning": pinning])
        try session.report(result, table: MQTTTable(result: result).render(), failures: failures)
    }
}

/// `nave-bench mqtt <scenario…>`: MQTT 3.1.1 workloads against one broker (or several, alternating).
struct MQTTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "MQTT scenarios: \(MQTTScenario.all.joined(separator: ", ")) (or all); overload (G10) by name: \(MQTTScenario.overload.joined(separator: ", "))."
    )

    @Argument(help: "Scenarios to run, in order.")
    var scenarios: [String] = ["fanin-qos0"]
    @Option(help: "Brokers (comma-separated): nave, mosquitto.")
    var target = "nave"
    @OptionGroup var options: MQTTOptions
    @OptionGroup var placement: BrokerPlacementOptions

    func run() throws {
        try placement.run(brokers: target, scenarios: scenarios, options: options, benchmark: "mqtt")
    }
}

/// `nave-bench compare`: the standard scenarios against Nave and Mosquitto in alternation.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Nave vs Mosquitto on the MQTT scenarios, alternating rounds; ratios Nave/Mosquitto."
    )

    @Option(help: "Scenarios (comma-separated).")
    var scenarios = MQTTScenario.all.joined(separator: ",")
    @OptionGroup var options: MQTTOptions
    @OptionGroup var placement: BrokerPlacementOptions

    func run() throws {
        try placement.run(brokers: "nave,mosquitto", scenarios: scenarios.split(separator: ",").map(String.init),
                          options: options, benchmark: "compare")
    }
}
