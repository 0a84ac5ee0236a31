import Foundation
import Glibc
import NaveIO

/// The end of a soak: the accounting, the idle workers' losses, stopping the broker for its
/// own counters, and the summary's verdict.
extension SoakRun {
    func finish(_ fleet: SoakFleet, _ broker: BrokerProcess, load: LoadFigures, drainSeconds: Double,
                loadAverageStart: [Double]) throws -> SoakSummary {
        let counts = loop.submitAndWait { () -> SoakSummary in
            let missing = fleet.ledger.missing(examples: 5)
            let subscribers = fleet.trackedSubscribers
            let silent = fleet.silentCloseSeconds
            return SoakSummary(
                loadSeconds: 0, connectionsTarget: 0, connectionsHeldMin: 0, connectionsHeldMax: 0,
                rss: SoakRSS(samples: [], warmupSeconds: 0), brokerCPUCoresMean: 0, brokerCPUSeconds: 0,
                publishedQoS0: fleet.published[0], publishedQoS1: fleet.published[1], ackedQoS1: fleet.ledger.acknowledgedCount,
                deliveredQoS0: fleet.delivered[0], deliveredQoS1: fleet.delivered[1], expectedQoS1: fleet.ledger.expectedDeliveries(),
                lostQoS1: missing.count,
                lostQoS1Examples: missing.examples.map { example in
                    "sequence \(example.sequence) never reached \(subscribers.first { $0.index == example.subscriber }?.clientID ?? "?")"
                },
                duplicatesQoS1: fleet.ledger.duplicates, misroutedQoS1: fleet.ledger.misrouted,
                expectedQoS0: fleet.published[0] * 2, qos0DeliveryRatio: 0,
                floodPublished: fleet.floodPublished, floodDelivered: fleet.floodDelivered, paceSkipped: fleet.paceSkipped,
                latencyQoS0: LatencyPercentiles(fleet.latency[0]), latencyQoS1: LatencyPercentiles(fleet.latency[1]),
                errors: fleet.errors, errorExamples: fleet.errorExamples, events: fleet.events,
                silentCloseSecondsMin: silent.max > 0 ? silent.min : nil, silentCloseSecondsMax: silent.max > 0 ? silent.max : nil,
                loadAverageStart: [], loadAverageEnd: [], loadAverage1Mean: 0, drainSeconds: 0, brokerStatistics: nil, brokerQueuedDropped: nil, brokerCloseReasons: [:], passed: false, failures: [])
        }
        var summary = counts
        for (index, worker) in workers.enumerated() {
            let status = worker.latestStatus() ?? [:]
            let lost = (status["closed"] ?? 0) + (status["failed"] ?? 0)
            if lost > 0 {
                summary.errors["idleConnectionsLost", default: 0] += lost
                summary.errorExamples["idleConnectionsLost"] = "worker \(index): \(lost) of its clients closed or failed"
            }
            if !worker.isRunning {
                summary.errors["workerExited", default: 0] += 1
                summary.errorExamples["workerExited"] = "worker \(index) exited before the end"
            }
        }
        workers.forEach { $0.stop() }
        close(fleet)
        (summary.brokerStatistics, summary.brokerCloseReasons) = stopBroker(broker)
        summary.brokerQueuedDropped = summary.brokerStatistics.flatMap { statistics in
            statistics.range(of: "queuedDropped=").flatMap { Int(statistics[$0.upperBound...].prefix { $0.isNumber }) }
        }
        summary.drainSeconds = drainSeconds

        summary.loadSeconds = load.seconds
        summary.connectionsTarget = command.connections
        summary.connectionsHeldMin = samples.map(\.connectionsHeld).min() ?? 0
        summary.connectionsHeldMax = samples.map(\.connectionsHeld).max() ?? 0
        summary.rss = SoakRSS(samples: samples, warmupSeconds: command.warmup ?? min(60, command.duration / 4))
        summary.brokerCPUSeconds = Double(load.brokerCPUNanos) / 1e9
        summary.brokerCPUCoresMean = summary.brokerCPUSeconds / max(0.001, load.seconds)
        summary.qos0DeliveryRatio = summary.expectedQoS0 > 0 ? Double(summary.deliveredQoS0) / Double(summary.expectedQoS0) : 1
        summary.loadAverageStart = loadAverageStart
        summary.loadAverageEnd = LoadAverage.read()
        summary.loadAverage1Mean = samples.isEmpty ? 0 : samples.reduce(0) { $0 + $1.loadAverage1 } / Double(samples.count)

        if summary.lostQoS1 > 0 {
            failures.append("\(summary.lostQoS1) QoS 1 messages lost (drain \(String(format1: drainSeconds)) s; "
                + "the broker counted \(summary.brokerQueuedDropped.map(String.init) ?? "?") dropped from full offline queues)")
        }
        if summary.misroutedQoS1 > 0 { failures.append("\(summary.misroutedQoS1) QoS 1 deliveries misrouted") }
        if !summary.errors.isEmpty { failures.append("unexpected errors: \(summary.errors.values.reduce(0, +))") }
        if summary.connectionsHeldMax < command.connections - 5 {
            failures.append("held at most \(summary.connectionsHeldMax) of \(command.connections) connections")
        }
        summary.failures = failures
        summary.passed = failures.isEmpty
        return summary
    }

