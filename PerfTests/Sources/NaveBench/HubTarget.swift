import CBenchSupport
import Foundation
import Glibc

/// The system under test of `nave-bench hub`: a Nave node (`nave serve --config` with the hub's
/// device listeners on free ports and the benchmark's data directory) or, for the TLS connect
/// storm, Mosquitto with a TLS listener presenting the same development certificate. Started
/// pinned to the target CPU, observed through /proc, stopped with SIGTERM (SIGKILL after 30 s).
final class HubTarget {
    enum Kind: String, Codable, CaseIterable { case nave, mosquitto }

    /// Where the target listens: devices over TLS, devices over plain TCP (Nave only), HTTPS.
    struct Ports {
        var deviceTLS: Int
        var devicePlain: Int?
        var https: Int?
        /// AMQP over TLS (the Event Hub-compatible endpoint, C2D from back ends).
        var amqp: Int? = nil
        /// AMQP without TLS (`hub.plainAmqpListeners`): `nave-bench amqp` measures the endpoint
        /// itself with it, as the hub flows use the plain MQTT listener.
        var plainAmqp: Int? = nil
    }

    let kind: Kind
    let ports: Ports
    let pid: pid_t
    let stderrPath: String
    private var reaped = false

    struct Settings {
        var naveBinary: String
        var mosquittoBinary: String
        var dataDirectory: String
        var loops: Int
        var targetCPU: Int?
        var clientCPU: Int?
        var logDirectory: String
        /// `hub.routingFile` of the node (ARM's routing JSON), for runs with routes; nil: none.
        var routingFile: String? = nil
    }

    /// Starts `kind` on `firstPort` and the five ports after it; returns once every port accepts.
    init(kind: Kind, settings: Settings, firstPort: Int) throws {
        self.kind = kind
        let directory = settings.logDirectory
        var arguments: [String]
        switch kind {
        case .nave:
            ports = Ports(deviceTLS: firstPort, devicePlain: firstPort + 1, https: firstPort + 2, amqp: firstPort + 4,
                          plainAmqp: firstPort + 5)
            // The plain broker listener is required by the node; it gets a port nobody uses.
            let config = """
            io:
              loops: \(settings.loops)
            dataDirectory: "\(settings.dataDirectory)"
            log:
              level: info
            mqtt:
              listeners: ["127.0.0.1:\(firstPort + 3)"]
            hub:
              mqttListeners: ["127.0.0.1:\(firstPort)"]
              plainMqttListeners: ["127.0.0.1:\(firstPort + 1)"]
              httpsListeners: ["127.0.0.1:\(firstPort + 2)"]
              amqpListeners: ["127.0.0.1:\(firstPort + 4)"]
              plainAmqpListeners: ["127.0.0.1:\(firstPort + 5)"]
            \(settings.routingFile.map { "  routingFile: \"\($0)\"" } ?? "")

            """
            let path = "\(directory)/nave-\(firstPort).yaml"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            arguments = [settings.naveBinary, "serve", "--config", path]
        case .mosquitto:
            ports = Ports(deviceTLS: firstPort, devicePlain: nil, https: nil)
            let certs = settings.dataDirectory + "/certs"
            // `user root`: Mosquitto started as root otherwise drops to user mosquitto before it
            // loads the certificates, and the data directory's certs/ is private to root.
            let config = """
            user root
            listener \(firstPort) 127.0.0.1
            cafile \(certs)/ca.pem
            certfile \(certs)/server.pem
            keyfile \(certs)/server.key
            allow_anonymous true
            persistence false
            max_connections -1
            log_dest stderr
            log_type error
            log_type warning

            """
            let path = "\(directory)/mosquitto-tls-\(firstPort).conf"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            arguments = [settings.mosquittoBinary, "-c", path]
        }
        stderrPath = "\(directory)/\(kind.rawValue)-hub-\(firstPort).err"
        if access("/usr/bin/setpriv", X_OK) == 0 { arguments = ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"] + arguments }
        if let cpu = settings.targetCPU { _ = bench_pin_current_thread(Int32(cpu)) }
        defer { if let cpu = settings.clientCPU { _ = bench_pin_current_thread(Int32(cpu)) } }
        pid = try ServerProcess.spawn(executable: arguments[0], arguments: arguments,
                                      environment: ServerProcess.nodeEnvironment(),
                                      stdoutPath: "\(directory)/\(kind.rawValue)-hub-\(firstPort).out", stderrPath: stderrPath)
        ChildProcesses.register(pid)
        // Opening the store with 10 k devices and making certificates on a first start take seconds.
        for port in [ports.deviceTLS, ports.devicePlain, ports.https, ports.amqp, ports.plainAmqp].compactMap({ $0 }) { try waitUntilAccepting(port: port) }
    }

    private func waitUntilAccepting(port: Int) throws {
        let deadline = monotonicSeconds() + 60
        while monotonicSeconds() < deadline {
            if BrokerProcess.canConnect(port: port) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = true
                ChildProcesses.forget(pid)
                throw BrokerProcess.Failure(description: "\(kind.rawValue) exited at start (\(ServerProcess.describe(status: status))):\n"
                    + ((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""))
            }
            usleep(20_000)
        }
        throw BrokerProcess.Failure(description: "\(kind.rawValue) did not accept on port \(port) within 60 s")
    }

    func cpuNanos() -> Int64 { ProcStat.cpuNanos(pid: pid) ?? 0 }
    func residentBytes() -> Int { ProcStat.statusField("VmRSS", pid: pid) ?? 0 }

    /// Waits until the target used under 2 % of a core over 200 ms (at most `timeoutSeconds`).
    @discardableResult
    func waitUntilIdle(timeoutSeconds: Double = 20) -> Bool {
        ChildProcesses.waitUntilIdle(pid: pid, timeoutSeconds: timeoutSeconds)
    }

    /// SIGTERM and wait (the node drains its event log); SIGKILL after 30 s.
    func stop() {
        guard !reaped else { return }
        ChildProcesses.terminate(pid, graceSeconds: 30)
        reaped = true
    }

    /// Group commit over the node's life, from its "node stopped" log line (after `stop`):
    /// (group commits, records committed, largest batch).
    func eventLogStatistics() -> (commits: Int, records: Int, largest: Int)? {
        guard kind == .nave, let text = try? String(contentsOfFile: stderrPath, encoding: .utf8),
              let line = text.split(separator: "\n").last(where: { $0.contains("node stopped") }) else { return nil }
        func field(_ name: String) -> Int? {
            guard let range = line.range(of: name + ": ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        guard let commits = field("groupCommits"), let records = field("recordsCommitted") else { return nil }
        return (commits, records, field("largestGroupCommitRecords") ?? 0)
    }

    /// Lines of the target's log at warning level or above (for the report when something failed).
    func problems(limit: Int = 5) -> [String] {
        guard let text = try? String(contentsOfFile: stderrPath, encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n").filter { $0.contains(" error ") || $0.contains(" warning ") || $0.contains("critical") }
        return lines.suffix(limit).map(String.init)
    }
}
