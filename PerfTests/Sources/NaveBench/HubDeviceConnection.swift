import NaveIO
import NaveMQTT

/// One simulated IoT Hub device (MQTT 3.1.1, SAS in the CONNECT, contract §1.5) of a
/// `HubFleet`. What it does once connected depends on the fleet's work: publish telemetry with
/// QoS 1 (latency to the PUBACK, which the hub sends after the event is on disk), send reported
/// twin patches (latency to `$iothub/twin/res/204`), answer direct methods at once, or nothing.
///
/// Packets are framed in place; the steady-state packets are built straight into the send queue
/// (`write(reserving:)`), so the client core spends its time on the wire, not on allocation.
final class HubDeviceConnection: ConnectionHandler {
    unowned let fleet: HubFleet
    let index: Int
    /// CONNECT with username and SAS token, encoded before the storm (signing is not timed).
    let connectPacket: [UInt8]
    private var connection: Connection?
    private(set) var isReady = false
    private var isConnected = false
    var connectStartNanos: Int64 = 0
    /// Requests (telemetry publishes or twin patches) sent and not yet answered.
    private(set) var inFlight = 0
    private var nextPacketID: UInt16 = 1
    private var nextRequestID = 1
    /// Send time by packet id or `$rid`, modulo `sendTimesCount` (windows are at most that big).
    private(set) var sendTimes: [Int64] = []
    /// PUBACK time by packet id, like `sendTimes` (telemetry only).
    private(set) var pubAckTimes: [Int64] = []
    static let sendTimesCount = 1024
    private var splitter = MQTTPacketSplitter()

    init(fleet: HubFleet, index: Int, connectPacket: [UInt8]) {
        self.fleet = fleet
        self.index = index
        self.connectPacket = connectPacket
    }

    func connectionActive(_ connection: Connection) {
        self.connection = connection
        isConnected = true
        if connection.isTLSResumed { fleet.tlsResumed += 1 }
        connectPacket.withUnsafeBytes { connection.write($0) }
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        let now = monotonicNanos()
        splitter.feed(bytes) { packet, headerBytes in
            handle(packet, headerBytes: headerBytes, connection: connection, now: now)
            return true
        }
    }


    private func handle(_ packet: UnsafeRawBufferPointer, headerBytes: Int, connection: Connection, now: Int64) {
        switch packet[0] >> 4 {
        case 2: connAck(returnCode: packet[headerBytes + 1], connection: connection, now: now)
        case 3: publishReceived(packet, headerBytes: headerBytes, connection: connection, now: now)
        case 4: // PUBACK (§3.4): telemetry is answered by it; other work ignores it.
            guard fleet.work == .telemetry else { return }
            let packetID = Int(packet[headerBytes]) << 8 | Int(packet[headerBytes + 1])
            pubAckTimes[packetID & (Self.sendTimesCount - 1)] = now
            completed(slot: packetID, now: now)
        case 9: // SUBACK (§3.9): one filter, refused with 0x80.
            guard packet[packet.count - 1] != 0x80 else { return fail("SUBACK refused", connection: connection) }
            becomeReady(now: now)
        case 13: break // PINGRESP
        default: fail("unexpected packet type \(packet[0] >> 4)", connection: connection)
        }
    }

