import Foundation
import Glibc
import NaveIO

/// One soak, phase by phase: start the broker, connect the active fleet here and the idle
/// clients in workers, load for `--duration` seconds with samples and progress lines, drain
/// QoS 1, account, stop everything.
final class SoakRun {
    let command: SoakCommand
    let setup: BrokerSetup
    let loop: EventLoop
    let logDirectory: String
    let allowedCPUs: Int
    var samples: [SoakSample] = []
    var workers: [WorkerProcess] = []
    var failures: [String] = []
    private var loadStartNanos: Int64 = 0

    init(command: SoakCommand, setup: BrokerSetup, loop: EventLoop, logDirectory: String, allowedCPUs: Int) {
        self.command = command
        self.setup = setup
        self.loop = loop
        self.logDirectory = logDirectory
        self.allowedCPUs = allowedCPUs
    }

    /// Source address number `index`: 127.0.x.y from 127.0.0.2 on.
    private static func source(_ index: Int) -> SocketAddress {
        SocketAddress(host: "127.0.\(index / 250).\(2 + index % 250)", port: 0)!
    }

    func execute() throws -> SoakRunResult {
        let startedAt = Date()
        let loadAverageStart = LoadAverage.read()
        let version = BrokerProcess.version(kind: .nave, binary: setup.binary)
        let plan = command.plan
        progress("soak: \(command.connections) connections (\(plan.activeClients - 1) active here, the rest idle in \(command.workers) workers), "
            + "\(Int(plan.ratePerSecond)) publishes/s (QoS 1 share \(plan.qos1Share)), \(Int(command.duration)) s; "
            + "\(setup.placement); load average \(loadAverageStart); logs in \(logDirectory)")
        progress("  \(version)")
        let broker = try BrokerProcess(setup: setup, port: command.port, logDirectory: logDirectory)
        defer { broker.stop() }
        defer { workers.forEach { $0.stop() } }
        broker.waitUntilIdle()
        let fleet = SoakFleet(plan: plan, address: SocketAddress(host: "127.0.0.1", port: broker.port)!, loop: loop)
        defer { close(fleet) }

        // Active clients first (their subscriptions must exist before anything is published).
        let activeSources = (plan.activeClients + command.activePerSource - 1) / command.activePerSource
        let perSource = command.activePerSource
        loop.submitAndWait {
            fleet.build(sources: (0..<activeSources).map(Self.source), perSource: perSource)
            fleet.connectAll()
        }
        let subscribers = loop.submitAndWait { fleet.trackedSubscribers.count + fleet.qos0Subscribers.count + 1 }
        try waitUntil("the active fleet's CONNACKs and SUBACKs", timeoutSeconds: 120) {
            loop.submitAndWait { fleet.subAcks >= subscribers && fleet.held >= plan.activeClients - 2 }
        }
        try startWorkers(port: broker.port, idle: command.connections - (plan.activeClients - 1), firstSource: activeSources)
        broker.waitUntilIdle()

        let load = try runLoad(fleet, broker)
        let drainSeconds = drain(fleet)
        let summary = try finish(fleet, broker, load: load, drainSeconds: drainSeconds, loadAverageStart: loadAverageStart)
        let revision = RepositoryInfo(directory: URL(fileURLWithPath: setup.binary).deletingLastPathComponent().path)
        return SoakRunResult(
            timestamp: ISO8601DateFormatter().string(from: startedAt), naveRevision: revision.revision, naveTreeDirty: revision.dirty,
            naveVersion: version, kernel: RepositoryInfo.kernelRelease(), onlineCPUs: allowedCPUs,
            command: CommandLine.arguments.joined(separator: " "), settings: settings(plan), method: SoakRunResult.method,
            samples: samples, summary: summary)
    }

    private func startWorkers(port: Int, idle: Int, firstSource: Int) throws {
        var nextSource = firstSource
        for index in 0..<command.workers {
            let count = idle / command.workers + (index < idle % command.workers ? 1 : 0)
            let sourceCount = (count + command.connectionsPerSource - 1) / command.connectionsPerSource
            let sources = (nextSource..<(nextSource + sourceCount)).map(Self.source)
            nextSource += sourceCount
            workers.append(try WorkerProcess(port: port, count: count, sources: sources, perSource: command.connectionsPerSource,
                                             idPrefix: "soak-idle\(index)-", keepalive: 60, connectWindow: 500,
                                             logDirectory: logDirectory, maxSeconds: command.duration + 600))
        }
        for (index, worker) in workers.enumerated() {
            let ready = try worker.waitUntilReady(timeoutSeconds: 300)
            progress("  worker \(index): \(ready.line)")
            if ready.failed > 0 { failures.append("worker \(index) could not connect all its clients: \(ready.line)") }
        }
    }

