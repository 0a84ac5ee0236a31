import ArgumentParser
import Foundation
import Glibc
import Logging
import NaveIO
import NaveMQTT

/// `nave-bench mqtt-worker`: a child process holding idle MQTT clients, so that more clients
/// than one process's 20,000 descriptors can be simulated (PERF.md rule 1). The parent starts
/// it with `WorkerProcess`, reads its progress lines from its stdout file, and SIGTERMs it.
struct MQTTWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt-worker",
        abstract: "(internal) Holds idle MQTT clients for `nave-bench mqtt idle`.",
        shouldDisplay: false
    )

    @Option var port: Int
    @Option var count: Int
    @Option(help: "Source addresses (comma-separated), `per-source` clients each.")
    var sources: String
    @Option var perSource = 10_000
    @Option var keepalive = 60
    @Option var idPrefix = "w"
    @Option var connectWindow = 500
    @Option(help: "The worker exits by itself after this many seconds (bounded lifetime).")
    var maxSeconds = 900.0

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1))
        let loop = group.loops[0]
        let fleet = MQTTFleet(name: idPrefix, address: SocketAddress(host: "127.0.0.1", port: port)!,
                              qos: .atMostOnce, keepAliveSeconds: UInt16(keepalive), loop: loop)
        let addresses = sources.split(separator: ",").map { SocketAddress(host: String($0), port: 0)! }
        loop.submitAndWait {
            fleet.connect(role: .idle, count: count, idPrefix: idPrefix, sources: addresses, perSource: perSource,
                          firstIndex: 0, window: connectWindow)
        }
        let started = monotonicSeconds()
        var lastPing = started
        var lastStatus = started
        var reported = false
        while monotonicSeconds() - started < maxSeconds {
            let (acked, failed, refused, closed, error) = loop.submitAndWait {
                (fleet.connAcked, fleet.connectFailures + fleet.protocolErrors, fleet.refused, fleet.unexpectedCloses, fleet.lastError)
            }
            let settled = acked + failed + refused >= count
            if settled && !reported {
                print("ready connected=\(acked) failed=\(failed + refused) closed=\(closed) error=\(error ?? "-")")
                fflush(nil)
                reported = true
                lastStatus = 0
            }
            // A status line at once and every 10 s: a soak reads the latest one for the connections held.
            if reported, monotonicSeconds() - lastStatus >= 10 {
                lastStatus = monotonicSeconds()
                print("status open=\(acked - closed) connected=\(acked) failed=\(failed + refused) closed=\(closed) error=\(error ?? "-")")
                fflush(nil)
            }
            // PINGREQ at most every 50 s: keeps the 60 s keep-alive satisfied in long runs.
            if monotonicSeconds() - lastPing > 50 {
                lastPing = monotonicSeconds()
                loop.submitAndWait { fleet.pingAll() }
            }
            usleep(100_000)
        }
        group.shutdownGracefully(gracePeriod: .seconds(1))
    }
}

/// A running `nave-bench mqtt-worker` child.
final class WorkerProcess {
    let pid: pid_t
    let stdoutPath: String
    private var reaped = false

    init(port: Int, count: Int, sources: [SocketAddress], perSource: Int, idPrefix: String, keepalive: Int,
         connectWindow: Int, logDirectory: String, maxSeconds: Double = 900) throws {
        stdoutPath = "\(logDirectory)/worker-\(idPrefix).out"
        var executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var arguments = [executable, "mqtt-worker", "--port", "\(port)", "--count", "\(count)",
                         "--sources", sources.map(\.host).joined(separator: ","), "--per-source", "\(perSource)",
                         "--keepalive", "\(keepalive)", "--id-prefix", idPrefix, "--connect-window", "\(connectWindow)",
                         "--max-seconds", "\(maxSeconds)"]
        if access("/usr/bin/setpriv", X_OK) == 0 {
            arguments = ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"] + arguments
            executable = "/usr/bin/setpriv"
        }
        pid = try ServerProcess.spawn(executable: executable, arguments: arguments,
                                      environment: ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" },
                                      stdoutPath: stdoutPath, stderrPath: "\(logDirectory)/worker-\(idPrefix).err")
        ChildProcesses.register(pid)
    }

    /// Waits for the "ready" line; returns (connected, failed).
    func waitUntilReady(timeoutSeconds: Double) throws -> (connected: Int, failed: Int, line: String) {
        let deadline = monotonicSeconds() + timeoutSeconds
        while monotonicSeconds() < deadline {
            if let text = try? String(contentsOfFile: stdoutPath, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ready ") }) {
                var values: [String: Int] = [:]
                for field in line.split(separator: " ") {
                    let parts = field.split(separator: "=", maxSplits: 1)
                    if parts.count == 2, let value = Int(parts[1]) { values[String(parts[0])] = value }
                }
                return (values["connected"] ?? 0, values["failed"] ?? 0, String(line))
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = true
                ChildProcesses.forget(pid)
                throw BrokerProcess.Failure(description: "load worker exited early (\(ServerProcess.describe(status: status)))")
            }
            usleep(50_000)
        }
        throw BrokerProcess.Failure(description: "load worker not ready within \(timeoutSeconds) s")
    }

    /// The fields of the worker's latest "status" line (every 10 s once ready), nil before the first.
    func latestStatus() -> [String: Int]? {
        guard let text = try? String(contentsOfFile: stdoutPath, encoding: .utf8),
              let line = text.split(separator: "\n").last(where: { $0.hasPrefix("status ") }) else { return nil }
        var values: [String: Int] = [:]
        for field in line.split(separator: " ") {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1]) { values[String(parts[0])] = value }
        }
        return values
    }

    /// Whether the worker process is still running (reaps it if it exited).
    var isRunning: Bool {
        guard !reaped else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            reaped = true
            ChildProcesses.forget(pid)
            return false
        }
        return true
    }

    func stop() {
        guard !reaped else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        reaped = true
        ChildProcesses.forget(pid)
    }
}
