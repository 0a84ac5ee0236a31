import Foundation
import Glibc
import NaveIO

/// Runs `nave-bench hub` scenarios. Connect storms start each target afresh per round
/// (alternating targets: A B, B A, …) and connect a fresh fleet from fresh source addresses;
/// flows start the node once, connect the devices, warm up, and measure consecutive rounds.
final class HubRunner {
    struct Settings {
        var target: HubTarget.Settings
        var rounds: Int
        var warmupSeconds: Double
        var roundSeconds: Double
        var devices: Int
        var inflight: Int
        var twinInflight: Int
        var payloadBytes: Int
        var connectCount: Int
        var tlsConnectCount: Int
        var connectWindow: Int
        var httpConnections: Int
        var methodTimeoutSeconds: Int
        var sweepRates: [Double]
        var connectionsPerSource: Int
        var firstPort: Int
        /// The iothubowner key (REST calls are signed with it).
        var serviceKey: String
        /// job-twin: telemetry publishes per second beside the job, and the longest the job may take.
        var jobTelemetryRate: Double = 2_000
        var jobSecondsMax: Double = 600
    }

    let settings: Settings
    let loop: EventLoop
    private var nextSourceIndex = 0
    private var nextPort: Int

    init(settings: Settings, loop: EventLoop) {
        self.settings = settings
        self.loop = loop
        nextPort = settings.firstPort
    }

    var caPath: String { settings.target.dataDirectory + "/certs/ca.pem" }

    func run(_ scenario: HubScenario, targets: [HubTarget.Kind]) throws -> [HubScenarioResult] {
        let targets = targets.filter(scenario.targets.contains)
        guard !targets.isEmpty else {
            progress("[\(scenario.name)] skipped: runs against \(scenario.targets.map(\.rawValue)) only")
            return []
        }
        switch scenario.kind {
        case .connect:
            var samples: [HubTarget.Kind: [MQTTRoundSample]] = [:]
            var once: [HubTarget.Kind: [String: Double]] = [:]
            for round in 1...settings.rounds {
                for kind in round % 2 == 1 ? targets : targets.reversed() {
                    let (sample, stats) = try connectStorm(scenario, kind, round: round)
                    progress("[\(scenario.name)] round \(round)/\(settings.rounds) \(kind.rawValue.padding(9)) \(Self.summary(sample))")
                    samples[kind, default: []].append(sample)
                    once[kind] = stats
                }
            }
            return targets.map { HubScenarioResult(scenario: scenario, target: $0.rawValue, rounds: samples[$0] ?? [], once: once[$0] ?? [:]) }
        case .flow, .sweep:
            let (rounds, once) = try flow(scenario)
            return [HubScenarioResult(scenario: scenario, target: HubTarget.Kind.nave.rawValue, rounds: rounds, once: once)]
        case .job:
            let (rounds, once) = try jobFlow(scenario)
            return [HubScenarioResult(scenario: scenario, target: HubTarget.Kind.nave.rawValue, rounds: rounds, once: once)]
        }
    }

    // MARK: Connect storm

