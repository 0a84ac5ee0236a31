import Foundation
import Glibc
import NaveIO
import NaveMQTT

/// Runs MQTT scenarios against one or more broker setups (brokers, or one broker's settings):
/// each round starts each setup afresh (in alternating order: A B C, C B A, …), connects a
/// fresh fleet from fresh source addresses, warms up, measures, drains, and stops the broker,
/// so no run inherits another's backlog.
final class MQTTRunner {
    struct Settings {
        var rounds: Int
        var warmupSeconds: Double
        var roundSeconds: Double
        var payloadBytes: Int
        var connectCount: Int
        var connectWindow: Int
        var idleLow: Int
        var idleHigh: Int
        var idleCPUSeconds: Double
        var qos0Window: Int
        var fixedRate: Double?
        var connectionsPerSource: Int
        var firstPort: Int
        var logDirectory: String
        /// The subscribers' QoS in QoS 1 flows (nil: 1).
        var subscriberQoS: Int?
        /// Fixed-rate pacing step (nanoseconds).
        var paceStepNanos: Int64 = 1_000_000
    }

    let settings: Settings
    let loop: EventLoop
    private var nextSourceIndex = 0
    private var nextPort: Int
    /// Saturated medians by scenario and setup label, for the fixed-rate scenarios.
    private var saturatedMedians: [String: [String: Double]] = [:]

    init(settings: Settings, loop: EventLoop) {
        self.settings = settings
        self.loop = loop
        nextPort = settings.firstPort
    }

    /// Fresh source addresses for `count` sockets: no TIME_WAIT left by an earlier run collides.
    private func freshSources(count: Int) -> [SocketAddress] {
        let needed = max(1, (count + settings.connectionsPerSource - 1) / settings.connectionsPerSource)
        defer { nextSourceIndex += needed }
        return (nextSourceIndex..<(nextSourceIndex + needed)).map {
            SocketAddress(host: "127.0.\($0 / 250).\(2 + $0 % 250)", port: 0)!
        }
    }

    private func startBroker(_ setup: BrokerSetup) throws -> BrokerProcess {
        defer { nextPort += 1 }
        return try BrokerProcess(setup: setup, port: nextPort, logDirectory: settings.logDirectory)
    }

    func run(_ scenario: MQTTScenario, setups: [BrokerSetup]) throws -> [MQTTScenarioResult] {
        var samples: [String: [MQTTRoundSample]] = [:]
        let rounds = scenario.kind == .idle ? 1 : settings.rounds
        let width = setups.map(\.label.count).max() ?? 9
        for round in 1...rounds {
            for setup in round % 2 == 1 ? setups : setups.reversed() {
                let sample: MQTTRoundSample
                switch scenario.kind {
                case .connect: sample = try connectStorm(setup, round: round)
                case .idle: sample = try idleHeld(setup)
                case .flow: sample = try flow(scenario, setup, round: round)
                }
                progress("[\(scenario.name)] round \(round)/\(rounds) \(setup.label.padding(width)) \(sample.summary)")
                samples[setup.label, default: []].append(sample)
            }
        }
        let results = setups.map { MQTTScenarioResult(scenario: scenario, broker: $0.label, rounds: samples[$0.label] ?? []) }
        for result in results {
            if let rate = result.median["deliveredPerSecond"] { saturatedMedians[scenario.name, default: [:]][result.broker] = rate }
        }
        return results
    }

    // MARK: Connect storm

    private func connectStorm(_ setup: BrokerSetup, round: Int) throws -> MQTTRoundSample {
        let broker = try startBroker(setup)
        defer { broker.stop() }
        let fleet = makeFleet(broker, name: setup.label, qos: .atMostOnce)
        defer { close(fleet) }
        broker.waitUntilIdle()
        let settings = self.settings
        let count = settings.connectCount
        let sources = freshSources(count: count)
        let start = snapshot(fleet, broker)
        loop.submitAndWait {
            fleet.recording = true
            fleet.connect(role: .idle, count: count, idPrefix: "c\(round)-", sources: sources,
                          perSource: settings.connectionsPerSource, firstIndex: 0, window: settings.connectWindow)
        }
        try waitUntil("\(count) CONNACKs", timeoutSeconds: 120) {
            loop.submitAndWait { fleet.connAcked + fleet.connectFailures + fleet.refused + fleet.protocolErrors >= count }
        }
        let end = snapshot(fleet, broker)
        let (lastAck, latency, failures, error) = loop.submitAndWait {
            (fleet.lastConnAckNanos, LatencyPercentiles(fleet.connectLatency), fleet.connectFailures + fleet.refused + fleet.protocolErrors, fleet.lastError)
        }
        var sample = MQTTRoundSample(round: round, start: start, end: end, messages: end.connAcked - start.connAcked)
        let seconds = Double(lastAck - start.nanos) / 1e9
        sample.metrics["connections"] = Double(end.connAcked)
        sample.metrics["connectsPerSecond"] = Double(end.connAcked) / seconds
        sample.metrics["connectFailures"] = Double(failures)
        sample.metrics["brokerRSSBytes"] = Double(broker.residentBytes())
        sample.latency = latency
        if let error, failures > 0 { sample.errors.append(error) }
        return sample
    }

