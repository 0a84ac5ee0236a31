import ArgumentParser
import CBenchSupport
import Foundation
import Glibc
import Logging
import NaveIO

/// Options shared by `nave-bench mqtt` and `nave-bench compare`.
struct MQTTOptions: ParsableArguments {
    @Option(help: "The nave binary (build: swift build -c release --product nave in the root).")
    var naveBinary = "../.build/release/nave"
    @Option(help: "The mosquitto binary.")
    var mosquittoBinary = "/usr/sbin/mosquitto"
    @Option(help: "Event loops of nave serve.")
    var brokerLoops = 1
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
    @Option(help: "CPU for the broker.")
    var brokerCPU = 0
    @Option(help: "CPU for the load generator.")
    var clientCPU = 1
    @Flag(help: "Do not pin broker and load generator.")
    var noPin = false
    @Option(help: "Directory for the JSON result.")
    var resultsDirectory = "results"
    @Option(help: "Fixed-rate pacing step, microseconds: each step sends what is due. Small steps approximate independent devices; 1000 sends millisecond bursts.")
    var paceStepMicros = 100
}

/// `nave-bench mqtt <scenario…>`: MQTT 3.1.1 workloads against one broker (or several, alternating).
struct MQTTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "MQTT scenarios: \(MQTTScenario.all.joined(separator: ", ")) (or all)."
    )

    @Argument(help: "Scenarios to run, in order.")
    var scenarios: [String] = ["fanin-qos0"]
    @Option(help: "Brokers (comma-separated): nave, mosquitto.")
    var target = "nave"
    @OptionGroup var options: MQTTOptions

    func run() throws {
        try MQTTSession(options: options, scenarios: scenarios, brokers: target, benchmark: "mqtt").run()
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

    func run() throws {
        try MQTTSession(options: options, scenarios: scenarios.split(separator: ",").map(String.init),
                        brokers: "nave,mosquitto", benchmark: "compare").run()
    }
}

/// Set-up shared by both commands: pinning, the client loop, the runner, the result file and table.
struct MQTTSession {
    let options: MQTTOptions
    let scenarios: [String]
    let brokers: String
    let benchmark: String

    func run() throws {
        let names = scenarios == ["all"] ? MQTTScenario.all : scenarios
        let parsed = try names.map { name -> MQTTScenario in
            guard let scenario = MQTTScenario.named(name, devices: options.devices) else {
                throw ValidationError("unknown scenario \(name); known: \(MQTTScenario.all.joined(separator: ", "))")
            }
            return scenario
        }
        let kinds = try brokers.split(separator: ",").map { name -> BrokerProcess.Kind in
            guard let kind = BrokerProcess.Kind(rawValue: String(name)) else { throw ValidationError("unknown broker \(name)") }
            return kind
        }
        var binaries: [BrokerProcess.Kind: String] = [:]
        for kind in kinds {
            let binary = kind == .nave ? options.naveBinary : options.mosquittoBinary
            guard access(binary, X_OK) == 0 else { throw ValidationError("no executable at \(binary)") }
            binaries[kind] = binary
        }
        ChildProcesses.installCleanupHooks()
        let cpus = Int(bench_allowed_cpu_count())
        let pinning = cpus >= 2 && !options.noPin
        if pinning {
            let status = bench_pin_current_thread(Int32(options.clientCPU))
            if status != 0 { throw ValidationError("cannot pin to CPU \(options.clientCPU)") }
        } else {
            progress("warning: not pinning (\(cpus) CPUs allowed); broker and load generator share cores")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        var clientConfiguration = EventLoopConfiguration(loopCount: 1)
        // The pacing timer needs the client loop's wheel to tick at least as finely as its step.
        clientConfiguration.timerTickNanos = min(clientConfiguration.timerTickNanos, Int64(options.paceStepMicros) * 1000)
        let group = try EventLoopGroup(configuration: clientConfiguration)
        defer { group.shutdownGracefully(gracePeriod: .seconds(1)) }
        let logDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("nave-bench-mqtt-\(getpid())").path
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)

        let settings = MQTTRunner.Settings(
            binaries: binaries, brokerLoops: options.brokerLoops, brokerCPU: pinning ? options.brokerCPU : nil,
            clientCPU: pinning ? options.clientCPU : nil, rounds: max(1, options.rounds), warmupSeconds: options.warmup,
            roundSeconds: options.duration, payloadBytes: options.payloadBytes, connectCount: options.connectCount,
            connectWindow: options.connectWindow, idleLow: options.idleLow, idleHigh: options.idleHigh,
            idleCPUSeconds: options.idleCPUSeconds, qos0Window: options.qos0Window, fixedRate: options.rate,
            connectionsPerSource: options.connectionsPerSource, firstPort: options.port, logDirectory: logDirectory,
            subscriberQoS: options.subscriberQoS, paceStepNanos: Int64(options.paceStepMicros) * 1000)
        let startedAt = Date()
        let revision = RepositoryInfo(directory: URL(fileURLWithPath: options.naveBinary).deletingLastPathComponent().path)
        var versions: [String: String] = [:]
        for (kind, binary) in binaries { versions[kind.rawValue] = BrokerProcess.version(kind: kind, binary: binary) }
        let settingsText: [String: String] = [
            "brokerLoops": "\(options.brokerLoops)", "rounds": "\(options.rounds)", "warmupSeconds": "\(options.warmup)",
            "roundSeconds": "\(options.duration)", "devices": "\(options.devices)", "payloadBytes": "\(options.payloadBytes)",
            "connectCount": "\(options.connectCount)", "connectWindow": "\(options.connectWindow)",
            "qos0Window": "\(options.qos0Window)", "paceStepMicros": "\(options.paceStepMicros)", "subscriberQoSInQoS1Flows": "\(options.subscriberQoS)", "pinning": pinning ? "broker CPU \(options.brokerCPU), client CPU \(options.clientCPU)" : "none",
            "clientBackend": group.backendKind.rawValue, "roundOrder": "alternating; each broker started afresh per round",
        ]
        progress("\(benchmark): scenarios \(names), brokers \(kinds.map(\.rawValue)); \(settingsText.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")); logs in \(logDirectory)")
        for (kind, version) in versions.sorted(by: { $0.key < $1.key }) { progress("  \(kind): \(version)") }