    private func connAck(returnCode: UInt8, connection: Connection, now: Int64) {
        guard returnCode == 0 else {
            fleet.refused += 1
            fleet.connectSettled()
            return fail("CONNACK \(returnCode)", connection: connection)
        }
        fleet.connAcked += 1
        fleet.lastConnAckNanos = now
        if fleet.recording { _ = fleet.connectLatency.record(UInt64(max(0, now - connectStartNanos))) }
        fleet.connectSettled()
        if let filter = fleet.work.subscription(deviceID: HubDevices.id(index)) {
            var subscribe: [UInt8] = []
            MQTTPacket.subscribe(MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: filter, qos: .atLeastOnce)]))
                .encode(into: &subscribe)
            subscribe.withUnsafeBytes { connection.write($0) }
        } else {
            becomeReady(now: now)
        }
    }

    private func becomeReady(now: Int64) {
        isReady = true
        if fleet.work.sendsRequests, sendTimes.isEmpty {
            sendTimes = Array(repeating: 0, count: Self.sendTimesCount)
            pubAckTimes = Array(repeating: 0, count: Self.sendTimesCount)
        }
        fleet.deviceReady(self, now: now)
    }

    /// A request of this device was answered (PUBACK or twin response).
    private func completed(slot: Int, now: Int64, failed: Bool = false) {
        inFlight -= 1
        if failed { fleet.failedResponses += 1 } else { fleet.completed += 1 }
        if fleet.recording { _ = fleet.latency.record(UInt64(max(0, now - sendTimes[slot & (Self.sendTimesCount - 1)]))) }
        fleet.answered(self, now: now)
    }

    /// A PUBLISH from the hub: a twin response, a method call, or (QoS 1) a C2D message.
    private func publishReceived(_ packet: UnsafeRawBufferPointer, headerBytes: Int, connection: Connection, now: Int64) {
        let topicLength = Int(packet[headerBytes]) << 8 | Int(packet[headerBytes + 1])
        let topic = UnsafeRawBufferPointer(rebasing: packet[(headerBytes + 2)..<(headerBytes + 2 + topicLength)])
        var payloadStart = headerBytes + 2 + topicLength
        if (packet[0] >> 1) & 3 != 0 {
            let at = payloadStart
            payloadStart += 2
            let high = packet[at], low = packet[at + 1]
            connection.write(reserving: 4) { out in
                out[0] = 0x40; out[1] = 2; out[2] = high; out[3] = low
                return 4
            }
        }
        switch fleet.work {
        case .twinReported:
            // $iothub/twin/res/{status}/?$rid={n}[&$version=v]
            guard let status = HubTopicBytes.number(in: topic, after: HubTopicBytes.twinResponse),
                  let requestID = HubTopicBytes.number(in: topic, after: HubTopicBytes.requestIDKey) else {
                return fail("unexpected publish", connection: connection)
            }
            completed(slot: requestID, now: now, failed: status != 204)
        case .methods:
            // $iothub/methods/POST/{name}/?$rid={rid}: answer 200 with the same $rid at once.
            guard let rid = HubTopicBytes.value(in: topic, after: HubTopicBytes.requestIDKey) else {
                return fail("method call without $rid", connection: connection)
            }
            sendMethodResponse(rid: UnsafeRawBufferPointer(rebasing: topic[rid]), connection: connection)
            fleet.methodCallsAnswered += 1
        case .cloudToDevice:
            // The body starts "t=<20 digits>": the back end's send time (same host, monotonic).
            let payload = UnsafeRawBufferPointer(rebasing: packet[payloadStart...])
            fleet.completed += 1
            if fleet.recording, let sent = HubTopicBytes.number(in: payload, after: HubTopicBytes.sendTimeKey) {
                _ = fleet.latency.record(UInt64(max(0, now - Int64(sent))))
            }
        default:
            fleet.otherPublishes += 1
        }
    }

    // MARK: Sending

    /// Sends `count` requests of the fleet's work (telemetry or twin patches).
    func send(count: Int, now: Int64) {
        guard let connection, isReady else { return }
        for _ in 0..<count {
            switch fleet.work {
            case .telemetry:
                let packetID = nextPacketID
                nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1
                sendTimes[Int(packetID) & (Self.sendTimesCount - 1)] = now
                fleet.writeTelemetry(on: connection, device: index, packetID: packetID, now: now)
            case .twinReported:
                let requestID = nextRequestID
                nextRequestID += 1
                sendTimes[requestID & (Self.sendTimesCount - 1)] = now
                writeReportedPatch(requestID: requestID, connection: connection)
            default:
                return
            }
            inFlight += 1
            fleet.sent += 1
        }
    }

    /// `$iothub/twin/PATCH/properties/reported/?$rid={n}`, QoS 1 as the Azure SDK sends it, body
    /// `{"seq":n}`: every patch changes the twin (a patch that changes nothing moves no version).
    private func writeReportedPatch(requestID: Int, connection: Connection) {
        let packetID = nextPacketID
        nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1
        HubTopicBytes.withDigits(requestID) { digits in
            let topicBytes = HubTopicBytes.twinPatch.count + digits.count
            let bodyBytes = 8 + digits.count // {"seq":n}
            let remaining = 2 + topicBytes + 2 + bodyBytes
            connection.write(reserving: 5 + remaining) { out in
                var writer = PacketWriter(out)
                writer.publishHeader(qos1: true, remaining: remaining, topicBytes: topicBytes)
                writer.append(HubTopicBytes.twinPatch)
                writer.append(digits)
                writer.u16(packetID)
                writer.append(HubTopicBytes.seqOpen)
                writer.append(digits)
                writer.byte(UInt8(ascii: "}"))
                return writer.count
            }
        }
    }

    /// `$iothub/methods/res/200/?$rid={rid}` with body `{}` (QoS 1, as the Azure SDK answers).
    private func sendMethodResponse(rid: UnsafeRawBufferPointer, connection: Connection) {
        let packetID = nextPacketID
        nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1
        let topicBytes = HubTopicBytes.methodResponse.count + rid.count
        let remaining = 2 + topicBytes + 2 + 2
        connection.write(reserving: 2 + remaining + 3) { out in
            var writer = PacketWriter(out)
            writer.publishHeader(qos1: true, remaining: remaining, topicBytes: topicBytes)
            writer.append(HubTopicBytes.methodResponse)
            writer.append(rid)
            writer.u16(packetID)
            writer.byte(UInt8(ascii: "{"))
            writer.byte(UInt8(ascii: "}"))
            return writer.count
        }
    }

    private func fail(_ message: String, connection: Connection) {
        fleet.protocolErrors += 1
        fleet.lastError = "\(HubDevices.id(index)): \(message)"
        connection.abort()
    }

    func ping() {
        guard let connection, isConnected else { return }
        connection.write(reserving: 2) { out in
            out[0] = 0xC0; out[1] = 0
            return 2
        }
    }

    func close() { connection?.close() }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        if !isConnected {
            fleet.connectFailures += 1
            fleet.lastError = "\(HubDevices.id(index)): \(reason)"
            fleet.connectSettled()
            return
        }
        self.connection = nil
        isConnected = false
        isReady = false
        inFlight = 0
        fleet.closed += 1
        if reason != .local {
            fleet.unexpectedCloses += 1
            fleet.lastError = "\(HubDevices.id(index)): closed by \(reason)"
        }
    }
}
