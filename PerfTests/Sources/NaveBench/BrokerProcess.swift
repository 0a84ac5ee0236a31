import Foundation
import Glibc

/// An MQTT broker under test (Nave's `nave serve` or Mosquitto), started pinned to the broker
/// CPU, observed through /proc, stopped with SIGTERM (SIGKILL after 10 s).
final class BrokerProcess {
    enum Kind: String, Codable, CaseIterable { case nave, mosquitto }

    let kind: Kind
    let port: Int
    let pid: pid_t
    let logDirectory: String
    private var reaped = false

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Mosquitto's generated configuration: loopback only, no persistence, queues large enough
    /// for the fan-in scenarios, the same in-flight window as Nave's default (32).
    static func mosquittoConfig(port: Int) -> String {
        """
        listener \(port) 127.0.0.1
        allow_anonymous true
        persistence false
        max_queued_messages 1000000
        max_inflight_messages 32
        max_connections -1
        log_dest stderr
        log_type error
        log_type warning

        """
    }

    /// Starts `setup` on `port` pinned to its broker CPUs and returns once the port accepts and,
    /// for Nave, its start-up log confirms the loops and router shards asked for.
    init(setup: BrokerSetup, port: Int, logDirectory: String) throws {
        kind = setup.kind
        self.port = port
        self.logDirectory = logDirectory
        var arguments: [String]
        switch kind {
        case .nave:
            // Info level: the start-up lines name the loops and shards in effect (the hot paths
            // log nothing at info; a normal close is logged at debug). The hub is off
            // (HUB_ENABLED=false), but the data directory is named anyway, beside the logs, so a
            // run that turns it on never leaves a hub in the working directory (issue #11).
            arguments = [setup.binary, "serve", "--host", "127.0.0.1", "--port", "\(port)", "--loops", "\(setup.loops)", "--log-level", "info",
                         "--data-dir", "\(logDirectory)/nave-data-\(port)"]
        case .mosquitto:
            let config = "\(logDirectory)/mosquitto-\(port).conf"
            try Self.mosquittoConfig(port: port).write(toFile: config, atomically: true, encoding: .utf8)
            arguments = [setup.binary, "-c", config]
        }
        if access("/usr/bin/setpriv", X_OK) == 0 { arguments = ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"] + arguments }
        let environment = ServerProcess.nodeEnvironment(adding: setup.environment)
        let (stdoutPath, stderrPath) = ("\(logDirectory)/\(kind.rawValue)-\(port).out", "\(logDirectory)/\(kind.rawValue)-\(port).err")
        pid = try CPUAffinity.whilePinned(to: setup.brokerCPUs) {
            try ServerProcess.spawn(executable: arguments[0], arguments: arguments,
                                    environment: environment,
                                    stdoutPath: stdoutPath, stderrPath: stderrPath)
        }
        ChildProcesses.register(pid)
        try waitUntilAccepting()
        if kind == .nave { try confirmStarted(loops: setup.loops, routerShards: setup.expectedRouterShards) }
    }

    var stderrPath: String { "\(logDirectory)/\(kind.rawValue)-\(port).err" }

    /// Polls a TCP connect to the port (at most 10 s).
    private func waitUntilAccepting() throws {
        let deadline = monotonicSeconds() + 10
        while monotonicSeconds() < deadline {
            if Self.canConnect(port: port) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = true
                ChildProcesses.forget(pid)
                throw Failure(description: "\(kind.rawValue) exited at start (\(ServerProcess.describe(status: status))):\n"
                    + ((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""))
            }
            usleep(20_000)
        }
        throw Failure(description: "\(kind.rawValue) did not accept on port \(port) within 10 s")
    }

    /// Reads Nave's "node started" line (at most 5 s after the port accepts: it is logged just
    /// after the listeners open) and checks that the loops and router shards in effect are the
    /// ones asked for, so a setting that did not reach the node fails the round instead of
    /// being measured under the wrong name.
    private func confirmStarted(loops: Int, routerShards: Int) throws {
        let deadline = monotonicSeconds() + 5
        while monotonicSeconds() < deadline {
            let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("node started") }) {
                let reported = (Self.field(" loops=", in: line), Self.field(" routerShards=", in: line))
                guard reported == (loops, routerShards) else {
                    throw Failure(description: "nave started with loops \(reported.0.map(String.init) ?? "?"), router shards "
                        + "\(reported.1.map(String.init) ?? "?"); asked for \(loops) and \(routerShards)")
                }
                return
            }
            usleep(20_000)
        }
        throw Failure(description: "nave logged no \"node started\" line within 5 s of accepting (see \(stderrPath))")
    }

    /// The integer after `key` in a log line's metadata ("… loops=2 …").
    private static func field(_ key: String, in line: Substring) -> Int? {
        guard let range = line.range(of: key) else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    func cpuNanos() -> Int64 { ProcStat.cpuNanos(pid: pid) ?? 0 }
    func systemCPUNanos() -> Int64 { ProcStat.cpuSplitNanos(pid: pid)?.system ?? 0 }
    func residentBytes() -> Int { ProcStat.statusField("VmRSS", pid: pid) ?? 0 }

    /// Waits until the broker used under 2 % of a core over 200 ms (at most `timeoutSeconds`):
    /// a saturated broker keeps draining after the load stops (PERF.md rule 3).
    @discardableResult
    func waitUntilIdle(timeoutSeconds: Double = 15) -> Bool {
        ChildProcesses.waitUntilIdle(pid: pid, timeoutSeconds: timeoutSeconds)
    }

    /// nil while the broker runs; how it ended once it has exited (it is then reaped).
    func exitDescription() -> String? {
        guard !reaped else { return "stopped" }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        reaped = true
        ChildProcesses.forget(pid)
        return ServerProcess.describe(status: status)
    }

    func stop() {
        guard !reaped else { return }
        ChildProcesses.terminate(pid, graceSeconds: 10)
        reaped = true
    }

    /// "mosquitto version 2.0.11" or the nave binary's build time.
    static func version(kind: Kind, binary: String) -> String {
        switch kind {
        case .mosquitto:
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["-h"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return "unknown" }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "unknown"
        case .nave:
            let revision = RepositoryInfo(directory: URL(fileURLWithPath: binary).deletingLastPathComponent().path)
            return "nave \(revision.revision)\(revision.dirty ? " (dirty)" : "") built \(EchoCommand.modificationTime(of: binary) ?? "?")"
        }
    }
}
