import ArgumentParser
import CBenchSupport
import Foundation
import Glibc
import Logging
import NaveIO

/// `nave-bench soak`: 19,900 connections to the plain broker for a bounded time, with QoS 0 and
/// QoS 1 telemetry at a fixed modest rate, wildcard and exact subscribers, churn (clean
/// disconnects and drops, back with clean session 0) and misbehaving clients. Reports the
/// broker's RSS, CPU and the message counts every `--report-every` seconds; at the end, RSS over
/// time, errors by kind, QoS 1 messages lost (must be 0) and the QoS 0 delivery ratio. Exits
/// non-zero on any QoS 1 loss or unexpected error.
struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Holds 19,900 connections with mixed traffic, churn and misbehaving clients for a bounded time (issue #11)."
    )

    @Option(help: "The nave binary (build: swift build -c release --product nave in the root).")
    var naveBinary = "../.build/release/nave"
    @Option(help: "Seconds of load (bounded).")
    var duration = 600.0
    @Option(help: "Seconds between progress lines.")
    var reportEvery = 30.0
    @Option(help: "Seconds between RSS/CPU samples.")
    var sampleEvery = 5.0
    @Option(help: "Seconds excluded from the RSS slope (default: min(60, duration / 4)).")
    var warmup: Double?
    @Option(help: "Connections in all: the active fleet here, the rest idle in worker processes.")
    var connections = 19_900
    @Option(help: "Worker processes holding the idle connections (each under the 20,000-descriptor cap).")
    var workers = 2
    @Option(help: "Publishes per second in all (QoS 0 and QoS 1).")
    var rate = 2_000.0
    @Option(help: "Share of the rate published at QoS 1.")
    var qos1Share = 0.5
    @Option var qos1Publishers = 200
    @Option var qos0Publishers = 800
    @Option(help: "Topic groups; each has a wildcard subscriber per QoS.")
    var groups = 8
    @Option(help: "Payload bytes (≥ 16: send time and sequence number).")
    var payloadBytes = 64
    @Option(help: "Publishers taken away per second (clean DISCONNECT and reset in turn).")
    var churnPerSecond = 2
    @Option(help: "Seconds between QoS 1 subscriber reconnects (0: none).")
    var subscriberChurnEvery = 10.0
    @Option(help: "Seconds a churned client stays away before it comes back with clean session 0.")
    var offlineSeconds = 1.0
    @Option(help: "The flooder floods for --flood-seconds out of every this many seconds (0: never).")
    var floodEvery = 30.0
    @Option var floodSeconds = 3.0
    @Option(help: "Seconds between garbage connections (0: none).")
    var garbageEvery = 5.0
    @Option(help: "Keep-alive of the client that goes silent after CONNACK.")
    var silentKeepalive = 2
    @Option(help: "Seconds after its SUBACK by which the broker must have closed the subscriber that never reads.")
    var stuckReaderLimit = 120.0
    @Option(help: "At most this many seconds for the QoS 1 drain at the end.")
    var drainSeconds = 30.0
    @Option(help: "Broker port.")
    var port = 18_990
    @Option(help: "Event loops of nave serve.")
    var brokerLoops = 1
    @Option var brokerCPU = 0
    @Option(help: "CPU for the load generator and its workers.")
    var clientCPU = 1
    @Flag(help: "Do not pin broker and load generator.")
    var noPin = false
    @Option(help: "Idle sockets per source address 127.0.x.y.")
    var connectionsPerSource = 1_000
    @Option(help: "Active (reconnecting) sockets per source address.")
    var activePerSource = 250
    @Option(help: "Directory for the JSON result.")
    var resultsDirectory = "results"

    var plan: SoakPlan {
        var plan = SoakPlan()
        plan.qos1Publishers = qos1Publishers
        plan.qos0Publishers = qos0Publishers
        plan.groups = groups
        plan.ratePerSecond = rate
        plan.qos1Share = qos1Share
        plan.payloadBytes = payloadBytes
        plan.churnPublishersPerSecond = churnPerSecond
        plan.subscriberChurnSeconds = subscriberChurnEvery
        plan.offlineSeconds = offlineSeconds
        plan.floodEverySeconds = floodEvery
        plan.floodSeconds = floodSeconds
        plan.garbageEverySeconds = garbageEvery
        plan.silentKeepAliveSeconds = UInt16(silentKeepalive)
        plan.stuckReaderLimitSeconds = stuckReaderLimit
        return plan
    }

    func validate() throws {
        guard duration > 0, duration <= 6 * 3600 else { throw ValidationError("--duration must be in (0, 21600] seconds") }
        guard payloadBytes >= 16 else { throw ValidationError("--payload-bytes must be at least 16") }
        guard (0...1).contains(qos1Share), rate >= 0 else { throw ValidationError("--qos1-share in [0, 1], --rate ≥ 0") }
        guard groups >= 1, qos1Publishers >= groups, qos0Publishers >= groups else {
            throw ValidationError("--groups ≥ 1 and at most the publishers of each QoS")
        }
        let idle = connections - (plan.activeClients - 1)
        guard workers >= 1, idle >= 0, idle / workers < 19_000 else {
            throw ValidationError("\(idle) idle connections over \(workers) workers: each must stay under 19,000 descriptors")
        }
    }

    func run() throws {
        guard access(naveBinary, X_OK) == 0 else { throw ValidationError("no executable at \(naveBinary)") }
        let allowed = CPUAffinity.allowed()
        let clientCPU = allowed.count >= 2 && !noPin ? self.clientCPU : nil
        ChildProcesses.installCleanupHooks()
        if let clientCPU, bench_pin_current_thread(Int32(clientCPU)) != 0 { throw ValidationError("cannot pin to CPU \(clientCPU)") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        // Created after pinning: the client loop's thread (and the workers) inherit the CPU.
        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1))
        defer { group.shutdownGracefully(gracePeriod: .seconds(1)) }
        let logDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("nave-bench-soak-\(getpid())").path
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let setup = BrokerSetup(label: "nave", kind: .nave, binary: naveBinary, loops: brokerLoops,
                                brokerCPUs: clientCPU == nil ? nil : [brokerCPU], clientCPU: clientCPU)
        let run = SoakRun(command: self, setup: setup, loop: group.loops[0], logDirectory: logDirectory, allowedCPUs: allowed.count)
        let result = try run.execute()
        let path = try result.write(to: resultsDirectory)
        print("")
        for line in result.summary.lines { print(line) }
        print("\nresult: \(path)")
        if !result.summary.passed { throw ExitCode(1) }
    }
}
