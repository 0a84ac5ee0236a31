import Glibc
import NaveIO

extension HubRunner {
    /// A steady flow (telemetry, twin patches, method calls) against a fresh node: devices
    /// connect over TLS (resuming sessions, to set up quickly), warm up, then `rounds` consecutive
    /// measurements, or one per rate for a sweep. Returns the rounds and the event log's figures.
    func flow(_ scenario: HubScenario) throws -> ([MQTTRoundSample], [String: Double]) {
        let target = try startTarget(.nave)
        defer { target.stop() }
        let work = scenario.hubWork
        let fleet = try connectFleet(work, to: target)
        defer { close(fleet) }
        try requireConnected(fleet)
        let devices = settings.devices
        var calls: ServiceCalls?
        if work == .methods || work == .cloudToDevice {
            let serviceCalls = try ServiceCalls(fleet: fleet, kind: work == .methods ? .methods : .cloudToDevice, serviceKey: settings.serviceKey,
                                                responseTimeoutSeconds: settings.methodTimeoutSeconds, payloadBytes: settings.payloadBytes)
            calls = serviceCalls
            let httpTLS = try clientTLS(for: .tlsResumed)!
            let (count, port, loop) = (settings.httpConnections, target.ports.https!, loop)
            loop.submitAndWait { serviceCalls.open(count: count, address: SocketAddress(host: "127.0.0.1", port: port)!, tls: httpTLS, loop: loop) }
            try waitUntil("\(count) HTTPS connections", timeoutSeconds: 30) { loop.submitAndWait { serviceCalls.connected >= count } }
        }
        defer { if let calls { loop.submitAndWait { calls.closeAll() } } }
        target.waitUntilIdle()
        progress("[\(scenario.name)] \(devices) devices ready\(calls.map { ", \($0.callers.count) HTTPS connections" } ?? "")")

        var rounds: [MQTTRoundSample] = []
        var best: Double?
        if scenario.kind == .sweep {
            let (steps, highest) = sweep(fleet, target)
            rounds = steps
            best = highest
        } else {
            start(work, fleet, calls)
            usleep(UInt32(settings.warmupSeconds * 1_000_000))
            for round in 1...settings.rounds {
                let sample = measure(fleet, target, round: round)
                progress("[\(scenario.name)] round \(round)/\(settings.rounds) \(Self.summary(sample))")
                rounds.append(sample)
            }
            loop.submitAndWait {
                fleet.setPace(.stopped)
                calls?.running = false
            }
            drain(fleet)
        }
        if let last = rounds.indices.last {
            let (left, closes, errors, error) = loop.submitAndWait {
                (fleet.sent - fleet.completed - fleet.failedResponses, fleet.unexpectedCloses, fleet.protocolErrors, fleet.lastError)
            }
            rounds[last].metrics["unansweredAfterDrain"] = Double(left)
            if closes + errors > 0 || left > 0 {
                rounds[last].errors.append("\(left) unanswered after the drain, \(closes) unexpected closes, \(errors) protocol errors; last: \(error ?? "-")")
            }
        }
        if let calls { loop.submitAndWait { calls.closeAll() } }
        close(fleet)
        target.stop()
        for line in target.problems() { progress("  node: \(line)") }
        var once = eventLogFigures(target)
        if let best { once["highestRateP99Under10ms"] = best }
        return (rounds, once)
    }

    /// The flow's devices (`settings.devices`), connected over TLS (resuming sessions, to set up
    /// quickly) and ready for `work`, or stopped at the first that could not connect
    /// (`requireConnected` says).
    func connectFleet(_ work: HubWork, to target: HubTarget) throws -> HubFleet {
        let tls = try clientTLS(for: .tlsResumed)!
        let fleet = HubFleet(address: SocketAddress(host: "127.0.0.1", port: target.ports.deviceTLS)!, tls: tls, work: work, loop: loop)
        try fleet.addDevices(0..<settings.devices, keepAliveSeconds: 60, payloadBytes: max(8, settings.payloadBytes))
        let sources = freshSources(count: settings.devices + settings.httpConnections)
        let (perSource, window, devices) = (settings.connectionsPerSource, settings.connectWindow, settings.devices)
        loop.submitAndWait { fleet.connectAll(sources: sources, perSource: perSource, window: window) }
        try waitUntil("\(devices) devices ready", timeoutSeconds: 120) {
            loop.submitAndWait {
                if fleet.connectFailures + fleet.refused + fleet.protocolErrors > 0 { return true }
                return fleet.devices.allSatisfy(\.isReady)
            }
        }
        return fleet
    }

