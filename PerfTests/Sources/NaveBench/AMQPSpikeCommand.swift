import ArgumentParser
import Foundation
import Glibc
import Logging
import NaveAMQP
import NaveIO

/// `nave-bench amqp-spike`: issue #13's Proton-C spike. The server (`amqp-spike-server`, one
/// loop, pinned, jemalloc preloaded as the node links it) and Proton clients on one loop of
/// this process (pinned to the other core):
/// - `drain`: receivers consume settled 256-byte messages as fast as their credit allows;
/// - `idle`: connections open a receiver with no credit and sit; RSS per connection;
/// - `send`: senders' messages are accepted by the server (the C2D direction).
struct AMQPSpikeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amqp-spike",
        abstract: "Proton-C spike (#13): AMQP drain rate, idle memory per connection, send rate."
    )

    enum Mode: String, ExpressibleByArgument { case drain, idle, send }

    @Argument(help: "drain, idle or send")
    var mode: Mode
    @Option(help: "Connections (drain: receivers, one per partition; idle: held connections; send: senders).")
    var connections: Int?
    @Option(help: "Link credit each receiver grants, topped up at half (pyamqp's prefetch is 300).")
    var credit: Int32 = 1000
    @Option(help: "Warm-up seconds (drain, send).")
    var warmup = 2.0
    @Option(help: "Measured seconds (drain, send); seconds held (idle).")
    var duration = 10.0
    @Option(help: "Idle: connections opened before the RSS baseline.")
    var warmConnections = 100
    @Option var port = 17_672
    @Option var serverCPU = 0
    @Option var clientCPU = 1
    @Option(help: "Directory for the JSON result.")
    var resultsDirectory = "results"

    func validate() throws {
        guard (connections ?? 1) >= 1, (connections ?? 1) <= 15_000, duration > 0, duration <= 120, warmup >= 0, warmup <= 60 else {
            throw ValidationError("connections 1…15,000, duration (0, 120] s, warmup [0, 60] s")
        }
    }

    func run() throws {
        ChildProcesses.installCleanupHooks()
        let server = try startServer()
        defer { ChildProcesses.terminate(server, graceSeconds: 5) }
        CPUAffinity.pinCurrentThread(to: [clientCPU])
        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1), logger: Logger(label: "nave.bench"))
        defer { group.shutdownGracefully(gracePeriod: .seconds(1)) }
        let loop = group.loops[0]
        let load = loop.submitAndWait { AMQPSpikeLoad(loop: loop) }
        let address = SocketAddress(host: "127.0.0.1", port: port)!
        var result: [String: Any] = ["mode": mode.rawValue, "serverLoops": 1, "serverCPU": serverCPU, "clientCPU": clientCPU,
                                     "messageBodyBytes": 256, "credit": credit]
        switch mode {
        case .drain, .send:
            let count = connections ?? (mode == .drain ? 4 : 1)
            result["connections"] = count
            try measureFlow(load, server: server, address: address, count: count, into: &result)
        case .idle:
            let count = connections ?? 1000
            result["connections"] = count
            try measureIdle(load, server: server, address: address, count: count, into: &result)
        }
        loop.submitAndWait { load.closeAll() }
        print(Self.describe(result))
        try write(result)
    }

    private func startServer() throws -> pid_t {
        let binary = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
            : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
        var environment = ProcessInfo.processInfo.environment
        let jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
        if access(jemalloc, R_OK) == 0 { environment["LD_PRELOAD"] = jemalloc }
        let arguments = ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--", binary, "amqp-spike-server", "--port", "\(port)"]
        let out = "/tmp/amqp-spike-server-\(port).out"
        let pid = try CPUAffinity.whilePinned(to: [serverCPU]) {
            try ServerProcess.spawn(executable: "/usr/bin/setpriv", arguments: arguments,
                                    environment: environment.map { "\($0.key)=\($0.value)" },
                                    stdoutPath: out, stderrPath: "/tmp/amqp-spike-server-\(port).err")
        }
        ChildProcesses.register(pid)
        let deadline = monotonicSeconds() + 10
        while monotonicSeconds() < deadline {
            if let text = try? String(contentsOfFile: out, encoding: .utf8), text.contains("listening on") { return pid }
            usleep(20_000)
        }
        throw ValidationError("amqp-spike-server did not report listening within 10 s (see \(out))")
    }

    /// Opens the links, waits until all are attached (at most 10 s), or throws.
    private func attach(_ load: AMQPSpikeLoad, address: SocketAddress, count: Int, mode: AMQPSpikeClient.Mode, already: Int) throws {
        // Spread over source addresses: at most 1,000 client sockets per address (PERF.md rule 1).
        let sources = (0..<max(1, (count + 999) / 1000)).map { SocketAddress(host: "127.0.0.\(2 + $0)", port: 0)! }
        load.loop.submitAndWait { load.open(count: count, to: address, sources: sources, mode: mode) }
        let deadline = monotonicSeconds() + 30
        while monotonicSeconds() < deadline {
            let snapshot = load.loop.submitAndWait { load.snapshot }
            if snapshot.attached >= already + count { return }
            if snapshot.closed > 0 { throw ValidationError("\(snapshot.closed) connections closed while attaching") }
            usleep(10_000)
        }
        throw ValidationError("links not attached within 30 s")
    }

    private func measureFlow(_ load: AMQPSpikeLoad, server: pid_t, address: SocketAddress, count: Int,
                             into result: inout [String: Any]) throws {
        let linkMode: AMQPSpikeClient.Mode = mode == .drain
            ? .receive(address: "amqps://localhost/spike/ConsumerGroups/$Default/Partitions/0", credit: credit)
            : .send(address: "amqps://localhost/messages/devicebound")
        try attach(load, address: address, count: count, mode: linkMode, already: 0)
        usleep(UInt32(warmup * 1_000_000))
        let start = sample(load, server: server)
        load.loop.submitAndWait { load.resetLatency() }
        usleep(UInt32(duration * 1_000_000))
        let end = sample(load, server: server)
        let (p50, p99, p999, maximum) = load.loop.submitAndWait {
            (load.latency.valueAtPercentile(50), load.latency.valueAtPercentile(99),
             load.latency.valueAtPercentile(99.9), load.latency.max)
        }
        load.loop.submitAndWait { load.stopSending() }
        let messages = mode == .drain ? end.counters.received - start.counters.received : end.counters.accepted - start.counters.accepted
        let seconds = Double(end.wallNanos - start.wallNanos) / 1e9
        result["seconds"] = seconds
        result["messages"] = messages
        result["messagesPerSecond"] = Double(messages) / seconds
        result["serverCPUNanosPerMessage"] = Double(end.serverCPU - start.serverCPU) / Double(max(1, messages))
        result["serverCPUCores"] = Double(end.serverCPU - start.serverCPU) / 1e9 / seconds
        result["clientCPUNanosPerMessage"] = Double(end.clientCPU - start.clientCPU) / Double(max(1, messages))
        result["otherCPUCores"] = Double((end.machineBusy - start.machineBusy) - (end.serverCPU - start.serverCPU)
                                         - (end.clientCPU - start.clientCPU)) / 1e9 / seconds
        if mode == .drain {
            result["latencyMicros"] = ["p50": Double(p50) / 1e3, "p99": Double(p99) / 1e3, "p99.9": Double(p999) / 1e3, "max": Double(maximum) / 1e3]
            result["badBodies"] = end.counters.badBodies
        }
        result["closedConnections"] = end.counters.closed
        result["serverRSSBytes"] = ProcStat.statusField("VmRSS", pid: server) ?? 0
    }

    private func measureIdle(_ load: AMQPSpikeLoad, server: pid_t, address: SocketAddress, count: Int,
                             into result: inout [String: Any]) throws {
        let linkMode = AMQPSpikeClient.Mode.receive(address: "amqps://localhost/spike/ConsumerGroups/$Default/Partitions/0", credit: 0)
        try attach(load, address: address, count: warmConnections, mode: linkMode, already: 0)
        usleep(1_000_000)
        let before = ProcStat.statusField("VmRSS", pid: server) ?? 0
        try attach(load, address: address, count: count, mode: linkMode, already: warmConnections)
        usleep(1_000_000)
        let after = ProcStat.statusField("VmRSS", pid: server) ?? 0
        let cpuStart = ProcStat.cpuNanos(pid: server) ?? 0
        usleep(UInt32(duration * 1_000_000))
        let cpuEnd = ProcStat.cpuNanos(pid: server) ?? 0
        let snapshot = load.loop.submitAndWait { load.snapshot }
        result["warmConnections"] = warmConnections
        result["serverRSSBeforeBytes"] = before
        result["serverRSSAfterBytes"] = after
        result["serverRSSBytesPerConnection"] = Double(after - before) / Double(count)
        result["heldSeconds"] = duration
        result["closedConnections"] = snapshot.closed
        result["openAtEnd"] = snapshot.attached - snapshot.closed
        result["serverCPUCoresWhileIdle"] = Double(cpuEnd - cpuStart) / 1e9 / duration
    }

    private struct Sample {
        var counters: AMQPSpikeLoad.Snapshot
        var wallNanos: Int64
        var serverCPU: Int64
        var clientCPU: Int64
        var machineBusy: Int64
    }

    private func sample(_ load: AMQPSpikeLoad, server: pid_t) -> Sample {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let client = (Int64(usage.ru_utime.tv_sec) + Int64(usage.ru_stime.tv_sec)) * 1_000_000_000
            + (Int64(usage.ru_utime.tv_usec) + Int64(usage.ru_stime.tv_usec)) * 1_000
        return Sample(counters: load.loop.submitAndWait { load.snapshot }, wallNanos: monotonicNanos(),
                      serverCPU: ProcStat.cpuNanos(pid: server) ?? 0, clientCPU: client, machineBusy: ProcStat.machineBusyNanos())
    }

    static func describe(_ result: [String: Any]) -> String {
        result.keys.sorted().map { "\($0): \(result[$0]!)" }.joined(separator: "\n")
    }

    private func write(_ result: [String: Any]) throws {
        try FileManager.default.createDirectory(atPath: resultsDirectory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let path = "\(resultsDirectory)/amqp-spike-\(mode.rawValue)-\(formatter.string(from: Date())).json"
        let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
        ResultChart.writeBeside(path)
        print("result: \(path)")
    }
}
