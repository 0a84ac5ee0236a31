import ArgumentParser
import CBenchSupport
import Foundation
import Glibc
import Logging
import NaveIO

/// What `mqtt`, `compare` and `sweep` share: the scenarios, pinning the load generator, the
/// client loop, the runner, the JSON result and its file. The commands differ only in the
/// broker setups they alternate and the table they print.
struct MQTTSession {
    let options: MQTTOptions
    let scenarios: [MQTTScenario]
    let benchmark: String
    /// The load generator's CPU; nil when not pinning (fewer than 2 CPUs allowed, or --no-pin).
    let clientCPU: Int?
    /// The CPUs this process may run on, as it started.
    let allowedCPUs: [Int]

    init(options: MQTTOptions, scenarioNames: [String], benchmark: String) throws {
        self.options = options
        self.benchmark = benchmark
        let names = scenarioNames == ["all"] ? MQTTScenario.all : scenarioNames
        scenarios = try names.map { name in
            guard let scenario = MQTTScenario.named(name, devices: options.devices) else {
                throw ValidationError("unknown scenario \(name); known: \((MQTTScenario.all + MQTTScenario.overload).joined(separator: ", "))")
            }
            return scenario
        }
        allowedCPUs = CPUAffinity.allowed()
        clientCPU = allowedCPUs.count >= 2 && !options.noPin ? options.clientCPU : nil
    }

    /// Runs every scenario on every setup (rounds alternating between setups) and returns the
    /// result with the failures of scenarios that could not finish.
    func measure(setups: [BrokerSetup], settings extra: [String: String]) throws -> (MQTTRunResult, failures: [String]) {
        var versions: [String: String] = [:]
        for setup in setups where versions[setup.kind.rawValue] == nil {
            guard access(setup.binary, X_OK) == 0 else { throw ValidationError("no executable at \(setup.binary)") }
            versions[setup.kind.rawValue] = BrokerProcess.version(kind: setup.kind, binary: setup.binary)
        }
        ChildProcesses.installCleanupHooks()
        if let clientCPU {
            let status = bench_pin_current_thread(Int32(clientCPU))
            if status != 0 { throw ValidationError("cannot pin to CPU \(clientCPU)") }
        } else {
            progress("warning: not pinning (\(allowedCPUs.count) CPUs allowed); broker and load generator share cores")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        // Created after pinning: the client loop's thread inherits the load generator's CPU.
        var clientConfiguration = EventLoopConfiguration(loopCount: 1)
        // The pacing timer needs the client loop's wheel to tick at least as finely as its step.
        clientConfiguration.timerTickNanos = min(clientConfiguration.timerTickNanos, Int64(options.paceStepMicros) * 1000)
        let group = try EventLoopGroup(configuration: clientConfiguration)
        defer { group.shutdownGracefully(gracePeriod: .seconds(1)) }
        let logDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("nave-bench-\(benchmark)-\(getpid())").path
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)

        let settings = MQTTRunner.Settings(
            rounds: max(1, options.rounds), warmupSeconds: options.warmup, roundSeconds: options.duration,
            payloadBytes: options.payloadBytes, connectCount: options.connectCount, connectWindow: options.connectWindow,
            idleLow: options.idleLow, idleHigh: options.idleHigh, idleCPUSeconds: options.idleCPUSeconds,
            qos0Window: options.qos0Window, fixedRate: options.rate, connectionsPerSource: options.connectionsPerSource,
            firstPort: options.port, logDirectory: logDirectory, subscriberQoS: options.subscriberQoS,
            paceStepNanos: Int64(options.paceStepMicros) * 1000)
        let startedAt = Date()
        let revision = RepositoryInfo(directory: URL(fileURLWithPath: options.naveBinary).deletingLastPathComponent().path)
        let settingsText = [
            "rounds": "\(options.rounds)", "warmupSeconds": "\(options.warmup)", "roundSeconds": "\(options.duration)",
            "devices": "\(options.devices)", "payloadBytes": "\(options.payloadBytes)", "connectCount": "\(options.connectCount)",
            "connectWindow": "\(options.connectWindow)", "qos0Window": "\(options.qos0Window)", "paceStepMicros": "\(options.paceStepMicros)",
            "subscriberQoSInQoS1Flows": "\(options.subscriberQoS)", "clientBackend": group.backendKind.rawValue,
            "roundOrder": "alternating; each broker started afresh per round",
        ].merging(extra) { _, command in command }
        progress("\(benchmark): scenarios \(scenarios.map(\.name)), setups \(setups.map(\.label)); "
            + "\(settingsText.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")); logs in \(logDirectory)")
        for (kind, version) in versions.sorted(by: { $0.key < $1.key }) { progress("  \(kind): \(version)") }

