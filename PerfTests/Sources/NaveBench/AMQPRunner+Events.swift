import Glibc
import Histogram
import NaveIO

extension AMQPRunner {
    /// Fills the log through the hub (devices publish QoS 1 telemetry until `drainEvents` were
    /// PUBACKed, so all are durable), then per round reads it all from the start with one
    /// receiver connection per partition.
    func drain() throws -> ([MQTTRoundSample], [String: Double]) {
        let target = try startNode()
        defer { target.stop() }
        let fleet = try connectDevices(target, count: settings.devices, work: .telemetry)
        let total = settings.drainEvents, inflight = settings.inflight
        let fillStart = snapshot(target)
        let publishedBefore = loop.submitAndWait { fleet.completed }
        loop.submitAndWait { fleet.setPace(.window(inflight)) }
        try hub.waitUntil("\(total) events PUBACKed", timeoutSeconds: Double(total) / 5_000 + 60) {
            loop.submitAndWait {
                if fleet.completed - publishedBefore >= total { fleet.setPace(.stopped) }
                return fleet.completed - publishedBefore >= total || fleet.protocolErrors + fleet.unexpectedCloses > 0
            }
        }
        waitAnswered(fleet)
        let fillEnd = snapshot(target)
        let filled = loop.submitAndWait { fleet.completed }
        let fillSeconds = Double(fillEnd.nanos - fillStart.nanos) / 1e9
        var once: [String: Double] = [
            "eventsInLog": Double(filled), "fillPerSecond": Double(filled - publishedBefore) / fillSeconds,
            "fillTargetCPUNanosPerEvent": Double(fillEnd.targetCPUNanos - fillStart.targetCPUNanos) / Double(max(1, filled - publishedBefore)),
        ]
        progress("[drain] \(filled) events in the log (\(formatRate(once["fillPerSecond"]!))/s durable telemetry while filling)")
        hub.close(fleet)
        target.waitUntilIdle(timeoutSeconds: 60)

        var rounds: [MQTTRoundSample] = []
        let grant = try eventHubGrant()
        let (eventHub, credit, bodyBytes) = (eventHubName, settings.credit, settings.payloadBytes)
        for round in 1...settings.rounds {
            let backEnd = AMQPBackEnd(loop: loop, address: amqpAddress(target))
            loop.submitAndWait {
                backEnd.bodyBytes = bodyBytes
                backEnd.recording = true
            }
            let start = snapshot(target)
            _ = try openBackEnds(target, connections: settings.partitions, work: { partition in
                .receive(eventHub: eventHub, partitions: [partition], selector: "amqp.annotation.x-opt-offset > '-1'", credit: credit)
            }, grant: grant, linksPerConnection: 1, into: backEnd)
            try hub.waitUntil("\(filled) events read", timeoutSeconds: Double(filled) / 20_000 + 60) {
                loop.submitAndWait { backEnd.received >= filled || backEnd.failures > 0 }
            }
            let end = snapshot(target)
            let (received, first, last, notFound, gaps, error) = loop.submitAndWait {
                (backEnd.received, backEnd.firstEventNanos, backEnd.lastEventNanos, backEnd.bodiesNotFound,
                 LatencyPercentiles(backEnd.gaps), backEnd.lastError)
            }
            var sample = self.sample(start, end, round: round)
            sample.metrics["eventsReceived"] = Double(received)
            sample.metrics["eventsPerSecond"] = Double(received) / (Double(last - start.nanos) / 1e9)
            sample.metrics["firstToLastPerSecond"] = Double(received) / (Double(last - first) / 1e9)
            sample.metrics["targetCPUNanosPerEvent"] = Double(end.targetCPUNanos - start.targetCPUNanos) / Double(max(1, received))
            sample.metrics["clientCPUNanosPerEvent"] = Double(end.clientCPUNanos - start.clientCPUNanos) / Double(max(1, received))
            sample.metrics["targetRSSBytes"] = Double(target.residentBytes())
            sample.metrics["bodiesNotFound"] = Double(notFound)
            Self.record(gaps, as: "gap", into: &sample)
            if let error { sample.errors.append(error) }
            // The log holds a few more records than PUBACKs (2 per device in a run here): more is fine.
            if received < filled { sample.errors.append("read \(received) events of \(filled)") }
            progress("[drain] round \(round)/\(settings.rounds) \(formatRate(sample.metrics["eventsPerSecond"]!)) events/s, "
                + "node \(String(format1: sample.metrics["targetCPUNanosPerEvent"]! / 1000)) µs/event, node \(Int(sample.metrics["targetCPUCores"]! * 100)) %, "
                + "client \(Int(sample.metrics["clientCPUCores"]! * 100)) %, gap p99 \(formatMicros(gaps.p99Micros)) µs max \(formatMicros(gaps.maxMicros)) µs")
            rounds.append(sample)
            loop.submitAndWait { backEnd.closeAll() }
            target.waitUntilIdle()
        }
        target.stop()
        for line in target.problems() { progress("  node: \(line)") }
        once.merge(hub.eventLogFigures(target)) { $1 }
        return (rounds, once)
    }

