import NaveIO
import NaveMQTT

/// One simulated client of a soak, reused across its reconnects (each network connection is a
/// new `Connection` with this handler). It speaks MQTT 3.1.1 and reports what happens to its
/// `SoakFleet`, which decides what comes next (the parent keeps the `switch`): publishes are
/// written from a pre-encoded template with the packet identifier, send time and sequence
/// number patched in; PUBLISH and PUBACK are read in place; CONNACK and SUBACK are decoded
/// with NaveMQTT's decoder.
final class SoakClient: ConnectionHandler {
    enum Kind: String {
        case publisher, subscriber
        /// Subscribes, then never reads again.
        case stuckReader
        /// Sends bytes that are not MQTT (before or after CONNECT) and expects to be closed.
        case garbage
        /// CONNECTs with a short keep-alive and then says nothing (§3.1.2.10: the server closes
        /// it after 1.5 × the keep-alive).
        case silent
        /// Publishes QoS 0 unpaced for a few seconds at a time.
        case flooder
    }

    /// What a subscriber's deliveries count towards.
    enum Stream { case qos1Tracked, qos0, flood, none }

    unowned let fleet: SoakFleet
    let kind: Kind
    let clientID: String
    /// Index among the fleet's QoS 1 or QoS 0 publishers; the ledger's subscriber index for
    /// tracked subscribers; the variant for garbage clients.
    let index: Int
    let qos: MQTTQoS
    let filter: String?
    let stream: Stream
    let cleanSession: Bool
    let keepAliveSeconds: UInt16
    let source: SocketAddress

    private(set) var connection: Connection?
    /// CONNACK (and, for subscribers, SUBACK) received: may publish.
    private(set) var isReady = false
    private(set) var hasConnAck = false
    /// CONNACKs received over the client's life (a resumed session must say "present").
    private(set) var connAcks = 0
    var connAckNanos: Int64 = 0
    var subAckNanos: Int64 = 0
    /// The harness closed this connection on purpose (churn, stop): not an error.
    var closeRequested = false
    /// A reconnect is scheduled or under way.
    var reconnectPending = false
    /// Garbage variant chosen for the current connection.
    var garbageVariant = 0

    // Publishing.
    private var template: [UInt8] = []
    private var packetIDOffset = 0
    private var payloadOffset = 0
    private(set) var inFlight = 0
    private var nextPacketID: UInt16 = 1
    /// Sequence number by packet identifier (mod 256): the in-flight window stays far below.
    private var sequenceByPacketID = [Int](repeating: -1, count: 256)
    private var splitter = MQTTPacketSplitter()

    init(fleet: SoakFleet, kind: Kind, clientID: String, index: Int, qos: MQTTQoS, filter: String? = nil,
         stream: Stream = .none, cleanSession: Bool, keepAliveSeconds: UInt16, source: SocketAddress) {
        self.fleet = fleet
        self.kind = kind
        self.clientID = clientID
        self.index = index
        self.qos = qos
        self.filter = filter
        self.stream = stream
        self.cleanSession = cleanSession
        self.keepAliveSeconds = keepAliveSeconds
        self.source = source
    }

    /// Encodes this publisher's PUBLISH once; `payloadBytes` ≥ 16 (send time, sequence number).
    func preparePublish(topic: String, payloadBytes: Int) {
        let payload = [UInt8](repeating: 0x5A, count: max(16, payloadBytes))
        MQTTPacket.publish(MQTTPublish(topic: topic, payload: payload, qos: qos, packetID: qos == .atMostOnce ? nil : 1))
            .encode(into: &template)
        var headerBytes = 2
        while template[headerBytes - 1] & 0x80 != 0 { headerBytes += 1 }
        packetIDOffset = headerBytes + 2 + topic.utf8.count
        payloadOffset = packetIDOffset + (qos == .atMostOnce ? 0 : 2)
    }

    var isOpen: Bool { connection?.isOpen ?? false }
    var pendingOutboundBytes: Int { connection?.pendingOutboundBytes ?? 0 }

    // MARK: Connection events