    // MARK: Load

    struct LoadFigures {
        var seconds: Double
        var brokerCPUNanos: Int64
    }

    private func runLoad(_ fleet: SoakFleet, _ broker: BrokerProcess) throws -> LoadFigures {
        let start = monotonicNanos()
        loadStartNanos = start
        let cpuStart = broker.cpuNanos()
        var lastCPU = cpuStart, lastNanos = start
        loop.submitAndWait { fleet.startLoad() }
        samples.append(sample(fleet, broker, since: (cpuStart, start), now: start, descriptors: true))
        progress(samples[0].line)
        var nextSample = command.sampleEvery, nextReport = command.reportEvery
        let end = start + Int64(command.duration * 1e9)
        while monotonicNanos() < end {
            usleep(100_000)
            if let exit = broker.exitDescription() {
                failures.append("the broker exited during the run: \(exit)")
                progress("!! the broker exited: \(exit)")
                break
            }
            let now = monotonicNanos()
            let elapsed = Double(now - start) / 1e9
            guard elapsed >= nextSample || now >= end else { continue }
            let report = elapsed >= nextReport || now >= end
            let reading = sample(fleet, broker, since: (lastCPU, lastNanos), now: now, descriptors: report)
            samples.append(reading)
            (lastCPU, lastNanos) = (broker.cpuNanos(), now)
            nextSample += command.sampleEvery
            if report {
                progress(reading.line)
                nextReport += command.reportEvery
            }
        }
        return LoadFigures(seconds: Double(monotonicNanos() - start) / 1e9, brokerCPUNanos: broker.cpuNanos() - cpuStart)
    }

    private func sample(_ fleet: SoakFleet, _ broker: BrokerProcess, since: (cpu: Int64, nanos: Int64), now: Int64,
                        descriptors: Bool) -> SoakSample {
        let counts = loop.submitAndWait {
            (fleet.held, fleet.published, fleet.delivered, fleet.ledger.acknowledgedCount, fleet.errors.values.reduce(0, +))
        }
        let statuses = workers.map { $0.latestStatus() }
        let workerOpen = statuses.reduce(0) { $0 + ($1?["open"] ?? 0) }
        let workerLost = statuses.reduce(0) { $0 + ($1?["closed"] ?? 0) + ($1?["failed"] ?? 0) }
        let cpu = broker.cpuNanos()
        return SoakSample(
            seconds: Double(now - loadStartNanos) / 1e9,
            brokerRSSBytes: broker.residentBytes(),
            brokerCPUCores: now > since.nanos ? Double(cpu - since.cpu) / Double(now - since.nanos) : 0,
            connectionsHeld: counts.0 + workerOpen,
            brokerDescriptors: descriptors ? (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(broker.pid)/fd").count) : nil,
            publishedQoS0: counts.1[0], publishedQoS1: counts.1[1], ackedQoS1: counts.3,
            deliveredQoS0: counts.2[0], deliveredQoS1: counts.2[1], errors: counts.4 + workerLost,
            loadAverage1: LoadAverage.read().first ?? 0)
    }

    // MARK: Drain and account

    /// Waits (at most `--drain-seconds`) until every QoS 1 publish is acknowledged, every tracked
    /// subscriber is back, and none of them misses an acknowledged message; returns the seconds.
    private func drain(_ fleet: SoakFleet) -> Double {
        let start = monotonicNanos()
        loop.submitAndWait { fleet.stopLoad() }
        usleep(1_000_000)
        let deadline = start + Int64(command.drainSeconds * 1e9)
        while monotonicNanos() < deadline {
            let done = loop.submitAndWait { () -> Bool in
                let state = fleet.drainState()
                return state.inFlight == 0 && state.trackedAway == 0 && fleet.ledger.missing(examples: 0).count == 0
            }
            if done { break }
            usleep(500_000)
        }
        // QoS 0 still on its way.
        usleep(500_000)
        return Double(monotonicNanos() - start) / 1e9
    }
}
