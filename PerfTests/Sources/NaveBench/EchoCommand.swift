import ArgumentParser
import CBenchSupport
import Foundation
import Glibc
import Logging
import NaveIO

/// `nave-bench echo`: the engine's ceiling. Closed-loop 64-byte echo against `nave-echo` on each
/// backend, server and client pinned to their own cores.
struct EchoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Echo throughput, server CPU per message, RSS and allocations per message: io_uring vs epoll."
    )

    @Option(help: "The nave-echo binary (build: swift build -c release --product nave-echo in the root).")
    var serverBinary = "../.build/release/nave-echo"
    @Option(help: "Server backends, compared in this order (comma-separated).")
    var backends = "io_uring,epoll"
    @Option(help: "Loop threads in each server.")
    var serverLoops = 1
    @Option(help: "Client connections per server.")
    var connections = 1000
    @Option(help: "Frames in flight per connection; one workload per value (comma-separated).")
    var inFlight = "8,1"
    @Option(help: "Frame size in bytes.")
    var frameBytes = 64
    @Option(help: "Warm-up seconds per backend per workload.")
    var warmup = 2.0
    @Option(help: "Measured rounds per backend per workload.")
    var rounds = 3
    @Option(help: "Seconds per round.")
    var duration = 5.0
    @Option(help: "First TCP port; each workload uses two ports per backend after it.")
    var port = 17_100
    // bind() to port 0 costs time linear in the sockets already bound to that address, so keep
    // each source address's share small (ports are not the limit at this size).
    @Option(help: "Client sockets bound to each source address 127.0.0.2, 127.0.0.3, …")
    var connectionsPerSource = 1_000
    @Option(help: "The client loop's backend (automatic, io_uring, epoll).")
    var clientBackend = "io_uring"
    @Option(help: "CPU for the servers.")
    var serverCPU = 0
    @Option(help: "CPU for the client.")
    var clientCPU = 1
    @Flag(help: "Do not pin server and client to CPUs.")
    var noPin = false
    @Option(help: "Other processes' CPU use (cores) above which a round counts as disturbed.")
    var maxOtherLoad = 0.15
    @Option(help: "Extra attempts for a disturbed round (the least disturbed attempt is kept).")
    var disturbedRetries = 1
    @Option(help: "MALLOC_CONF for the servers; must keep stats_print:true (tcache:false makes nmalloc exact, for checking).")
    var mallocConf = "stats_print:true"
    @Flag(help: "Keep the servers' logs and jemalloc statistics (per size class) after the run.")
    var keepServerLogs = false
    @Option(help: "Directory for the JSON result.")
    var resultsDirectory = "results"

    func validate() throws {
        guard connections >= 1, rounds >= 1, duration > 0, warmup >= 0, frameBytes >= 1 else {
            throw ValidationError("connections, rounds, duration and frame size must be positive")
        }
        guard !parsedInFlight.isEmpty, parsedInFlight.allSatisfy({ (1...1024).contains($0) }) else {
            throw ValidationError("--in-flight takes comma-separated values in 1...1024")
        }
        // The client holds a loaded and an idle connection set per backend in one process.
        let sockets = connections * 2 * parsedBackends.count
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        guard sockets + 64 <= Int(limit.rlim_cur) else {
            throw ValidationError("\(sockets) client sockets exceed this process's descriptor limit \(limit.rlim_cur)")
        }
    }

    var parsedInFlight: [Int] { inFlight.split(separator: ",").compactMap { Int($0) } }
    var parsedBackends: [String] { backends.split(separator: ",").map(String.init) }

    func run() throws {
        guard access(serverBinary, X_OK) == 0 else {
            throw ValidationError("no executable at \(serverBinary): run `swift build -c release --product nave-echo` in the repository root")
        }
        ChildProcesses.installCleanupHooks()
        let cpus = Int(bench_allowed_cpu_count())
        let pinning = cpus >= 2 && !noPin
        if pinning {
            // The client loop thread is created after this and inherits the mask.
            let status = bench_pin_current_thread(Int32(clientCPU))
            if status != 0 { throw ValidationError("cannot pin to CPU \(clientCPU): \(String(cString: strerror(status)))") }
        } else {
            progress("warning: not pinning (\(cpus) CPUs allowed); server and client share cores")
        }

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        var configuration = EventLoopConfiguration(loopCount: 1)
        guard let clientChoice = EventLoopConfiguration.BackendChoice(rawValue: clientBackend) else {
            throw ValidationError("unknown client backend \(clientBackend)")
        }
        configuration.backend = clientChoice
        let group = try EventLoopGroup(configuration: configuration)
        defer { group.shutdownGracefully(gracePeriod: .seconds(1)) }

        let logDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("nave-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let socketCount = connections * 2 * parsedBackends.count
        let sources = (0..<max(1, (socketCount + connectionsPerSource - 1) / connectionsPerSource)).map {
            SocketAddress(host: "127.0.0.\(2 + $0)", port: 0)!
        }
        let startedAt = Date()
        // Read before the run: other engineers may commit while it goes on.
        let revision = RepositoryInfo(directory: URL(fileURLWithPath: serverBinary).deletingLastPathComponent().path)
        progress("echo: \(connections) connections × in flight \(parsedInFlight) × \(frameBytes)-byte frames, "
            + "backends \(parsedBackends), warm-up \(warmup) s, \(rounds) × \(duration) s rounds; "
            + "server \(serverLoops) loop(s)\(pinning ? " on CPU \(serverCPU), client on CPU \(clientCPU)" : ""); "
            + "client backend \(group.backendKind.rawValue); server logs in \(logDirectory)")

        var results: [EchoBackendResult] = []
        for (index, depth) in parsedInFlight.enumerated() {
            let settings = EchoPhase.Settings(
                serverBinary: serverBinary, backends: parsedBackends, connections: connections, inFlight: depth,
                frameBytes: frameBytes, warmupSeconds: warmup, rounds: rounds, roundSeconds: duration,
                serverLoops: serverLoops, serverCPU: pinning ? serverCPU : nil, clientCPU: pinning ? clientCPU : nil,
                firstPort: port + index * 2 * parsedBackends.count, sources: sources,
                connectionsPerSource: connectionsPerSource, logDirectory: logDirectory, mallocConf: mallocConf,
                maxOtherLoad: maxOtherLoad, disturbedRetries: max(0, disturbedRetries))
            results += try EchoPhase(settings: settings, loop: group.loops[0]).run()
        }

        let workload = EchoWorkload(
            connections: connections, frameBytes: frameBytes, inFlightPerConnection: parsedInFlight,
            warmupSeconds: warmup, rounds: rounds, roundSeconds: duration, serverLoops: serverLoops, clientLoops: 1,
            clientBackend: group.backendKind.rawValue, serverCPU: pinning ? serverCPU : nil,
            clientCPU: pinning ? clientCPU : nil, serverBinary: serverBinary,
            serverBinaryModified: Self.modificationTime(of: serverBinary), serverMallocConf: mallocConf, sourceAddresses: sources.map(\.host),
            connectionsPerSourceAddress: connectionsPerSource, roundOrder: "alternating: A B, B A, A B, …",
            maxOtherLoadCores: maxOtherLoad, disturbedRetries: disturbedRetries)
        let result = EchoRunResult(
            timestamp: ISO8601DateFormatter().string(from: startedAt), naveRevision: revision.revision,
            naveTreeDirty: revision.dirty, kernel: RepositoryInfo.kernelRelease(), onlineCPUs: cpus,
            workload: workload, method: Self.method, results: results)
        let path = try write(result, startedAt: startedAt)
        print("")
        print(EchoTable(result: result).render())
        print("\nresult: \(path)")
        // Server logs (with jemalloc's statistics) stay when something needs looking at.
        for result in results {
            for warning in result.warnings { print("warning: \(result.backend), in flight \(result.inFlightPerConnection): \(warning)") }
        }
        if !keepServerLogs, results.allSatisfy({ $0.allocations.perMessage != nil }) {
            try? FileManager.default.removeItem(atPath: logDirectory)
        } else {
            print("server logs kept in \(logDirectory)")
        }
    }

    static let method: [String: String] = [
        "messagesPerSecond": "frames echoed back to the client during the round / wall seconds of the round; "
            + "closed loop: each echoed frame is replaced by a new one, so in-flight frames per connection stay constant",
        "serverCPUNanosPerMessage": "(utime+stime of the server process from /proc/PID/stat at round end − at round start) "
            + "/ frames echoed in the round; clock-tick resolution (10 ms)",
        "otherCPUCores": "busy time of all CPUs from /proc/stat over the round, minus the server's and this client's CPU time, "
            + "per wall second: other processes (or kernel threads) competing for the two cores; above ~0.1 the round is disturbed",
        "allocationsPerMessage": "the server runs with MALLOC_CONF=stats_print:true (it links jemalloc); at exit jemalloc prints "
            + "its statistics and we read nrequests of the 'total:' row of 'Merged arenas stats' (all malloc-family calls, "
            + "small and large). An idle baseline server of the same backend is started at the same time, holds as many "
            + "connections for the same time but gets no traffic; allocations per message = (loaded nrequests − idle nrequests) "
            + "/ frames the loaded server echoed in its whole life (warm-up included)",
        "roundTrip": "client-side time from queuing a frame to receiving its echo (HDR histogram, 3 digits), per round",
        "rss": "VmRSS and VmHWM of /proc/PID/status of the loaded server after the last round, connections still open",
    ]

    /// When the server binary was built: a dirty tree makes the revision alone ambiguous.
    static func modificationTime(of path: String) -> String? {
        guard let date = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
        return ISO8601DateFormatter().string(from: date)
    }

    private func write(_ result: EchoRunResult, startedAt: Date) throws -> String {
        try FileManager.default.createDirectory(atPath: resultsDirectory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let path = "\(resultsDirectory)/echo-\(formatter.string(from: startedAt)).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result).write(to: URL(fileURLWithPath: path))
        ResultChart.writeBeside(path)
        return path
    }
}

/// The revision of the repository the server binary was built from.
struct RepositoryInfo {
    var revision = "unknown"
    var dirty = false

    init(directory: String) {
        if let head = Self.git(["rev-parse", "--short", "HEAD"], in: directory) { revision = head }
        if let status = Self.git(["status", "--porcelain", "--untracked-files=no"], in: directory) { dirty = !status.isEmpty }
    }

    private static func git(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", directory] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func kernelRelease() -> String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