    // MARK: Idle connections held

    private func idleHeld(_ setup: BrokerSetup) throws -> MQTTRoundSample {
        let broker = try startBroker(setup)
        defer { broker.stop() }
        var workers: [WorkerProcess] = []
        defer { workers.forEach { $0.stop() } }
        broker.waitUntilIdle()
        let baseline = broker.residentBytes()
        var sample = MQTTRoundSample(round: 1)
        var held = 0
        var rss: [Int] = []
        for (index, count) in [settings.idleLow, settings.idleHigh - settings.idleLow].enumerated() {
            let worker = try WorkerProcess(port: broker.port, count: count, sources: freshSources(count: count),
                                           perSource: settings.connectionsPerSource, idPrefix: "\(setup.kind.rawValue)-\(broker.port)-\(index)-",
                                           keepalive: 60, connectWindow: settings.connectWindow, logDirectory: settings.logDirectory)
            workers.append(worker)
            let ready = try worker.waitUntilReady(timeoutSeconds: 180)
            held += ready.connected
            if ready.failed > 0 { sample.errors.append("worker \(index): \(ready.line)") }
            broker.waitUntilIdle()
            usleep(1_000_000)
            rss.append(broker.residentBytes())
            progress("[idle] \(setup.label): \(held) connections held, broker RSS \(String(format1: Double(rss.last!) / 1_048_576)) MiB")
        }
        let cpuBefore = broker.cpuNanos()
        let started = monotonicNanos()
        usleep(UInt32(settings.idleCPUSeconds * 1_000_000))
        let idleCores = Double(broker.cpuNanos() - cpuBefore) / Double(monotonicNanos() - started)
        sample.metrics["connectionsHeld"] = Double(held)
        sample.metrics["brokerRSSBytesBaseline"] = Double(baseline)
        sample.metrics["brokerRSSBytesLow"] = Double(rss[0])
        sample.metrics["brokerRSSBytesHigh"] = Double(rss[1])
        sample.metrics["bytesPerIdleConnection"] = Double(rss[1] - rss[0]) / Double(max(1, settings.idleHigh - settings.idleLow))
        sample.metrics["bytesPerConnectionFromZero"] = Double(rss[1] - baseline) / Double(max(1, held))
        sample.metrics["idleBrokerCPUCores"] = idleCores
        return sample
    }

    // MARK: Publish / subscribe flows

    private func flow(_ scenario: MQTTScenario, _ setup: BrokerSetup, round: Int) throws -> MQTTRoundSample {
        let broker = try startBroker(setup)
        defer { broker.stop() }
        let fleet = makeFleet(broker, name: setup.label, qos: scenario.mqttQoS)
        defer { close(fleet) }
        let settings = self.settings
        let topics = (0..<scenario.topics).map(MQTTScenario.topic)
        let mode = try sendMode(scenario, setup.label)
        loop.submitAndWait {
            fleet.deliveriesPerPublish = max(1, scenario.subscribers / scenario.topics)
            if scenario.qos > 0, let subscriberQoS = settings.subscriberQoS { fleet.subscriberQoS = subscriberQoS == 0 ? .atMostOnce : .atLeastOnce }
            fleet.preparePublishes(topics: topics, payloadBytes: settings.payloadBytes)
        }
        let sources = freshSources(count: scenario.subscribers + scenario.publishers)
        let perSource = settings.connectionsPerSource
        loop.submitAndWait {
            fleet.connect(role: .subscriber, count: scenario.subscribers, idPrefix: "s\(round)-", subscribeTo: { topics[$0 % topics.count] },
                          sources: sources, perSource: perSource, firstIndex: 0, window: settings.connectWindow)
        }
        try waitUntil("\(scenario.subscribers) SUBACKs", timeoutSeconds: 60) { loop.submitAndWait { fleet.subAcked >= scenario.subscribers } }
        loop.submitAndWait {
            fleet.connect(role: .publisher, count: scenario.publishers, idPrefix: "p\(round)-", sources: sources, perSource: perSource,
                          firstIndex: scenario.subscribers, window: settings.connectWindow)
        }
        let clients = scenario.subscribers + scenario.publishers
        try waitUntil("\(clients) CONNACKs", timeoutSeconds: 120) { loop.submitAndWait { fleet.connAcked >= clients } }
        broker.waitUntilIdle()

        loop.submitAndWait { fleet.setMode(mode) }
        usleep(UInt32(settings.warmupSeconds * 1_000_000))
        loop.submitAndWait {
            fleet.latency.reset()
            fleet.recording = true
        }
        let start = snapshot(fleet, broker)
        usleep(UInt32(settings.roundSeconds * 1_000_000))
        let end = snapshot(fleet, broker)
        let latency = loop.submitAndWait { () -> LatencyPercentiles in
            fleet.recording = false
            fleet.setMode(.stopped)
            return LatencyPercentiles(fleet.latency)
        }
        var sample = MQTTRoundSample(round: round, start: start, end: end, messages: end.delivered - start.delivered)
        sample.latency = latency
        sample.metrics["publishedPerSecond"] = Double(end.published - start.published) / sample.seconds
        sample.metrics["deliveredPerSecond"] = Double(end.delivered - start.delivered) / sample.seconds
        sample.metrics["brokerRSSBytes"] = Double(broker.residentBytes())
        if case .fixedRate(let rate, _) = mode { sample.metrics["targetPublishRate"] = rate }
        // Let the broker drain (bounded), then account for what never arrived.
        drain(fleet, qos1: scenario.qos > 0)
        let (counts, closes, errors, error) = loop.submitAndWait {
            ((fleet.published, fleet.delivered, fleet.acked, fleet.writtenOff), fleet.unexpectedCloses, fleet.protocolErrors, fleet.lastError)
        }
        sample.metrics["undeliveredAfterDrain"] = Double(counts.0 * fleet.deliveriesPerPublish - counts.1)
        if scenario.qos > 0 { sample.metrics["unackedAfterDrain"] = Double(counts.0 - counts.2) }
        if closes + errors > 0 { sample.errors.append("\(closes) unexpected closes, \(errors) protocol errors; last: \(error ?? "-")") }
        return sample
    }