    /// Throws when some of the fleet's devices could not connect. Called once the caller holds
    /// the fleet until it is closed (its connections refer to it unowned).
    func requireConnected(_ fleet: HubFleet) throws {
        if let error = loop.submitAndWait({ fleet.connectFailures + fleet.refused + fleet.protocolErrors > 0 ? fleet.lastError : nil }) {
            throw BrokerProcess.Failure(description: "devices could not connect: \(error)")
        }
    }

    private func start(_ work: HubWork, _ fleet: HubFleet, _ calls: ServiceCalls?) {
        let window = work == .twinReported ? settings.twinInflight : settings.inflight
        loop.submitAndWait {
            if let calls { calls.start() } else { fleet.setPace(.window(window)) }
        }
    }

    /// One measured round of `roundSeconds` on a flow that is already running.
    func measure(_ fleet: HubFleet, _ target: HubTarget, round: Int) -> MQTTRoundSample {
        loop.submitAndWait {
            fleet.latency.reset()
            fleet.recording = true
        }
        let start = snapshot(fleet, target)
        usleep(UInt32(settings.roundSeconds * 1_000_000))
        let end = snapshot(fleet, target)
        let latency = loop.submitAndWait { () -> LatencyPercentiles in
            fleet.recording = false
            return LatencyPercentiles(fleet.latency)
        }
        var sample = sampleBetween(start, end, round: round)
        let answered = end.completed - start.completed
        let cpu = Double(end.targetCPUNanos - start.targetCPUNanos) / Double(max(1, answered))
        sample.latency = latency
        sample.metrics["completedPerSecond"] = Double(answered) / sample.seconds
        sample.metrics["sentPerSecond"] = Double(end.sent - start.sent) / sample.seconds
        sample.metrics["failedResponses"] = Double(end.failed - start.failed)
        sample.metrics["targetCPUNanosPerMessage"] = cpu
        sample.metrics["targetBoundPerSecond"] = 1e9 / max(1, cpu)
        sample.metrics["targetRSSBytes"] = Double(target.residentBytes())
        return sample
    }

    /// Fixed-rate steps, each settled for a second then measured; stops after two steps that
    /// fell short of their rate by more than 20 % (the target is saturated: later steps only
    /// queue). Also returns the highest step with p99 < 10 ms and ≥ 95 % of its rate answered (0: none).
    private func sweep(_ fleet: HubFleet, _ target: HubTarget) -> ([MQTTRoundSample], Double) {
        var rounds: [MQTTRoundSample] = []
        var shortfalls = 0
        for (step, rate) in settings.sweepRates.enumerated() {
            let window = settings.inflight
            loop.submitAndWait { fleet.setPace(.fixedRate(perSecond: rate, window: window)) }
            usleep(1_000_000)
            var sample = measure(fleet, target, round: step + 1)
            sample.metrics["targetRate"] = rate
            progress("[sweep] step \(step + 1)/\(settings.sweepRates.count) \(Self.summary(sample))")
            rounds.append(sample)
            loop.submitAndWait { fleet.setPace(.stopped) }
            drain(fleet)
            target.waitUntilIdle(timeoutSeconds: 10)
            shortfalls = (sample.metrics["completedPerSecond"] ?? 0) < 0.8 * rate ? shortfalls + 1 : 0
            if shortfalls >= 2 { break }
        }
        let passing = rounds.filter {
            ($0.latency?.p99Micros ?? .infinity) < 10_000 && ($0.metrics["completedPerSecond"] ?? 0) >= 0.95 * ($0.metrics["targetRate"] ?? 0)
        }
        return (rounds, passing.compactMap { $0.metrics["targetRate"] }.max() ?? 0)
    }

    /// Waits (at most 15 s) until every request sent was answered.
    func drain(_ fleet: HubFleet) {
        let deadline = monotonicSeconds() + 15
        while monotonicSeconds() < deadline {
            if loop.submitAndWait({ fleet.sent - fleet.completed - fleet.failedResponses <= 0 || fleet.openCount <= 0 }) { return }
            usleep(50_000)
        }
    }
}
