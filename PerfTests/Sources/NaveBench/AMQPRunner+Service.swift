import Glibc
import NaveIO

extension AMQPRunner {
    /// One service connection (CBS with the IoT Hub service token) sends C2D messages
    /// round-robin to `devices` connected MQTT devices, which receive them (QoS 1) and PUBACK at
    /// once; the sender keeps at most `c2dOutstanding` unsettled (the node's credit, 100 by
    /// default, bounds it too). Devices hold at most 50 queued and 4 in flight each.
    func cloudToDevice() throws -> ([MQTTRoundSample], [String: Double]) {
        let target = try startNode()
        defer { target.stop() }
        let fleet = try connectDevices(target, count: settings.devices, work: .cloudToDevice)
        defer { hub.close(fleet) }
        let messages = try AMQPCloudToDeviceMessages(deviceIDs: (0..<settings.devices).map(HubDevices.id), bodyBytes: settings.c2dBodyBytes)
        let backEnd = AMQPBackEnd(loop: loop, address: amqpAddress(target))
        loop.submitAndWait {
            backEnd.cloudToDevice = messages
            backEnd.isSending = false
        }
        let outstanding = settings.c2dOutstanding
        _ = try openBackEnds(target, connections: 1, work: { _ in .sendCloudToDevice(outstandingMax: outstanding) },
                             grant: try serviceGrant(), linksPerConnection: 1, into: backEnd)
        defer { loop.submitAndWait { backEnd.closeAll() } }
        progress("[c2d] \(settings.devices) devices ready, one service connection attached")
        loop.submitAndWait { backEnd.resumeSending() }
        usleep(UInt32(settings.warmupSeconds * 1_000_000))
        var rounds: [MQTTRoundSample] = []
        for round in 1...settings.rounds {
            let (start, counts0) = (snapshot(target), loop.submitAndWait { () -> (Int, Int, Int) in
                fleet.latency.reset()
                fleet.recording = true
                return (backEnd.cloudToDeviceAccepted, backEnd.cloudToDeviceRejected, fleet.completed)
            })
            usleep(UInt32(settings.roundSeconds * 1_000_000))
            let end = snapshot(target)
            let (counts1, latency, rejection) = loop.submitAndWait {
                fleet.recording = false
                return ((backEnd.cloudToDeviceAccepted, backEnd.cloudToDeviceRejected, fleet.completed), LatencyPercentiles(fleet.latency),
                        backEnd.lastRejection)
            }
            var sample = self.sample(start, end, round: round)
            let accepted = counts1.0 - counts0.0, rejected = counts1.1 - counts0.1, delivered = counts1.2 - counts0.2
            sample.latency = latency
            sample.metrics["acceptedPerSecond"] = Double(accepted) / sample.seconds
            sample.metrics["rejected"] = Double(rejected)
            sample.metrics["deliveredPerSecond"] = Double(delivered) / sample.seconds
            sample.metrics["targetCPUNanosPerMessage"] = Double(end.targetCPUNanos - start.targetCPUNanos) / Double(max(1, delivered))
            sample.metrics["targetRSSBytes"] = Double(target.residentBytes())
            Self.record(latency, as: "latency", into: &sample)
            if rejected > 0, let rejection { sample.errors.append("\(rejected) rejected; last: \(rejection)") }
            progress("[c2d] round \(round)/\(settings.rounds) \(formatRate(sample.metrics["acceptedPerSecond"]!)) accepted/s, "
                + "\(formatRate(sample.metrics["deliveredPerSecond"]!)) delivered/s, \(rejected) rejected, send→device p50 "
                + "\(formatMicros(latency.p50Micros)) p99 \(formatMicros(latency.p99Micros)) µs, node "
                + "\(String(format1: sample.metrics["targetCPUNanosPerMessage"]! / 1000)) µs/message, node \(Int(sample.metrics["targetCPUCores"]! * 100)) %, "
                + "client \(Int(sample.metrics["clientCPUCores"]! * 100)) %")
            rounds.append(sample)
        }
        loop.submitAndWait { backEnd.isSending = false }
        let accepted = loop.submitAndWait { backEnd.cloudToDeviceAccepted }
        try? hub.waitUntil("devices to receive every accepted message", timeoutSeconds: 15) {
            loop.submitAndWait { fleet.completed >= accepted }
        }
        let (delivered, failures, error) = loop.submitAndWait { (fleet.completed, backEnd.failures + fleet.protocolErrors, backEnd.lastError ?? fleet.lastError) }
        if let last = rounds.indices.last, delivered < accepted || failures > 0 {
            rounds[last].errors.append("\(accepted) accepted, \(delivered) delivered, \(failures) failures; last: \(error ?? "-")")
        }
        return (rounds, [:])
    }

    /// Per round, a fresh node: `idleWarmConnections` back ends, the RSS baseline, then
    /// `idleConnections` more, all after SASL, open, begin, the `$cbs` pair and a put-token;
    /// held `idleHoldSeconds` (the node's CPU over it is the idle cost).
    func idle() throws -> ([MQTTRoundSample], [String: Double]) {
        var rounds: [MQTTRoundSample] = []
        let grant = try eventHubGrant()
        for round in 1...settings.rounds {
            let target = try startNode()
            defer { target.stop() }
            let backEnd = try openBackEnds(target, connections: settings.idleWarmConnections, work: { _ in .idle }, grant: grant, linksPerConnection: 0)
            defer { loop.submitAndWait { backEnd.closeAll() } }
            target.waitUntilIdle()
            usleep(500_000)
            let before = target.residentBytes()
            let opening = snapshot(target)
            _ = try openBackEnds(target, connections: settings.idleConnections, work: { _ in .idle }, grant: grant, linksPerConnection: 0, into: backEnd)
            let opened = snapshot(target)
            target.waitUntilIdle()
            let start = snapshot(target)
            usleep(UInt32(settings.idleHoldSeconds * 1_000_000))
            let end = snapshot(target)
            let after = target.residentBytes()
            let (open, failures, error) = loop.submitAndWait { (backEnd.openConnections, backEnd.failures, backEnd.lastError) }
            var sample = self.sample(start, end, round: round)
            let count = settings.idleConnections
            sample.metrics["connections"] = Double(open)
            sample.metrics["idleBytesPerConnection"] = Double(after - before) / Double(count)
            sample.metrics["targetCPUNanosPerConnect"] = Double(opened.targetCPUNanos - opening.targetCPUNanos) / Double(count)
            sample.metrics["connectsPerSecond"] = Double(count) / (Double(opened.nanos - opening.nanos) / 1e9)
            sample.metrics["targetRSSBytes"] = Double(after)
            if failures > 0 || open < settings.idleConnections + settings.idleWarmConnections {
                sample.errors.append("\(open) open, \(failures) failures; last: \(error ?? "-")")
            }
            progress("[idle] round \(round)/\(settings.rounds) \(open) open, \(Int(sample.metrics["idleBytesPerConnection"]!)) B RSS per connection, "
                + "\(String(format1: sample.metrics["targetCPUNanosPerConnect"]! / 1000)) µs node CPU per connect+CBS, "
                + "idle node CPU \(String(format2: sample.metrics["targetCPUCores"]! * 100)) %")
            rounds.append(sample)
        }
        return (rounds, [:])
    }
}