    private func sendMode(_ scenario: MQTTScenario, _ label: String) throws -> MQTTSendMode {
        switch scenario.pace {
        case .saturate: return .deliveryWindow(settings.qos0Window)
        case .unpaced: return .unpaced(outboundBytes: 64 << 10)
        case .ackWindow(let window): return .ackWindow(window)
        case .fixedRate(let rate, let window):
            if let rate = rate ?? settings.fixedRate { return .fixedRate(perSecond: rate, window: window) }
            guard let baseline = scenario.baseline, let saturated = saturatedMedians[baseline]?[label] else {
                throw BrokerProcess.Failure(description: "\(scenario.name) needs --rate or its baseline scenario \(scenario.baseline ?? "-") earlier in the same run")
            }
            return .fixedRate(perSecond: saturated / 2, window: window)
        case .commonRate(let window):
            if let rate = settings.fixedRate { return .fixedRate(perSecond: rate, window: window) }
            guard let baseline = scenario.baseline, let slowest = saturatedMedians[baseline]?.values.min() else {
                throw BrokerProcess.Failure(description: "\(scenario.name) needs --rate or its baseline scenario \(scenario.baseline ?? "-") earlier in the same run")
            }
            return .fixedRate(perSecond: slowest / 2, window: window)
        }
    }

    /// Waits (at most 10 s) until deliveries stop for 300 ms and, for QoS 1, every publish is acknowledged.
    private func drain(_ fleet: MQTTFleet, qos1: Bool) {
        let deadline = monotonicSeconds() + 10
        var last = -1
        while monotonicSeconds() < deadline {
            let (delivered, pending) = loop.submitAndWait { (fleet.delivered, fleet.published - fleet.acked) }
            if delivered == last, !qos1 || pending == 0 { return }
            last = delivered
            usleep(300_000)
        }
    }

    // MARK: Helpers

    private func makeFleet(_ broker: BrokerProcess, name: String, qos: MQTTQoS) -> MQTTFleet {
        MQTTFleet(name: name, address: SocketAddress(host: "127.0.0.1", port: broker.port)!,
                  qos: qos, keepAliveSeconds: 60, paceStepNanos: settings.paceStepNanos, loop: loop)
    }

    /// Closes the fleet's clients after their queued bytes, and resets those still open after
    /// 10 s (unpaced publishers can have more queued than a backed-up broker takes in that
    /// time): every connection must be gone before the fleet, which their callbacks reference.
    private func close(_ fleet: MQTTFleet) {
        loop.submitAndWait { fleet.closeAll() }
        if (try? waitUntil("clients to close", timeoutSeconds: 10) { loop.submitAndWait { fleet.openCount <= 0 } }) == nil {
            loop.submitAndWait { fleet.abortAll() }
            try? waitUntil("clients to reset", timeoutSeconds: 10) { loop.submitAndWait { fleet.openCount <= 0 } }
        }
    }

    private func snapshot(_ fleet: MQTTFleet, _ broker: BrokerProcess) -> MQTTSnapshot {
        let counts = loop.submitAndWait { (fleet.published, fleet.delivered, fleet.acked, fleet.connAcked) }
        return MQTTSnapshot(nanos: monotonicNanos(), published: counts.0, delivered: counts.1, acked: counts.2, connAcked: counts.3,
                            brokerCPUNanos: broker.cpuNanos(), brokerSystemCPUNanos: broker.systemCPUNanos(), clientCPUNanos: ProcStat.cpuNanos(pid: getpid()) ?? 0,
                            machineBusyNanos: ProcStat.machineBusyNanos())
    }

    private func waitUntil(_ what: String, timeoutSeconds: Double, _ condition: () -> Bool) throws {
        let deadline = monotonicSeconds() + timeoutSeconds
        while !condition() {
            guard monotonicSeconds() < deadline else { throw BrokerProcess.Failure(description: "timed out waiting for \(what)") }
            usleep(2_000)
        }
    }
}