    /// Devices publish QoS 1 telemetry at a fixed rate (half the saturated durable rate unless
    /// `e2eRate` is set) while receivers read every partition from `@latest`: the latency from
    /// the PUBLISH (and from its PUBACK) to the event's arrival at the reader.
    /// How long e2e waits for the readers to drain what the saturated phase left them.
    static let readerCatchUpSecondsMax = 60.0

    func endToEnd() throws -> ([MQTTRoundSample], [String: Double]) {
        let target = try startNode()
        defer { target.stop() }
        let fleet = try connectDevices(target, count: settings.devices, work: .telemetry)
        defer { hub.close(fleet) }
        let (eventHub, credit, bodyBytes) = (eventHubName, settings.credit, settings.payloadBytes)
        let backEnd = try openBackEnds(target, connections: settings.partitions, work: { partition in
            .receive(eventHub: eventHub, partitions: [partition], selector: "amqp.annotation.x-opt-offset > '@latest'", credit: credit)
        }, grant: try eventHubGrant(), linksPerConnection: 1)
        defer { loop.submitAndWait { backEnd.closeAll() } }
        loop.submitAndWait {
            backEnd.bodyBytes = bodyBytes
            backEnd.telemetryFleet = fleet
        }
        var once: [String: Double] = [:]
        var rate = settings.e2eRate
        let inflight = settings.inflight
        if rate <= 0 {
            // The saturated durable rate with the readers attached (they cost the node too).
            loop.submitAndWait { fleet.setPace(.window(inflight)) }
            usleep(UInt32(settings.warmupSeconds * 1_000_000))
            let (start, startCompleted) = (snapshot(target), loop.submitAndWait { fleet.completed })
            usleep(UInt32(settings.roundSeconds * 1_000_000))
            let (end, endCompleted) = (snapshot(target), loop.submitAndWait { fleet.completed })
            loop.submitAndWait { fleet.setPace(.stopped) }
            waitAnswered(fleet)
            let saturated = Double(endCompleted - startCompleted) / (Double(end.nanos - start.nanos) / 1e9)
            once["saturatedDurablePerSecond"] = saturated
            once["saturatedTargetCPUNanosPerEvent"] = Double(end.targetCPUNanos - start.targetCPUNanos) / Double(max(1, endCompleted - startCompleted))
            rate = (saturated / 2).rounded()
            progress("[e2e] saturated durable rate \(formatRate(saturated))/s with the readers attached; measuring at \(formatRate(rate))/s")
            // The readers fell behind while the devices were unpaced: the rounds start once they
            // hold everything published, or they would measure that backlog's drain, not the
            // tail's latency. How long the catch-up took is the readers' drain rate under load.
            let (published, received) = loop.submitAndWait { (fleet.completed, backEnd.received) }
            let catchUpStart = monotonicSeconds()
            try? hub.waitUntil("the readers to catch up after the saturated phase", timeoutSeconds: Self.readerCatchUpSecondsMax) {
                loop.submitAndWait { backEnd.received >= published }
            }
            let caughtUp = loop.submitAndWait { backEnd.received } - received
            once["readerCatchUpSeconds"] = monotonicSeconds() - catchUpStart
            once["readerCatchUpEventsPerSecond"] = Double(caughtUp) / max(1e-3, monotonicSeconds() - catchUpStart)
            if caughtUp < published - received {
                progress("[e2e] the readers did not catch up in \(Int(Self.readerCatchUpSecondsMax)) s: the rounds start behind")
            }
            target.waitUntilIdle(timeoutSeconds: 30)
        }
        once["publishRate"] = rate
        loop.submitAndWait { fleet.setPace(.fixedRate(perSecond: rate, window: inflight)) }
        usleep(UInt32(settings.warmupSeconds * 1_000_000))
        var rounds: [MQTTRoundSample] = []
        for round in 1...settings.rounds {
            let (start, counts0) = (snapshot(target), loop.submitAndWait { () -> (Int, Int) in
                backEnd.resetHistograms()
                backEnd.recording = true
                fleet.latency.reset()
                fleet.recording = true
                return (fleet.completed, backEnd.received)
            })
            usleep(UInt32(settings.roundSeconds * 1_000_000))
            let end = snapshot(target)
            let (counts1, endToEnd, pubAckToReceive, pubAck, before) = loop.submitAndWait {
                backEnd.recording = false
                fleet.recording = false
                return ((fleet.completed, backEnd.received), LatencyPercentiles(backEnd.endToEnd), LatencyPercentiles(backEnd.pubAckToReceive),
                        LatencyPercentiles(fleet.latency), backEnd.receivedBeforePubAck)
            }
            var sample = self.sample(start, end, round: round)
            let published = counts1.0 - counts0.0, received = counts1.1 - counts0.1
            sample.latency = endToEnd
            sample.metrics["targetRate"] = rate
            sample.metrics["publishedPerSecond"] = Double(published) / sample.seconds
            sample.metrics["receivedPerSecond"] = Double(received) / sample.seconds
            sample.metrics["targetCPUNanosPerEvent"] = Double(end.targetCPUNanos - start.targetCPUNanos) / Double(max(1, published))
            sample.metrics["receivedBeforePubAckFraction"] = Double(before) / Double(max(1, pubAckToReceive.samples))
            sample.metrics["targetRSSBytes"] = Double(target.residentBytes())
            Self.record(endToEnd, as: "latency", into: &sample)
            Self.record(pubAckToReceive, as: "pubAckToReceive", into: &sample)
            Self.record(pubAck, as: "pubAckLatency", into: &sample)
            progress("[e2e] round \(round)/\(settings.rounds) \(formatRate(sample.metrics["publishedPerSecond"]!)) published/s, "
                + "\(formatRate(sample.metrics["receivedPerSecond"]!)) received/s, send→receive p50 \(formatMicros(endToEnd.p50Micros)) "
                + "p99 \(formatMicros(endToEnd.p99Micros)) p99.9 \(formatMicros(endToEnd.p999Micros)) µs; PUBACK→receive p99 "
                + "\(formatMicros(pubAckToReceive.p99Micros)) µs; PUBACK p99 \(formatMicros(pubAck.p99Micros)) µs; "
                + "node \(String(format1: sample.metrics["targetCPUNanosPerEvent"]! / 1000)) µs/event")
            rounds.append(sample)
        }
        loop.submitAndWait { fleet.setPace(.stopped) }
        waitAnswered(fleet)
        // Every event published since the readers attached must arrive.
        let published = loop.submitAndWait { fleet.completed }
        try? hub.waitUntil("the readers to catch up", timeoutSeconds: 15) { loop.submitAndWait { backEnd.received >= published } }
        let (received, failures, error) = loop.submitAndWait { (backEnd.received, backEnd.failures, backEnd.lastError) }
        if let last = rounds.indices.last, received < published || failures > 0 {
            rounds[last].errors.append("\(published) published, \(received) received, \(failures) failures; last: \(error ?? "-")")
        }
        return (rounds, once)
    }
}