        let runner = MQTTRunner(settings: settings, loop: group.loops[0])
        var results: [MQTTScenarioResult] = []
        var failures: [String] = []
        for scenario in parsed {
            progress("== \(scenario.name): \(scenario.goal)")
            do { results += try runner.run(scenario, brokers: kinds) } catch {
                progress("!! \(scenario.name) failed: \(error)")
                failures.append("\(scenario.name): \(error)")
            }
        }
        let result = MQTTRunResult(
            benchmark: benchmark, timestamp: ISO8601DateFormatter().string(from: startedAt), naveRevision: revision.revision,
            naveTreeDirty: revision.dirty, kernel: RepositoryInfo.kernelRelease(), onlineCPUs: cpus, brokers: versions,
            mosquittoConfig: BrokerProcess.mosquittoConfig(port: 0), settings: settingsText, method: Self.method, results: results)
        let path = try write(result, startedAt: startedAt)
        print("")
        print(MQTTTable(result: result).render())
        for failure in failures { print("FAILED: \(failure)") }
        print("\nresult: \(path)")
    }

    static let method: [String: String] = [
        "deliveredPerSecond": "PUBLISH packets received by the subscribers during the round / wall seconds (fan-out counts every copy)",
        "brokerCPUNanosPerMessage": "(utime+stime of the broker from /proc/PID/stat, round end − start) / deliveries (flows) or CONNACKs (connect); 10 ms tick resolution",
        "brokerKernelCPUShare": "stime / (utime+stime) of the broker over the round: the network stack's share",
        "latency": "flows: subscriber receipt time − send time carried in the payload's first 8 bytes (same host, CLOCK_MONOTONIC), HDR histogram 3 digits; connect: TCP connect start → CONNACK",
        "saturate": "QoS 0: at most qos0Window publishes not yet delivered over the fleet, round-robin over publishers; stalls of 1 ms write the outstanding ones off (broker drops)",
        "ackWindow": "QoS 1: each publisher keeps K PUBLISHes unacknowledged; the subscriber (QoS 1) acknowledges each delivery at once",
        "fixedRate": "publishes in 1 ms steps at the target rate (default half the same broker's saturated median in the same run), round-robin",
        "commonRate": "*-same-rate scenarios: fixedRate at half the lowest saturated median of all brokers in the run, so every broker carries the same load",
        "idle": "a fresh broker; load workers (child processes) hold idleLow then idleHigh − idleLow clients, keepalive 60 s; RSS read after the broker is idle + 1 s; bytes per connection = RSS delta / connections added",
        "connect": "connectCount clients, at most connectWindow connecting at once; rate = CONNACKs / (last CONNACK − first connect)",
        "otherCPUCores": "all CPUs' busy time from /proc/stat minus broker and load generator, per wall second",
    ]

    private func write(_ result: MQTTRunResult, startedAt: Date) throws -> String {
        try FileManager.default.createDirectory(atPath: options.resultsDirectory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let path = "\(options.resultsDirectory)/\(benchmark)-\(formatter.string(from: startedAt)).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result).write(to: URL(fileURLWithPath: path))
        return path
    }
}
