import ArgumentParser
import CBenchSupport
import Foundation
import Glibc
import Logging
import NaveIO

/// `nave-bench amqp <scenario…>`: the hub's AMQP endpoint (issue #13, PERF.md G11 and G8) on a
/// real `nave serve` node, with Proton-C back ends in this process (not Python):
/// - `drain`: events/s reading a pre-filled log from the start, one receiver per partition;
/// - `e2e`: telemetry send → Event Hub reader receive latency at a fixed (half) durable rate;
/// - `c2d`: C2D sends/s over one service connection to MQTT devices that receive and PUBACK;
/// - `idle`: RSS per idle AMQP connection (after its put-token).
/// AMQP goes to the node's plain listener (`hub.plainAmqpListeners`) unless `--amqp-tls`.
struct AMQPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amqp",
        abstract: "AMQP endpoint scenarios: \(AMQPScenario.all.joined(separator: ", ")) (or all)."
    )

    @Argument(help: "Scenarios to run, in order.")
    var scenarios: [String] = ["drain"]
    @Option(help: "The nave binary (build: swift build -c release --product nave in the root).")
    var naveBinary = "../.build/release/nave"
    @Option(help: "The nodes' data directory: made afresh for this run (devices registered offline), removed at the end.")
    var dataDirectory: String?
    @Option(help: "Measured rounds per scenario.")
    var rounds = 3
    @Option(help: "Warm-up seconds (e2e, c2d).")
    var warmup = 2.0
    @Option(help: "Seconds per measured round (e2e, c2d).")
    var duration = 5.0
    @Option(help: "MQTT devices publishing telemetry (drain fill, e2e) or receiving C2D (c2d).")
    var devices = 1_000
    @Option(help: "Telemetry publishes unacknowledged per device (1…512).")
    var inflight = 8
    @Option(help: "Event body bytes (at least 14: the stamp of TelemetryStamp).")
    var payloadBytes = 256
    @Option(help: "drain: events in the log before the readers attach.")
    var drainEvents = 2_000_000
    @Option(help: "Event Hub partitions read, one receiver connection each (the hub has 4).")
    var partitions = 4
    @Option(help: "Link credit each partition receiver grants, topped up at half.")
    var credit: Int32 = 500
    @Option(help: "e2e: telemetry publishes per second; 0 measures the saturated durable rate first and takes half.")
    var e2eRate = 0.0
    @Option(help: "c2d: sends left unsettled at most (the node grants 100 credit anyway: amqp.receiveCredit).")
    var c2dOutstanding = 500
    @Option(help: "c2d: body bytes of each message (at least 22: t=<20 digits>).")
    var c2dBodyBytes = 64
    @Option(help: "idle: connections measured (after the warm ones).")
    var idleConnections = 2_000
    @Option(help: "idle: connections opened before the RSS baseline.")
    var idleWarmConnections = 100
    @Option(help: "idle: seconds the connections are held (the node's CPU over it is reported).")
    var idleHold = 10.0
    @Flag(help: "AMQP over TLS (hub.amqpListeners) instead of the plain listener.")
    var amqpTLS = false
    @Option(help: "Client sockets per source address 127.1.x.y.")
    var connectionsPerSource = 1_000
    @Option(help: "First port; each node start takes six (HubTarget.Ports).")
    var port = 19_300
    @Option var targetCPU = 0
    @Option var clientCPU = 1
    @Flag(help: "Do not pin target and load generator.")
    var noPin = false
    @Option var resultsDirectory = "results"
    @Option(help: "Where node configurations and logs go (default: a new folder in the temporary directory).")
    var logDirectory: String?

    func validate() throws {
        guard (1...512).contains(inflight), payloadBytes >= TelemetryStamp.bytes, c2dBodyBytes >= 22 else {
            throw ValidationError("--inflight 1…512, --payload-bytes ≥ 14, --c2d-body-bytes ≥ 22")
        }
        guard (1...4).contains(partitions), credit >= 2, c2dOutstanding >= 1, drainEvents >= 1 else {
            throw ValidationError("--partitions 1…4, --credit ≥ 2, --c2d-outstanding ≥ 1, --drain-events ≥ 1")
        }
        // One process holds at most 20,000 descriptors here (PERF.md rule 1).
        guard devices + partitions <= 18_000, idleConnections + idleWarmConnections <= 18_000 else {
            throw ValidationError("at most 18,000 client connections in one harness process")
        }
    }

    func run() throws {
        let names = scenarios == ["all"] ? AMQPScenario.all : scenarios
        let parsed = try names.map { name -> AMQPScenario in
            guard let scenario = AMQPScenario(rawValue: name) else {
                throw ValidationError("unknown scenario \(name); known: \(AMQPScenario.all.joined(separator: ", "))")
            }
            return scenario
        }
        guard access(naveBinary, X_OK) == 0 else { throw ValidationError("no executable at \(naveBinary)") }
        let start = try HarnessStart(name: "amqp", clientCPU: clientCPU, noPin: noPin, logDirectory: self.logDirectory)
        let (loadBefore, pinning, logDirectory, cpus) = (start.loadAverageBefore, start.pinning, start.logDirectory, start.allowedCPUs)
        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1))
        defer { group.shutdownGracefully(gracePeriod: .seconds(1)) }
        let settings = AMQPRunner.Settings(
            naveBinary: naveBinary, dataDirectoryBase: dataDirectory ?? "/tmp/nave-bench-amqp-data-\(getpid())", logDirectory: logDirectory,
            targetCPU: pinning ? targetCPU : nil, clientCPU: pinning ? clientCPU : nil,
            rounds: max(1, rounds), warmupSeconds: warmup, roundSeconds: duration, devices: devices, inflight: inflight,
            payloadBytes: payloadBytes, drainEvents: drainEvents, partitions: partitions, credit: credit, e2eRate: e2eRate,
            c2dOutstanding: c2dOutstanding, c2dBodyBytes: c2dBodyBytes, idleConnections: idleConnections,
            idleWarmConnections: idleWarmConnections, idleHoldSeconds: idleHold, amqpTLS: amqpTLS,
            connectionsPerSource: connectionsPerSource, firstPort: port)
        let settingsText: [String: String] = [
            "rounds": "\(rounds)", "warmupSeconds": "\(warmup)", "roundSeconds": "\(duration)", "devices": "\(devices)",
            "inflight": "\(inflight)", "payloadBytes": "\(payloadBytes)", "drainEvents": "\(drainEvents)", "partitions": "\(partitions)",
            "credit": "\(credit)", "e2eRate": e2eRate == 0 ? "half of the measured durable rate" : "\(e2eRate)",
            "c2dOutstanding": "\(c2dOutstanding)", "c2dBodyBytes": "\(c2dBodyBytes)", "idleConnections": "\(idleConnections)",
            "idleWarmConnections": "\(idleWarmConnections)", "amqpTransport": amqpTLS ? "TLS (hub.amqpListeners)" : "plain TCP (hub.plainAmqpListeners)",
            "deviceTransport": "plain MQTT (hub.plainMqttListeners)",
            "pinning": pinning ? "target CPU \(targetCPU), client CPU \(clientCPU)" : "none", "clientBackend": group.backendKind.rawValue,
        ]
        let startedAt = Date()
        progress("amqp: scenarios \(names), logs in \(logDirectory); load average \(loadBefore)")
        let runner = AMQPRunner(settings: settings, loop: group.loops[0])
        var results: [HubScenarioResult] = []
        var failures: [String] = []
        for scenario in parsed {
            progress("== \(scenario.rawValue): \(scenario.goal)")
            do { results.append(try runner.run(scenario)) } catch {
                progress("!! \(scenario.rawValue) failed: \(error)")
                failures.append("\(scenario.rawValue): \(error)")
            }
        }
        let revision = RepositoryInfo(directory: URL(fileURLWithPath: naveBinary).deletingLastPathComponent().path)
        let result = HubRunResult(
            benchmark: "amqp", timestamp: ISO8601DateFormatter().string(from: startedAt), naveRevision: revision.revision,
            naveTreeDirty: revision.dirty, kernel: RepositoryInfo.kernelRelease(), onlineCPUs: cpus,
            targets: ["nave": BrokerProcess.version(kind: .nave, binary: naveBinary)],
            loadAverageBefore: loadBefore, loadAverageAfter: HarnessStart.loadAverage(), settings: settingsText, method: Self.method,
            results: results)
        let path = try write(result, startedAt: startedAt)
        print("")
        print(AMQPTable(result: result).render())
        for failure in failures { print("FAILED: \(failure)") }
        print("\nresult: \(path)")
    }

    static let method: [String: String] = [
        "eventsPerSecond": "drain: events / (last event received − receivers' connect started), CBS and attach included; firstToLastPerSecond: from the first event",
        "targetCPUNanosPerEvent": "(utime+stime of the node from /proc/PID/stat, end − start) / events received (drain) or published (e2e); 10 ms tick resolution",
        "gapP99Micros": "drain: time between consecutive events over all receivers (HDR, 2 digits): its tail is the reader's stalls",
        "latency": "e2e: the device's PUBLISH written (monotonic stamp in the body) → the event read by a partition receiver, same host; HDR histogram, 3 digits",
        "pubAckToReceive": "e2e: the publish's PUBACK read by its device → the event read by the receiver; 0 when the event arrived first (counted in receivedBeforePubAckFraction)",
        "pubAckLatency": "e2e: PUBLISH written → PUBACK read (the durable telemetry path, after the event log's fdatasync)",
        "c2d": "acceptedPerSecond: accepted dispositions on the one service sender; deliveredPerSecond: C2D PUBLISHes read by the MQTT devices (they PUBACK at once); latency: send (time in the body) → device read",
        "idleBytesPerConnection": "(node VmRSS with warm + N connections − with warm only) / N; each connection did SASL, open, begin, $cbs attach pair and put-token",
        "otherCPUCores": "all CPUs' busy time from /proc/stat minus node and harness, per wall second",
    ]

    private func write(_ result: HubRunResult, startedAt: Date) throws -> String {
        try FileManager.default.createDirectory(atPath: resultsDirectory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let path = "\(resultsDirectory)/amqp-\(formatter.string(from: startedAt)).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result).write(to: URL(fileURLWithPath: path))
        ResultChart.writeBeside(path)
        return path
    }
}

/// One workload of `nave-bench amqp`, with the PERF.md goal it measures.
enum AMQPScenario: String {
    case drain, e2e, c2d, idle

    static let all = ["drain", "e2e", "c2d", "idle"]

    var goal: String {
        switch self {
        case .drain: "G11 drain ≥ 500 k events/s of 256 B from 4 partitions, one receiver each, log pre-filled through the hub"
        case .e2e: "G11 device PUBLISH → consumer p99 ≤ 10 ms at half the durable telemetry rate"
        case .c2d: "G8 C2D ≥ 20 k/s over AMQP: one service connection, deliveries to connected MQTT devices"
        case .idle: "memory per idle AMQP connection (after CBS)"
        }
    }

    var hubScenario: HubScenario {
        HubScenario(name: rawValue, kind: .flow, transport: .plain, work: rawValue, goal: goal, targets: [.nave])
    }
}