    func connectionActive(_ connection: Connection) {
        self.connection = connection
        closeRequested = false
        splitter.reset()
        if kind == .garbage, garbageVariant == 0 {
            // Reserved packet type 0 instead of CONNECT (§2.2.1, §4.8): the server must close.
            [UInt8]([0x00, 0x00, 0xDE, 0xAD]).withUnsafeBytes { connection.write($0) }
            return
        }
        var bytes: [UInt8] = []
        MQTTPacket.connect(MQTTConnect(clientID: clientID, cleanSession: cleanSession, keepAliveSeconds: keepAliveSeconds))
            .encode(into: &bytes)
        bytes.withUnsafeBytes { connection.write($0) }
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        let now = monotonicNanos()
        splitter.feed(bytes) { packet, headerBytes in
            handle(packet, headerBytes: headerBytes, connection: connection, now: now)
            return connection.isOpen
        }
    }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        let hadConnAck = hasConnAck
        self.connection = nil
        isReady = false
        hasConnAck = false
        inFlight = 0
        fleet.clientClosed(self, reason: reason, hadConnAck: hadConnAck)
    }


    private func handle(_ packet: UnsafeRawBufferPointer, headerBytes: Int, connection: Connection, now: Int64) {
        switch packet[0] >> 4 {
        case 3: receivePublish(packet, headerBytes: headerBytes, connection: connection, now: now)
        case 4: // PUBACK (§3.4)
            let packetID = Int(packet[headerBytes]) << 8 | Int(packet[headerBytes + 1])
            let sequence = sequenceByPacketID[packetID & 255]
            sequenceByPacketID[packetID & 255] = -1
            guard sequence >= 0, inFlight > 0 else {
                fleet.error("protocol", "\(clientID): PUBACK for packet id \(packetID) not in flight")
                return
            }
            inFlight -= 1
            fleet.acknowledged(sequence)
        case 13: break // PINGRESP
        default: handleControl(packet, connection: connection, now: now)
        }
    }

    /// PUBLISH (§3.3): topic, [packet id], payload: send time, sequence number.
    private func receivePublish(_ packet: UnsafeRawBufferPointer, headerBytes: Int, connection: Connection, now: Int64) {
        let receivedQoS = (packet[0] >> 1) & 3
        let topicLength = Int(packet[headerBytes]) << 8 | Int(packet[headerBytes + 1])
        var position = headerBytes + 2 + topicLength
        if receivedQoS != 0 {
            let high = packet[position], low = packet[position + 1]
            position += 2
            connection.write(reserving: 4) { out in
                out[0] = 0x40; out[1] = 2; out[2] = high; out[3] = low
                return 4
            }
        }
        guard packet.count - position >= 16 else {
            fleet.error("protocol", "\(clientID): PUBLISH payload of \(packet.count - position) bytes")
            return
        }
        let sent = Int64(bitPattern: UInt64(littleEndian: packet.loadUnaligned(fromByteOffset: position, as: UInt64.self)))
        let sequence = Int(Int64(bitPattern: UInt64(littleEndian: packet.loadUnaligned(fromByteOffset: position + 8, as: UInt64.self))))
        fleet.delivered(to: self, qos: receivedQoS, sequence: sequence, latencyNanos: now - sent)
    }

    private func handleControl(_ bytes: UnsafeRawBufferPointer, connection: Connection, now: Int64) {
        let decoded: (packet: MQTTPacket, consumed: Int)?
        do { decoded = try MQTTFrameDecoder.decode(bytes) } catch {
            fleet.error("protocol", "\(clientID): malformed packet from the broker: \(error)")
            connection.abort()
            return
        }
        switch decoded?.packet {
        case .connack(let ack)?:
            guard ack.returnCode == .accepted else {
                fleet.error("connackRefused", "\(clientID): CONNACK \(ack.returnCode)")
                connection.abort()
                return
            }
            hasConnAck = true
            connAcks += 1
            connAckNanos = now
            let needsSubscribe = fleet.connAcked(self, sessionPresent: ack.sessionPresent)
            if let filter, needsSubscribe {
                var subscribe: [UInt8] = []
                MQTTPacket.subscribe(MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: filter, qos: qos)]))
                    .encode(into: &subscribe)
                subscribe.withUnsafeBytes { connection.write($0) }
            } else {
                isReady = true
            }
        case .suback(let ack)?:
            guard ack.returnCodes.allSatisfy({ $0 != .failure }) else {
                fleet.error("subackRefused", "\(clientID): SUBACK refused \(filter ?? "-")")
                connection.abort()
                return
            }
            isReady = true
            subAckNanos = now
            fleet.subscribed(self)
        default:
            fleet.error("protocol", "\(clientID): unexpected packet type \(bytes[0] >> 4)")
            connection.abort()
        }
    }

    // MARK: Actions

    /// Writes one PUBLISH; a QoS 1 one carries `sequence` and counts as in flight.
    func publish(sequence: Int, now: Int64) {
        guard let connection else { return }
        let packetID = nextPacketID
        if qos != .atMostOnce {
            sequenceByPacketID[Int(packetID) & 255] = sequence
            inFlight += 1
            nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1
        }
        let (packetIDOffset, payloadOffset, qos) = (packetIDOffset, payloadOffset, qos)
        template.withUnsafeBytes { template in
            connection.write(reserving: template.count) { out in
                out.copyMemory(from: template)
                if qos != .atMostOnce {
                    out[packetIDOffset] = UInt8(packetID >> 8)
                    out[packetIDOffset + 1] = UInt8(packetID & 0xFF)
                }
                out.storeBytes(of: UInt64(bitPattern: now).littleEndian, toByteOffset: payloadOffset, as: UInt64.self)
                out.storeBytes(of: UInt64(bitPattern: Int64(sequence)).littleEndian, toByteOffset: payloadOffset + 8, as: UInt64.self)
                return template.count
            }
        }
    }

    /// Sends the garbage of variants 1 and 2 after CONNACK: a PUBLISH with QoS 3 (§3.3.1.2),
    /// or a remaining length of five bytes (§2.2.3 allows four).
    func sendGarbageAfterConnAck() {
        let bytes: [UInt8] = garbageVariant == 1 ? [0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01] : [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
        bytes.withUnsafeBytes { connection?.write($0) }
    }

    func pauseReading() { connection?.pauseReading() }

    func ping() {
        guard let connection, hasConnAck else { return }
        connection.write(reserving: 2) { out in
            out[0] = 0xC0; out[1] = 0
            return 2
        }
    }

    /// DISCONNECT (§3.14), then close after it is sent.
    func disconnectCleanly() {
        guard let connection else { return }
        closeRequested = true
        connection.write(reserving: 2) { out in
            out[0] = 0xE0; out[1] = 0
            return 2
        }
        connection.close()
    }

    /// A reset: the broker sees the connection drop without DISCONNECT.
    func drop() {
        guard let connection else { return }
        closeRequested = true
        connection.abort()
    }
}
