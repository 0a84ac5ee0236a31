import Logging
import NaveIO
import NaveMQTT
import NaveMQTTBinding

/// The actor of one MQTT network connection (a device, or a general broker client): bytes →
/// `MQTTFrameDecoder` → `MQTTConnectionStateMachine` (and, for a hub device,
/// `IoTHubDeviceChannel`) → actions performed here (writes, routing, hub calls).
///
/// Its executor is its connection's loop, so the compiler keeps its state to that thread: the
/// engine's completions and timers, the router's deliveries and hand-offs from other loops
/// enter through the `nonisolated` entry points below, which run on the loop thread and step
/// into the actor with `EventLoop.runIsolated` (no hop, no allocation); hub work it awaits
/// resumes on the loop.
actor MQTTConnectionHandler: ConnectionHandler, TimerHandler {
    let broker: Broker
    let home: BrokerLoop
    /// Who may connect here; nil admits anyone (the plain broker listener).
    let gate: ListenerGate?

    nonisolated var unownedExecutor: UnownedSerialExecutor { home.loop.executor }
    /// The hub device this connection authenticated as, once accepted.
    var hubDevice: HubDevice?
    /// A general broker client's identity and rules when an ACL file is configured; nil
    /// otherwise (nothing is checked).
    var aclSubject: ACLSubject?
    /// When its SAS token expires, on the loop's monotonic clock (`Int64.max`: never).
    var tokenDeadlineNanos: Int64 { hubDevice?.tokenDeadlineNanos ?? .max }
    /// Hub operations of this device under way (`runForDevice`), at most
    /// `deviceOperationsInFlightMax`.
    var deviceOperationsInFlight: Int { hubDevice?.operationsInFlight ?? 0 }
    var connection: Connection!
    var machine: MQTTConnectionStateMachine
    var decoder: MQTTFrameDecoder
    /// The session once the broker resolved it.
    var session: BrokerSession?
    var sessionGeneration: UInt64 = 0
    var clientID: String?
    /// The will from CONNECT, boxed: most clients have none, and an idle connection's memory is
    /// a goal (PERF.md G2).
    var will: ConnectionWill?
    /// The broker's logger, shared: per-connection metadata would copy its handler and a
    /// metadata dictionary into every connection (hundreds of bytes each while idle), so the
    /// client id is added at each log call instead (`logContext`), only when the level is on.
    var logger: Logger { broker.logger }
    /// Deliveries waiting for room (back-pressure); reading is paused while any are held.
    var held: [HeldDelivery] = []
    var heldRetryTimer: TimerID?
    var housekeepingTimer: TimerID?
    /// When the planned housekeeping check runs (monotonic nanoseconds).
    var housekeepingDueNanos: Int64 = .max
    /// Last time the subscriber side made progress (an acknowledgement, or a send buffer below
    /// the QoS 0 drop mark) — for the slow-consumer timeout.
    var lastDrainNanos: Int64
    // The flags sit together so they share one word instead of padding one each (PERF.md G2).
    var heldRetryScheduled = false
    /// Registered with a full session's drain waiters (woken by it; polling only as a fallback).
    var awaitingDrain = false
    /// Failed retries in a row (saturating; only up to 5 matter); the retry interval doubles
    /// with each, up to 32× the configured one, so thousands of publishers held behind one
    /// full subscriber do not poll it every few milliseconds (that polling cost ~250 µs of
    /// broker CPU per delivery at 10 k held). One byte beside the flags (PERF.md G2).
    var heldRetryFailures: UInt8 = 0
    /// Reading is paused because this publisher's last QoS 0 message reached nobody: every
    /// subscriber it matched was at its drop mark (`backOffFromCongestion`).
    var congestionBackOff = false
    /// The planned check is a quiet one: nothing was held or backed up, so it waits for the
    /// keep-alive or token deadline instead of the housekeeping interval.
    var housekeepingIsQuiet = false
    var finished = false

    /// Called on the connection's loop when it is accepted (or upgraded from WebSocket). The
    /// connect timeout runs from now, not from `connectionActive`: a client that never finishes
    /// its TLS handshake must not hold the connection for ever.
    init(broker: Broker, home: BrokerLoop, gate: ListenerGate?, connection: Connection) {
        self.broker = broker
        self.home = home
        self.gate = gate
        self.connection = connection
        let nowNanos = connection.loop.nowNanos
        machine = MQTTConnectionStateMachine(nowNanos: nowNanos)
        // Retains no buffer once drained: whole packets are decoded straight from the receive
        // buffer (`didReceive`), so this one only holds a packet split across reads, and an
        // idle connection keeps nothing here.
        decoder = MQTTFrameDecoder(maximumPacketBytes: broker.configuration.binding.maximumPacketBytes,
                                   retainedBufferBytesMax: 0)
        lastDrainNanos = nowNanos
        connection.loop.runIsolated(self) { $0.scheduleHousekeeping(afterMillis: $0.broker.configuration.connectTimeoutMillis) }
    }

    // MARK: Entry points, on the loop thread

    nonisolated func connectionActive(_ connection: Connection) {
        home.loop.runIsolated(self, connection) { $0.active($1) }
    }

    nonisolated func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        // Lent for this synchronous call on the loop thread only; the actor copies what it keeps.
        nonisolated(unsafe) let bytes = bytes
        home.loop.runIsolated(self, bytes) { $0.received($1) }
    }

    nonisolated func connectionDidBecomeWritable(_ connection: Connection) {
        home.loop.runIsolated(self) { $0.lastDrainNanos = $0.home.loop.nowNanos }
    }

    nonisolated func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        home.loop.runIsolated(self, reason) { $0.closed($1) }
    }

    nonisolated func timerFired(token: UInt64) {
        home.loop.runIsolated(self, token) { $0.timer($1) }
    }

    /// Runs `body` isolated to this actor on its loop, later (queued), from any thread: for
    /// hand-offs from other loops and for the hub, whose calls must not re-enter the actor.
    nonisolated func onLoop(_ body: @escaping @Sendable (isolated MQTTConnectionHandler) -> Void) {
        let loop = home.loop
        loop.execute { loop.runIsolated(self, body) }
    }

    // MARK: Connection events

    private func active(_ connection: Connection) {
        self.connection = connection
        // The peer is logged once, here: later lines carry the client id (`logContext`).
        logger.debug("connection opened", metadata: ["peer": "\(connection.remoteAddress.map { "\($0)" } ?? "?")"])
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard !finished else { return }
        // Nothing buffered: decode whole packets in place and buffer only what is left (a split
        // packet, or packets that must wait), so a read of many packets copies nothing.
        let rest = decoder.bufferedByteCount == 0 ? processPackets(inPlace: bytes) : bytes
        decoder.feed(rest)
        processPackets()
    }

    private func closed(_ reason: CloseReason) {
        let mqttReason: MQTTCloseReason = switch reason {
        case .shutdown: .serverShutdown
        case .outboundLimitExceeded: .slowConsumer
        default: .connectionLost
        }
        finish(mqttReason)
    }

    // MARK: Packets

    /// Whether the next packet may be handled now (not while the session is being resolved or
    /// deliveries are held).
    private var canHandlePackets: Bool {
        !finished && machine.state != .awaitingSession && held.isEmpty && !congestionBackOff
            && deviceOperationsInFlight < broker.configuration.deviceOperationsInFlightMax
    }

    /// Decodes and handles buffered packets until none is complete, or until the connection
    /// must wait (session being resolved, deliveries held).
    func processPackets() {
        while canHandlePackets {
            let packet: MQTTPacket
            do {
                guard let next = try decoder.next() else { return }
                packet = next
            } catch {
                perform(machine.decodeFailed(error))
                return
            }
            handle(packet)
        }
    }

    /// Handles the whole packets at the start of `bytes` while it may; returns the bytes left.
    private func processPackets(inPlace bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var rest = bytes
        let limit = broker.configuration.binding.maximumPacketBytes
        while canHandlePackets, !rest.isEmpty {
            do {
                guard let (packet, consumed) = try MQTTFrameDecoder.decode(rest, maximumPacketBytes: limit) else { break }
                rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
                handle(packet)
            } catch {
                perform(machine.decodeFailed(error))
                return UnsafeRawBufferPointer(start: nil, count: 0)
            }
        }
        return rest
    }

    private func handle(_ packet: MQTTPacket) {
        if hubDevice != nil, case .puback(let packetID) = packet, hubAcknowledged(packetID: packetID) {
            machine.noteActivity(nowNanos: connection.loop.nowNanos)
            return
        }
        let action: MQTTConnectionAction
        if let session {
            action = machine.receive(packet, session: &session.state, nowNanos: connection.loop.nowNanos)
        } else {
            // Only CONNECT is handled before a session exists, and what it leaves in this state
            // is not kept: a throwaway costs nothing (empty collections do not allocate), while
            // a stored one would cost every connection its size for life.
            var noSession = MQTTSessionState(sharedLimits: broker.sessionLimits)
            action = machine.receive(packet, session: &noSession, nowNanos: connection.loop.nowNanos)
        }
        perform(action)
    }

    func perform(_ action: MQTTConnectionAction) {
        switch action {
        case .none:
            break
        case .send(let packet):
            send(packet)
        case .openSession(let connect):
            openSession(connect)
        case .route(let publish, let ack):
            if let hubDevice, let hub = gate?.hub { return hubPublish(publish, ack: ack, device: hubDevice, hub: hub) }
            if let aclSubject, !aclSubject.mayPublish(publish.topic) { return publishDenied(publish, ack: ack) }
            routePublish(publish)
            if let ack { send(ack) }
        case .windowOpened:
            lastDrainNanos = connection.loop.nowNanos
            pumpSessionQueue()
        case .subscribe(let ack, let granted):
            if let hubDevice, let hub = gate?.hub { return hubSubscribe(ack: ack, granted: granted, device: hubDevice, hub: hub) }
            if let aclSubject, let session { return subscribeChecked(ack: ack, granted: granted, subject: aclSubject, session: session) }
            subscribe(ack: ack, granted: granted)
        case .unsubscribe(let removed, let ack):
            if let hubDevice, let hub = gate?.hub, let session {
                hub.recordDeviceSubscriptions(hubDevice.channel.identity, hubDevice.channel.subscriptions(in: session.state))
            } else if let session {
                broker.removeSubscriptions(removed, for: session)
            }
            send(ack)
        case .close(let reason, let packet):
            if let packet { send(packet) }
            closeConnection(reason)
        }
    }

    /// Writes a packet straight into the send queue.
    func send(_ packet: MQTTPacket) {
        guard !finished else { return }
        connection.write(reserving: packet.encodedByteCount) { packet.encode(into: $0) }
    }

    /// Writes a QoS 0 delivery unless this subscriber's send buffer is above its drop mark;
    /// false if dropped.
    func sendQoS0(_ publish: MQTTPublish) -> Bool {
        guard !finished, connection.pendingOutboundBytes < qos0DropMarkBytes else { return false }
        send(.publish(publish))
        return true
    }

    /// Whether QoS 0 to this subscriber queues behind more than the congested mark: what is sent
    /// now waits behind that much, so its publishers are told to back off.
    var isQoS0Congested: Bool { connection.pendingOutboundBytes > BrokerConfiguration.congestedSubscriberOutboundBytes }

    /// Moves queued QoS 1/2 messages into the free window slots.
    func pumpSessionQueue() {
        guard let session else { return }
        while let next = session.state.nextToSend() {
            send(.publish(next))
            home.counters.delivered(next.qos)
        }
        session.publishQueueState()
    }

    private func routePublish(_ publish: MQTTPublish) {
        if publish.retain { retain(publish) }
        let outcome = home.loop.runIsolated(home, publish) { $0.route($1) }
        if !outcome.held.isEmpty {
            held.append(contentsOf: outcome.held)
            startHolding()
        }
        if outcome.onlyCongested, broker.configuration.overloadBackOffMillis > 0 { backOffFromCongestion() }
    }

    func retain(_ publish: MQTTPublish) {
        let outcome = broker.retained.withLock { $0.retain(publish) }
        if outcome == .refusedFull {
            logger.warning("retained message not stored: retainedMessagesMax reached", metadata: logContext(["topicBytes": "\(publish.topic.utf8.count)"]))
        }
    }

    /// Subscribes `granted`, answers with `ack`, then sends the retained messages they match.
    /// `refusedByACL` of the failures in `ack` were the ACL's, not the subscription limit's.
    func subscribe(ack: MQTTSubAck, granted: [MQTTSubscription], refusedByACL: Int = 0) {
        guard let session else { return }
        if ack.returnCodes.count(where: { $0 == .failure }) > refusedByACL {
            logger.notice("subscriptions refused: subscriptionsPerClientMax reached", metadata: logContext([
                "limit": "\(broker.configuration.binding.subscriptionsPerClientMax)",
                "refused": "\(ack.returnCodes.count { $0 == .failure } - refusedByACL)",
            ]))
        }
        broker.addSubscriptions(granted, for: session)
        send(.suback(ack))
        // Retained messages for each new or replaced subscription, RETAIN 1 (§3.3.1-6, -8).
        for subscription in granted {
            let messages = broker.retained.withLock { $0.matching(filter: subscription.filter) }
            for var message in messages {
                message.qos = min(message.qos, subscription.qos)
                home.loop.runIsolated(home, (session, message)) { $0.deliverLocally($1.0, $1.1) }
            }
        }
    }

    /// `extra` with this connection's client id (once CONNECT named it), for a log line.
    func logContext(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = extra
        if let clientID { metadata["client"] = "\(clientID)" }
        return metadata
    }

    // MARK: Timers

    static let housekeepingToken: UInt64 = 0
    static let heldRetryToken: UInt64 = 1
    static let congestionToken: UInt64 = 2

    private func timer(_ token: UInt64) {
        switch token {
        case Self.heldRetryToken: retryHeld()
        case Self.congestionToken: endCongestionBackOff()
        default: housekeeping()
        }
    }

    func scheduleHousekeeping(afterMillis millis: Int) {
        housekeepingDueNanos = connection.loop.nowNanos + Int64(max(1, millis)) * 1_000_000
        housekeepingTimer = connection.loop.schedule(after: .milliseconds(max(1, millis)), handler: self, token: Self.housekeepingToken)
    }

    /// A delivery to this subscriber was dropped or queued behind a full window: it may be a
    /// slow consumer, so the next check comes within the housekeeping interval, not at a quiet
    /// check's keep-alive deadline. It was keeping up until now.
    func watchForSlowConsumer() {
        guard !finished, housekeepingIsQuiet else { return }
        housekeepingIsQuiet = false
        lastDrainNanos = connection.loop.nowNanos
        let intervalNanos = Int64(broker.configuration.housekeepingIntervalMillis) * 1_000_000
        guard housekeepingDueNanos - connection.loop.nowNanos > intervalNanos else { return }
        if let housekeepingTimer { connection.loop.cancelTimer(housekeepingTimer) }
        scheduleHousekeeping(afterMillis: broker.configuration.housekeepingIntervalMillis)
    }

    /// Connect timeout, keep-alive (§3.1.2.10) and slow-consumer checks, then re-arms itself.
    private func housekeeping() {
        housekeepingTimer = nil
        guard !finished else { return }
        let now = connection.loop.nowNanos
        // While the broker holds this publisher's deliveries its packets wait unread, so its
        // silence is ours: the keep-alive clock restarts instead of expiring.
        if !held.isEmpty { machine.noteActivity(nowNanos: now) }
        let action = machine.check(nowNanos: now, connectTimeoutNanos: Int64(broker.configuration.connectTimeoutMillis) * 1_000_000)
        if action != .none { return perform(action) }
        // Nothing was watched since a quiet check was planned: the slow-consumer clock starts now.
        if housekeepingIsQuiet { lastDrainNanos = now }
        if isSlowConsumer(now: now) { return closeConnection(.slowConsumer) }
        // IoT Hub disconnects a device whose token expired (contract §1.5); the SDK renews
        // 120 s before expiry with a new CONNECT, so a live SDK never meets this.
        if now >= tokenDeadlineNanos { return closeConnection(.tokenExpired) }
        scheduleHousekeeping(afterMillis: nextHousekeepingDelayMillis(now: now))
    }

    /// Until the next check is due: the connect timeout before CONNECT, else the keep-alive
    /// deadline or the token's expiry, whichever comes first, and no later than the
    /// housekeeping interval while deliveries are held or the subscriber is backed up. A quiet
    /// connection is thus looked at once per keep-alive period, not every interval: 20 k idle
    /// connections cost 20 k timer firings per second otherwise (PERF.md G9).
    private func nextHousekeepingDelayMillis(now: Int64) -> Int {
        if machine.state == .awaitingConnect {
            housekeepingIsQuiet = false
            return Int((machine.createdNanos + Int64(broker.configuration.connectTimeoutMillis) * 1_000_000 - now) / 1_000_000) + 1
        }
        housekeepingIsQuiet = held.isEmpty && !isBackedUp
        var delayMillis = housekeepingIsQuiet ? Self.quietHousekeepingMillisMax : broker.configuration.housekeepingIntervalMillis
        if let deadline = machine.keepAliveDeadlineNanos {
            delayMillis = min(delayMillis, Int((deadline - now) / 1_000_000) + 1)
        }
        if tokenDeadlineNanos != .max {
            delayMillis = min(delayMillis, Int(max(0, tokenDeadlineNanos - now) / 1_000_000) + 1)
        }
        return delayMillis
    }

    /// Re-plans the next check once connected: the one planned for the connect timeout may
    /// come later than a keep-alive or token deadline.
    func rescheduleHousekeeping() {
        if let housekeepingTimer { connection.loop.cancelTimer(housekeepingTimer) }
        scheduleHousekeeping(afterMillis: nextHousekeepingDelayMillis(now: connection.loop.nowNanos))
    }

    /// Queued bytes at which QoS 0 to this subscriber is dropped: its own cap, or, while its
    /// loop's connections together hold more than `loopOutboundBytesMax`, the low mark
    /// `BrokerConfiguration.congestedSubscriberOutboundBytes`: the subscribers that are backed
    /// up lose messages (and count as slow consumers), the ones that keep up do not.
    private var qos0DropMarkBytes: Int {
        let configuration = broker.configuration
        return connection.loop.queuedOutboundBytes < configuration.loopOutboundBytesMax
            ? configuration.subscriberOutboundBytesMax : BrokerConfiguration.congestedSubscriberOutboundBytes
    }

    /// A full session queue or a send buffer at the QoS 0 drop mark.
    private var isBackedUp: Bool {
        (session?.state.isQueueFull ?? false) || connection.pendingOutboundBytes >= qos0DropMarkBytes
    }

    private func isSlowConsumer(now: Int64) -> Bool {
        let backedUp = isBackedUp
        if !backedUp { lastDrainNanos = now }
        return backedUp && now - lastDrainNanos >= Int64(broker.configuration.slowConsumerTimeoutMillis) * 1_000_000
    }

    /// The longest wait of a quiet check (a connection without keep-alive or token expiry).
    static let quietHousekeepingMillisMax = 60_000
}
