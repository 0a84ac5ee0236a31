import Histogram
import NaveIO
import NaveMQTT

/// How a fleet's publishers are paced.
enum MQTTSendMode: Equatable {
    /// Nothing is sent.
    case stopped
    /// Each publisher keeps `window` QoS 1 PUBLISHes unacknowledged; every PUBACK releases the next.
    case ackWindow(Int)
    /// As fast as possible, at most `window` publishes not yet delivered to the subscribers (QoS 0
    /// has no acknowledgement; the subscribers' receipts close the loop).
    case deliveryWindow(Int)
    /// `perSecond` publishes, round-robin over the publishers, in `paceStepNanos` steps; QoS 1 publishers
    /// with `window` unacknowledged skip their turn.
    case fixedRate(perSecond: Double, window: Int)
    /// Every publisher keeps `outboundBytes` queued on its socket, whatever is delivered or
    /// acknowledged: the offered load is what the kernel and the broker take.
    case unpaced(outboundBytes: Int)
}

/// A set of simulated MQTT clients against one broker: publishers, subscribers and idle clients,
/// their counters and histograms. Loop-confined: the client loop's thread runs every method;
/// the driver reads it through `submitAndWait`.
///
/// Every packet is pre-encoded with NaveMQTT's encoder; a PUBLISH is copied from its template
/// and gets its packet identifier and send time patched in, so the steady state allocates
/// nothing per message.
final class MQTTFleet {
    let name: String
    let address: SocketAddress
    let qos: MQTTQoS
    /// The QoS the subscribers ask for (the broker delivers at the lower of it and the publish QoS).
    var subscriberQoS: MQTTQoS
    let keepAliveSeconds: UInt16
    /// How often the pacing timer sends what is due (fixed rate) or tops the window up.
    let paceStepNanos: Int64
    /// Deliveries one publish produces (subscribers per topic): closes the QoS 0 window.
    var deliveriesPerPublish = 1
    /// PUBLISH templates, one per topic, with the offsets to patch.
    private(set) var publishTemplates: [[UInt8]] = []
    private var packetIDOffset = 0
    private var timestampOffset = 0

    var publishers: [MQTTLoadConnection] = []
    var subscribers: [MQTTLoadConnection] = []
    var idle: [MQTTLoadConnection] = []

    // Counters (never reset; rounds take differences).
    var connectStarted = 0
    var connAcked = 0
    /// When the latest CONNACK arrived (monotonic nanoseconds).
    var lastConnAckNanos: Int64 = 0
    var connectFailures = 0
    var refused = 0
    var subAcked = 0
    var unexpectedCloses = 0
    var closed = 0
    var published = 0
    var acked = 0
    var delivered = 0
    var protocolErrors = 0
    /// QoS 0 publishes written off when the delivery window stalled (the broker dropped them).
    var writtenOff = 0
    var lastError: String?

    /// Publish → delivery time, nanoseconds (recorded while `recording`).
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    /// TCP connect start → CONNACK, nanoseconds.
    var connectLatency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var recording = false

    private(set) var mode: MQTTSendMode = .stopped
    private var nextPublisher = 0
    private var rateStartNanos: Int64 = 0
    private var rateSent = 0
    private var stallCheckDelivered = 0
    private var lastDeliveryNanos: Int64 = 0
    private var timerArmed = false
    unowned(unsafe) var loop: EventLoop

    init(name: String, address: SocketAddress, qos: MQTTQoS, keepAliveSeconds: UInt16, paceStepNanos: Int64 = 1_000_000,
         loop: EventLoop) {
        self.paceStepNanos = paceStepNanos
        self.name = name
        self.address = address
        self.qos = qos
        subscriberQoS = qos
        self.keepAliveSeconds = keepAliveSeconds
        self.loop = loop
    }

    /// Encodes one PUBLISH per topic with a `payloadBytes` payload (≥ 8: the send time).
    func preparePublishes(topics: [String], payloadBytes: Int) {
        let payload = [UInt8](repeating: 0x5A, count: max(8, payloadBytes))
        publishTemplates = topics.map { topic in
            let packet = MQTTPacket.publish(MQTTPublish(topic: topic, payload: payload, qos: qos,
                                                        packetID: qos == .atMostOnce ? nil : 1))
            var bytes: [UInt8] = []
            packet.encode(into: &bytes)
            return bytes
        }
        // Fixed header (1 + remaining-length bytes), topic (2 + n), [packet id], payload.
        let first = publishTemplates[0]
        var headerBytes = 2
        while first[headerBytes - 1] & 0x80 != 0 { headerBytes += 1 }
        let topicBytes = 2 + topics[0].utf8.count
        packetIDOffset = headerBytes + topicBytes
        timestampOffset = packetIDOffset + (qos == .atMostOnce ? 0 : 2)
        precondition(Set(topics.map(\.utf8.count)).count == 1, "topics must have equal lengths")
    }

    var openCount: Int { connAcked - closed }

    /// Clients queued to connect, with the sources they bind, in order; at most `connectWindow`
    /// are connecting at once (listen backlogs overflow otherwise: Mosquitto's is 100), and
    /// each CONNACK (or failure) starts the next.
    private var connectQueue: [(MQTTLoadConnection, SocketAddress)] = []
    private var connectNext = 0
    private var connectWindow = 0

