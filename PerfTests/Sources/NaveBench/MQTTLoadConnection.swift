import NaveIO
import NaveMQTT

/// One simulated MQTT 3.1.1 client of a fleet. Control packets (CONNACK, SUBACK) are decoded
/// with NaveMQTT's `MQTTFrameDecoder.decode`; PUBLISH and PUBACK, the steady state, are framed
/// and read in place (topic skipped, packet identifier and send time read), so receiving
/// allocates nothing per message. Bytes of a packet split across reads wait in its `MQTTPacketSplitter`.
final class MQTTLoadConnection: ConnectionHandler {
    enum Role { case publisher, subscriber, idle }

    unowned let fleet: MQTTFleet
    let role: Role
    let clientID: String
    let filter: String?
    let topicIndex: Int
    private var connection: Connection?
    /// CONNACK 0 received (and, for subscribers, SUBACK).
    private(set) var isReady = false
    private var isConnected = false
    var connectStartNanos: Int64 = 0
    /// QoS 1 PUBLISHes sent and not yet acknowledged.
    private(set) var inFlight = 0
    private var nextPacketID: UInt16 = 1
    private var splitter = MQTTPacketSplitter()

    init(fleet: MQTTFleet, role: Role, clientID: String, filter: String?, topicIndex: Int) {
        self.fleet = fleet
        self.role = role
        self.clientID = clientID
        self.filter = filter
        self.topicIndex = topicIndex
    }

    func connectionActive(_ connection: Connection) {
        self.connection = connection
        isConnected = true
        var bytes: [UInt8] = []
        MQTTPacket.connect(MQTTConnect(clientID: clientID, cleanSession: true, keepAliveSeconds: fleet.keepAliveSeconds))
            .encode(into: &bytes)
        bytes.withUnsafeBytes { connection.write($0) }
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        let now = monotonicNanos()
        splitter.feed(bytes) { packet, headerBytes in
            handle(packet, headerBytes: headerBytes, connection: connection, now: now)
            return true
        }
        if role == .subscriber { fleet.replenish(now: now) }
    }


    private func handle(_ packet: UnsafeRawBufferPointer, headerBytes: Int, connection: Connection, now: Int64) {
        let first = packet[0]
        switch first >> 4 {
        case 3: // PUBLISH (§3.3): topic, [packet id], payload whose first 8 bytes are the send time.
            let topicLength = Int(packet[headerBytes]) << 8 | Int(packet[headerBytes + 1])
            var position = headerBytes + 2 + topicLength
            if (first >> 1) & 3 != 0 {
                let high = packet[position], low = packet[position + 1]
                position += 2
                connection.write(reserving: 4) { out in
                    out[0] = 0x40; out[1] = 2; out[2] = high; out[3] = low
                    return 4
                }
            }
            fleet.delivered += 1
            if fleet.recording, packet.count - position >= 8 {
                let sent = Int64(bitPattern: UInt64(littleEndian: packet.loadUnaligned(fromByteOffset: position, as: UInt64.self)))
                _ = fleet.latency.record(UInt64(max(0, now - sent)))
            }
        case 4: // PUBACK (§3.4)
            inFlight -= 1
            fleet.acked += 1
            fleet.acknowledged(self, now: now)
        case 13: // PINGRESP
            break
        default:
            handleControl(packet, connection: connection, now: now)
        }
    }

    private func handleControl(_ bytes: UnsafeRawBufferPointer, connection: Connection, now: Int64) {
        let decoded: (packet: MQTTPacket, consumed: Int)?
        do { decoded = try MQTTFrameDecoder.decode(bytes) } catch {
            fail("malformed packet from the broker: \(error)", connection: connection)
            return
        }
        switch decoded?.packet {
        case .connack(let ack)?:
            guard ack.returnCode == .accepted else {
                fleet.refused += 1
                fleet.connectSettled()
                fail("CONNACK \(ack.returnCode)", connection: connection)
                return
            }
            fleet.connAcked += 1
            fleet.lastConnAckNanos = now
            if fleet.recording { _ = fleet.connectLatency.record(UInt64(max(0, now - connectStartNanos))) }
            fleet.connectSettled()
            if let filter {
                var subscribe: [UInt8] = []
                MQTTPacket.subscribe(MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: filter, qos: fleet.subscriberQoS)]))
                    .encode(into: &subscribe)
                subscribe.withUnsafeBytes { connection.write($0) }
            } else {
                isReady = true
            }
        case .suback(let ack)?:
            guard ack.returnCodes.allSatisfy({ $0 != .failure }) else {
                fail("SUBACK refused", connection: connection)
                return
            }
            fleet.subAcked += 1
            isReady = true
        default:
            fail("unexpected packet type \(bytes[0] >> 4)", connection: connection)
        }
    }

    private func fail(_ message: String, connection: Connection) {
        fleet.protocolErrors += 1
        fleet.lastError = "\(clientID): \(message)"
        connection.abort()
    }

    /// Sends `count` PUBLISHes from this client's topic template.
    func publish(count: Int, now: Int64) {
        guard let connection, isReady, count > 0 else { return }
        for _ in 0..<count {
            fleet.writePublish(on: connection, topicIndex: topicIndex, packetID: nextPacketID, now: now)
            if fleet.qos != .atMostOnce {
                inFlight += 1
                nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1
            }
        }
    }

    /// Publishes until `outboundBytes` are queued on the socket (at most 4,096 at a time, so a
    /// fast broker cannot keep one call going for ever).
    func publish(whileQueuedBelow outboundBytes: Int, now: Int64) {
        guard let connection, isReady else { return }
        var written = 0
        while connection.pendingOutboundBytes < outboundBytes, written < 4_096 {
            publish(count: 1, now: now)
            written += 1
        }
    }

    func ping() {
        guard let connection, isConnected else { return }
        connection.write(reserving: 2) { out in
            out[0] = 0xC0; out[1] = 0
            return 2
        }
    }

    func close() { connection?.close() }

    /// Closes at once, dropping what is still queued (a reset).
    func abort() { connection?.abort() }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        if !isConnected {
            fleet.connectFailures += 1
            fleet.lastError = "\(clientID): \(reason)"
            fleet.connectSettled()
            return
        }
        isConnected = false
        isReady = false
        fleet.closed += 1
        if reason != .local {
            fleet.unexpectedCloses += 1
            fleet.lastError = "\(clientID): closed by \(reason)"
        }
    }
}