    private func connectStorm(_ scenario: HubScenario, _ kind: HubTarget.Kind, round: Int) throws -> (MQTTRoundSample, [String: Double]) {
        let target = try startTarget(kind)
        defer { target.stop() }
        target.waitUntilIdle()
        let count = scenario.transport == .plain ? settings.connectCount : settings.tlsConnectCount
        let tls = try clientTLS(for: scenario.transport)
        if scenario.transport == .tlsResumed, let tls { try primeSession(tls, port: target.ports.deviceTLS) }
        let port = scenario.transport == .plain ? target.ports.devicePlain! : target.ports.deviceTLS
        let fleet = HubFleet(address: SocketAddress(host: "127.0.0.1", port: port)!, tls: tls, work: .idle, loop: loop)
        try fleet.addDevices(0..<count, keepAliveSeconds: 60, payloadBytes: settings.payloadBytes)
        defer { close(fleet) }
        let sources = freshSources(count: count)
        let perSource = settings.connectionsPerSource, window = settings.connectWindow
        let start = snapshot(fleet, target)
        loop.submitAndWait {
            fleet.recording = true
            fleet.connectAll(sources: sources, perSource: perSource, window: window)
        }
        try waitUntil("\(count) CONNACKs", timeoutSeconds: 300) {
            loop.submitAndWait { fleet.connAcked + fleet.connectFailures + fleet.refused + fleet.protocolErrors >= count }
        }
        let end = snapshot(fleet, target)
        let (lastAck, latency, failures, resumed, error) = loop.submitAndWait {
            (fleet.lastConnAckNanos, LatencyPercentiles(fleet.connectLatency), fleet.connectFailures + fleet.refused + fleet.protocolErrors,
             fleet.tlsResumed, fleet.lastError)
        }
        var sample = sampleBetween(start, end, round: round)
        let acked = end.connAcked - start.connAcked
        let seconds = Double(lastAck - start.nanos) / 1e9
        let cpuPerConnect = Double(end.targetCPUNanos - start.targetCPUNanos) / Double(max(1, acked))
        sample.metrics["connectsPerSecond"] = Double(acked) / seconds
        sample.metrics["targetCPUNanosPerConnect"] = cpuPerConnect
        sample.metrics["targetBoundConnectsPerSecond"] = 1e9 / max(1, cpuPerConnect)
        sample.metrics["connectFailures"] = Double(failures)
        sample.metrics["targetRSSBytes"] = Double(target.residentBytes())
        if scenario.transport != .plain { sample.metrics["resumedFraction"] = Double(resumed) / Double(max(1, acked)) }
        sample.latency = latency
        if let error, failures > 0 { sample.errors.append(error) }
        // The disconnect storm too: the client closes every connection; the target's CPU until
        // it is idle again, per connection.
        let beforeClose = target.cpuNanos()
        close(fleet)
        target.waitUntilIdle()
        sample.metrics["targetCPUNanosPerClose"] = Double(target.cpuNanos() - beforeClose) / Double(max(1, acked))
        target.stop()
        return (sample, eventLogFigures(target))
    }

    /// One connection on `tls` that lives until its CONNACK: by then the server's session
    /// tickets (sent right after its handshake, before the CONNACK) are in the context.
    private func primeSession(_ tls: TLSContext, port: Int) throws {
        let fleet = HubFleet(address: SocketAddress(host: "127.0.0.1", port: port)!, tls: tls, work: .idle, loop: loop)
        let index = max(settings.connectCount, settings.tlsConnectCount) // registered, never in a storm
        try fleet.addDevices(index..<(index + 1), keepAliveSeconds: 60, payloadBytes: settings.payloadBytes)
        let sources = freshSources(count: 1)
        loop.submitAndWait { fleet.connectAll(sources: sources, perSource: 1, window: 1) }
        try waitUntil("the priming CONNACK", timeoutSeconds: 10) { loop.submitAndWait { fleet.connAcked + fleet.connectFailures + fleet.refused > 0 } }
        close(fleet)
    }

    // MARK: Helpers

    /// A client TLS context for `transport` (nil for plain). Session reuse only where asked, so a
    /// "full handshake" storm never resumes.
    func clientTLS(for transport: HubScenario.Transport) throws -> TLSContext? {
        switch transport {
        case .plain: nil
        case .tls: try TLSContext(clientTrustingCAPath: caPath)
        case .tlsResumed: try TLSContext(clientTrustingCAPath: caPath, reuseSessions: true)
        }
    }

    func startTarget(_ kind: HubTarget.Kind) throws -> HubTarget {
        defer { nextPort += 6 } // HubTarget.Ports: firstPort…firstPort + 5
        return try HubTarget(kind: kind, settings: settings.target, firstPort: nextPort)
    }

    /// Fresh source addresses for `count` sockets: no TIME_WAIT left by an earlier round collides.
    func freshSources(count: Int) -> [SocketAddress] {
        let needed = max(1, (count + settings.connectionsPerSource - 1) / settings.connectionsPerSource)
        defer { nextSourceIndex += needed }
        // 127.1.x.y: apart from `nave-bench mqtt`'s 127.0.x.y, so runs of both never share sources.
        return (nextSourceIndex..<(nextSourceIndex + needed)).map {
            SocketAddress(host: "127.1.\($0 / 250).\(2 + $0 % 250)", port: 0)!
        }
    }