    /// SIGTERM; returns the broker's counters from its "node stopped" log line, and the
    /// reasons of the closes it logged ("… reason=slow consumer: … [NaveBroker] connection closed").
    private func stopBroker(_ broker: BrokerProcess) -> (statistics: String?, closeReasons: [String: Int]) {
        if let exit = broker.exitDescription(), exit != "stopped" { failures.append("the broker exited: \(exit)") }
        broker.stop()
        let lines = ((try? String(contentsOfFile: broker.stderrPath, encoding: .utf8)) ?? "").split(separator: "\n")
        var reasons: [String: Int] = [:]
        for line in lines where line.hasSuffix("connection closed") {
            guard let start = line.range(of: "reason=") else { continue }
            let reason = line[start.upperBound...].prefix { $0 != ":" && $0 != "[" }
            reasons[reason.trimmingCharacters(in: .whitespaces), default: 0] += 1
        }
        guard let line = lines.last(where: { $0.contains("node stopped") }),
              let range = line.range(of: "statistics=") else { return (nil, reasons) }
        return (String(line[range.lowerBound...]), reasons)
    }

    /// DISCONNECT every client; resets those still open after 10 s: every connection must be
    /// gone before the fleet, which their callbacks reference.
    func close(_ fleet: SoakFleet) {
        loop.submitAndWait { fleet.closeAll() }
        if (try? waitUntil("clients to close", timeoutSeconds: 10) { loop.submitAndWait { fleet.openCount == 0 } }) == nil {
            loop.submitAndWait { fleet.abortAll() }
            try? waitUntil("clients to reset", timeoutSeconds: 10) { loop.submitAndWait { fleet.openCount == 0 } }
        }
    }

    func waitUntil(_ what: String, timeoutSeconds: Double, _ condition: () -> Bool) throws {
        let deadline = monotonicSeconds() + timeoutSeconds
        while !condition() {
            guard monotonicSeconds() < deadline else { throw BrokerProcess.Failure(description: "timed out waiting for \(what)") }
            usleep(10_000)
        }
    }

    func settings(_ plan: SoakPlan) -> [String: String] {
        [
            "durationSeconds": "\(command.duration)", "connections": "\(command.connections)", "workers": "\(command.workers)",
            "activeClients": "\(plan.activeClients - 1) (+1 transient garbage client)", "ratePerSecond": "\(plan.ratePerSecond)",
            "qos1Share": "\(plan.qos1Share)", "qos1Publishers": "\(plan.qos1Publishers)", "qos0Publishers": "\(plan.qos0Publishers)",
            "groups": "\(plan.groups)", "exactSubscribers": "\(plan.exactSubscribers)", "payloadBytes": "\(plan.payloadBytes)",
            "windowMessages": "\(plan.windowMessages)", "churnPublishersPerSecond": "\(plan.churnPublishersPerSecond)",
            "subscriberChurnSeconds": "\(plan.subscriberChurnSeconds)", "offlineSeconds": "\(plan.offlineSeconds)",
            "flood": "\(plan.floodSeconds) s every \(plan.floodEverySeconds) s, \(SoakFleet.floodOutboundBytes) bytes queued",
            "garbageEverySeconds": "\(plan.garbageEverySeconds)", "silentKeepAliveSeconds": "\(plan.silentKeepAliveSeconds)",
            "drainSecondsMax": "\(command.drainSeconds)", "sampleEverySeconds": "\(command.sampleEvery)",
            "brokerLoops": "\(setup.loops)", "placement": setup.placement, "broker": "nave serve, NAVE_HUB_ENABLED=false",
        ]
    }
}