    /// Queues `count` clients of one role and starts connecting; client `i` binds source
    /// `sources[(firstIndex + i) / perSource]`.
    func connect(role: MQTTLoadConnection.Role, count: Int, idPrefix: String, subscribeTo filter: (Int) -> String? = { _ in nil },
                 sources: [SocketAddress], perSource: Int, firstIndex: Int, window: Int) {
        for index in 0..<count {
            let client = MQTTLoadConnection(fleet: self, role: role, clientID: "\(idPrefix)\(index)", filter: filter(index),
                                            topicIndex: index % max(1, publishTemplates.count))
            switch role {
            case .publisher: publishers.append(client)
            case .subscriber: subscribers.append(client)
            case .idle: idle.append(client)
            }
            connectQueue.append((client, sources[min(sources.count - 1, (firstIndex + index) / perSource)]))
        }
        connectWindow = window
        let connecting = connectStarted - connAcked - connectFailures - refused
        for _ in 0..<max(0, min(window - connecting, connectQueue.count - connectNext)) { startNextQueued() }
    }

    /// A client got its CONNACK or failed: the next queued one may start.
    func connectSettled() {
        if connectNext < connectQueue.count { startNextQueued() }
        if connectNext == connectQueue.count, !connectQueue.isEmpty {
            connectQueue.removeAll()
            connectNext = 0
        }
    }

    private func startNextQueued() {
        let (client, source) = connectQueue[connectNext]
        connectNext += 1
        start(client, source: source)
    }

    func start(_ client: MQTTLoadConnection, source: SocketAddress) {
        connectStarted += 1
        client.connectStartNanos = monotonicNanos()
        loop.connect(to: address, from: source, handler: client)
    }

    // MARK: Sending

    func setMode(_ newMode: MQTTSendMode) {
        mode = newMode
        let now = monotonicNanos()
        switch newMode {
        case .stopped:
            break
        case .ackWindow(let window):
            for publisher in publishers where publisher.isReady {
                publisher.publish(count: window - publisher.inFlight, now: now)
            }
        case .deliveryWindow:
            stallCheckDelivered = delivered
            lastDeliveryNanos = now
            replenish(now: now)
            armTimer()
        case .fixedRate:
            rateStartNanos = now
            rateSent = 0
            armTimer()
        case .unpaced:
            tick()
        }
    }

    /// QoS 0 closed loop: tops the undelivered publishes back up to the window.
    func replenish(now: Int64) {
        guard case .deliveryWindow(let window) = mode, !publishers.isEmpty else { return }
        var outstanding = published - writtenOff - delivered / deliveriesPerPublish
        var misses = 0
        while outstanding < window, misses < publishers.count {
            let publisher = publishers[nextPublisher]
            nextPublisher = nextPublisher + 1 == publishers.count ? 0 : nextPublisher + 1
            guard publisher.isReady else { misses += 1; continue }
            publisher.publish(count: 1, now: now)
            outstanding += 1
        }
    }

    /// A PUBACK arrived at `publisher`.
    func acknowledged(_ publisher: MQTTLoadConnection, now: Int64) {
        if case .ackWindow(let window) = mode, publisher.inFlight < window { publisher.publish(count: 1, now: now) }
    }

    private func armTimer() {
        guard !timerArmed else { return }
        timerArmed = true
        _ = loop.schedule(after: .nanoseconds(paceStepNanos)) { [self] in
            timerArmed = false
            tick()
        }
    }

    private func tick() {
        let now = monotonicNanos()
        switch mode {
        case .stopped, .ackWindow:
            return
        case .deliveryWindow:
            // If nothing arrived for 100 ms while publishes are outstanding, the broker dropped
            // them (QoS 0 may be dropped): write them off so the loop goes on.
            if delivered != stallCheckDelivered {
                stallCheckDelivered = delivered
                lastDeliveryNanos = now
            } else if now - lastDeliveryNanos > 100_000_000 {
                let outstanding = published - writtenOff - delivered / deliveriesPerPublish
                if outstanding > 0 { writtenOff += outstanding }
                lastDeliveryNanos = now
            }
            replenish(now: now)
        case .fixedRate(let perSecond, let window):
            let due = Int(Double(now - rateStartNanos) / 1e9 * perSecond) - rateSent
            var sent = 0
            var misses = 0
            while sent < due, misses < publishers.count {
                let publisher = publishers[nextPublisher]
                nextPublisher = nextPublisher + 1 == publishers.count ? 0 : nextPublisher + 1
                guard publisher.isReady, qos == .atMostOnce || publisher.inFlight < window else { misses += 1; continue }
                publisher.publish(count: 1, now: now)
                sent += 1
            }
            rateSent += sent
        case .unpaced(let outboundBytes):
            for publisher in publishers { publisher.publish(whileQueuedBelow: outboundBytes, now: now) }
        }
        armTimer()
    }

    /// Writes one PUBLISH from `topicIndex`'s template with `packetID` and send time `now`.
    @inline(__always)
    func writePublish(on connection: Connection, topicIndex: Int, packetID: UInt16, now: Int64) {
        let packetIDOffset = packetIDOffset
        let timestampOffset = timestampOffset
        let qos = qos
        publishTemplates[topicIndex].withUnsafeBytes { template in
            connection.write(reserving: template.count) { out in
                out.copyMemory(from: template)
                if qos != .atMostOnce {
                    out[packetIDOffset] = UInt8(packetID >> 8)
                    out[packetIDOffset + 1] = UInt8(packetID & 0xFF)
                }
                out.storeBytes(of: UInt64(bitPattern: now).littleEndian, toByteOffset: timestampOffset, as: UInt64.self)
                return template.count
            }
        }
        published += 1
    }

    /// Closes every client (after their queued bytes).
    func closeAll() {
        mode = .stopped
        for client in publishers + subscribers + idle { client.close() }
    }

    /// Resets every client still open: their queued bytes are dropped.
    func abortAll() {
        mode = .stopped
        for client in publishers + subscribers + idle { client.abort() }
    }

    /// Sends PINGREQ on every open client (keep-alive for runs longer than the keep-alive).
    func pingAll() {
        for client in publishers + subscribers + idle { client.ping() }
    }
}