    func eventLogFigures(_ target: HubTarget) -> [String: Double] {
        guard let stats = target.eventLogStatistics(), stats.commits > 0 else { return [:] }
        return ["eventLogGroupCommits": Double(stats.commits), "eventLogRecordsCommitted": Double(stats.records),
                "eventLogRecordsPerGroupCommit": Double(stats.records) / Double(stats.commits),
                "eventLogLargestGroupCommit": Double(stats.largest)]
    }

    func close(_ fleet: HubFleet) {
        loop.submitAndWait { fleet.closeAll() }
        try? waitUntil("devices to close", timeoutSeconds: 15) { loop.submitAndWait { fleet.openCount <= 0 } }
    }

    struct Snapshot {
        var nanos: Int64
        var sent: Int
        var completed: Int
        var failed: Int
        var connAcked: Int
        var targetCPUNanos: Int64
        var clientCPUNanos: Int64
        var machineBusyNanos: Int64
    }

    func snapshot(_ fleet: HubFleet, _ target: HubTarget) -> Snapshot {
        let counts = loop.submitAndWait { (fleet.sent, fleet.completed, fleet.failedResponses, fleet.connAcked) }
        return Snapshot(nanos: monotonicNanos(), sent: counts.0, completed: counts.1, failed: counts.2, connAcked: counts.3,
                        targetCPUNanos: target.cpuNanos(), clientCPUNanos: ProcStat.cpuNanos(pid: getpid()) ?? 0,
                        machineBusyNanos: ProcStat.machineBusyNanos())
    }

    /// CPU shares between two snapshots (target, this harness, everything else on the machine).
    func sampleBetween(_ start: Snapshot, _ end: Snapshot, round: Int) -> MQTTRoundSample {
        var sample = MQTTRoundSample(round: round)
        sample.seconds = Double(end.nanos - start.nanos) / 1e9
        let target = Double(end.targetCPUNanos - start.targetCPUNanos), client = Double(end.clientCPUNanos - start.clientCPUNanos)
        sample.metrics["targetCPUCores"] = target / 1e9 / sample.seconds
        sample.metrics["clientCPUCores"] = client / 1e9 / sample.seconds
        sample.metrics["otherCPUCores"] = max(0, Double(end.machineBusyNanos - start.machineBusyNanos) / 1e9 / sample.seconds
            - (target + client) / 1e9 / sample.seconds)
        return sample
    }

    func waitUntil(_ what: String, timeoutSeconds: Double, _ condition: () -> Bool) throws {
        let deadline = monotonicSeconds() + timeoutSeconds
        while !condition() {
            guard monotonicSeconds() < deadline else { throw BrokerProcess.Failure(description: "timed out waiting for \(what)") }
            usleep(2_000)
        }
    }

    static func summary(_ sample: MQTTRoundSample) -> String {
        let m = sample.metrics
        var parts: [String] = []
        if let rate = m["targetRate"] { parts.append("target \(formatRate(rate))/s") }
        if let rate = m["connectsPerSecond"] { parts.append("\(formatRate(rate)) CONNACKs/s") }
        if let rate = m["completedPerSecond"] { parts.append("\(formatRate(rate)) answered/s") }
        if let fraction = m["resumedFraction"] { parts.append("resumed \(String(format2: fraction))") }
        if let cpu = m["targetCPUNanosPerConnect"] ?? m["targetCPUNanosPerMessage"] { parts.append("target \(String(format1: cpu / 1000)) µs/op") }
        if let cores = m["targetCPUCores"] { parts.append("target \(Int(cores * 100)) %") }
        if let cores = m["clientCPUCores"] { parts.append("client \(Int(cores * 100)) %") }
        if let cores = m["otherCPUCores"] { parts.append("other \(Int(cores * 100)) %") }
        if let latency = sample.latency { parts.append("p50 \(formatMicros(latency.p50Micros)) p99 \(formatMicros(latency.p99Micros)) µs") }
        if !sample.errors.isEmpty { parts.append("ERRORS: \(sample.errors.joined(separator: "; "))") }
        return parts.joined(separator: ", ")
    }
}