        let runner = MQTTRunner(settings: settings, loop: group.loops[0])
        var results: [MQTTScenarioResult] = []
        var failures: [String] = []
        for scenario in scenarios {
            progress("== \(scenario.name): \(scenario.goal)")
            do { results += try runner.run(scenario, setups: setups) } catch {
                progress("!! \(scenario.name) failed: \(error)")
                failures.append("\(scenario.name): \(error)")
            }
        }
        let result = MQTTRunResult(
            benchmark: benchmark, timestamp: ISO8601DateFormatter().string(from: startedAt), naveRevision: revision.revision,
            naveTreeDirty: revision.dirty, kernel: RepositoryInfo.kernelRelease(), onlineCPUs: allowedCPUs.count, brokers: versions,
            mosquittoConfig: BrokerProcess.mosquittoConfig(port: 0), settings: settingsText, method: Self.method, setups: setups,
            results: results)
        return (result, failures)
    }

    /// Writes the JSON result and prints `table`, the failures and the file's path.
    func report(_ result: MQTTRunResult, table: String, failures: [String]) throws {
        let path = try write(result)
        print("")
        print(table)
        for failure in failures { print("FAILED: \(failure)") }
        print("\nresult: \(path)")
    }

    static let method: [String: String] = [
        "deliveredPerSecond": "PUBLISH packets received by the subscribers during the round / wall seconds (fan-out counts every copy)",
        "brokerCPUNanosPerMessage": "(utime+stime of the broker from /proc/PID/stat, round end − start) / deliveries (flows) or CONNACKs (connect); 10 ms tick resolution",
        "latency": "flows: subscriber receipt time − send time carried in the payload's first 8 bytes (same host, CLOCK_MONOTONIC), HDR histogram 3 digits; connect: TCP connect start → CONNACK",
        "saturate": "QoS 0: at most qos0Window publishes not yet delivered over the fleet, round-robin over publishers; stalls of 1 ms write the outstanding ones off (broker drops)",
        "ackWindow": "QoS 1: each publisher keeps K PUBLISHes unacknowledged; the subscriber (QoS 1) acknowledges each delivery at once",
        "brokerKernelCPUShare": "stime / (utime+stime) of the broker over the round: the network stack's share",
        "fixedRate": "publishes in paceStepMicros steps at the target rate (default half the same broker's saturated median in the same run), round-robin",
        "commonRate": "*-same-rate scenarios: fixedRate at half the lowest saturated median of all brokers in the run, so every broker carries the same load",
        "idle": "a fresh broker; load workers (child processes) hold idleLow then idleHigh − idleLow clients, keepalive 60 s; RSS read after the broker is idle + 1 s; bytes per connection = RSS delta / connections added",
        "connect": "connectCount clients, at most connectWindow connecting at once; rate = CONNACKs / (last CONNACK − first connect)",
        "otherCPUCores": "all CPUs' busy time from /proc/stat minus broker and load generator, per wall second",
        "setups": "each nave start is checked against its \"node started\" log line (loops, routerShards) before it is measured",
    ]

    private func write(_ result: MQTTRunResult) throws -> String {
        try FileManager.default.createDirectory(atPath: options.resultsDirectory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let startedAt = ISO8601DateFormatter().date(from: result.timestamp) ?? Date()
        let path = "\(options.resultsDirectory)/\(benchmark)-\(formatter.string(from: startedAt)).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result).write(to: URL(fileURLWithPath: path))
        ResultChart.writeBeside(path)
        return path
    }
}
