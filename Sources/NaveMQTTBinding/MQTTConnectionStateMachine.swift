import NaveMQTT

/// The MQTT 3.1.1 server side of one network connection, sans IO: packets, decode failures and
/// clock readings in, `MQTTConnectionAction`s out. The adapter owns the socket, the timers and
/// the session object; this type owns the protocol rules.
///
/// States: awaiting CONNECT → awaiting the session (the broker resolves takeover) → connected
/// → closed. Each `receive` call updates the keep-alive clock.
public struct MQTTConnectionStateMachine: Sendable {
    public enum State: Sendable, Equatable {
        /// The first packet must be CONNECT (§3.1.0-1).
        case awaitingConnect
        /// CONNECT accepted by the binding; the broker is resolving the session.
        case awaitingSession
        /// CONNACK 0 sent; packets flow.
        case connected
        /// Closed; every input is ignored.
        case closed
    }

    public private(set) var state: State = .awaitingConnect
    /// The keep-alive the client asked for, in seconds; 0 disables the check (§3.1.2.10).
    public private(set) var keepAliveSeconds: UInt16 = 0
    /// When the last packet arrived (monotonic ns); starts at the connection's creation.
    public private(set) var lastPacketNanos: Int64
    /// When the connection was created (monotonic ns).
    public let createdNanos: Int64
    /// The client spoke MQTT 3.1 in its CONNECT: its CONNACK has no session-present flag.
    public private(set) var isLegacyClient = false

    public init(nowNanos: Int64) {
        createdNanos = nowNanos
        lastPacketNanos = nowNanos
    }

    /// Handles one decoded packet. `session` is the connection's session state once connected
    /// (ignored before).
    public mutating func receive(_ packet: MQTTPacket, session: inout MQTTSessionState, nowNanos: Int64) -> MQTTConnectionAction {
        lastPacketNanos = nowNanos
        switch state {
        case .closed:
            return .none
        case .awaitingConnect:
            return receiveFirst(packet, session: session)
        case .awaitingSession:
            // The adapter stops decoding until the session is ready; reaching here is a bug.
            preconditionFailure("packet handled while the session was being resolved")
        case .connected:
            return receiveConnected(packet, session: &session)
        }
    }

    /// The decoder failed. An unsupported protocol level is answered with CONNACK 0x01 first
    /// (§3.1.2.2 [MQTT-3.1.2-2]); everything else closes without a reply (§4.8).
    public mutating func decodeFailed(_ error: MQTTDecodeError) -> MQTTConnectionAction {
        guard state != .closed else { return .none }
        let wasAwaitingConnect = state == .awaitingConnect
        state = .closed
        if case .unacceptableProtocolLevel = error, wasAwaitingConnect {
            return .close(.connectRefused(.unacceptableProtocolVersion),
                          after: .connack(MQTTConnAck(returnCode: .unacceptableProtocolVersion)))
        }
        return .close(.malformed(error), after: nil)
    }

    /// The broker resolved the session: CONNACK 0 with the session-present flag (§3.2.2.2).
    public mutating func connectAccepted(sessionPresent: Bool) -> MQTTPacket {
        precondition(state == .awaitingSession, "connectAccepted outside awaitingSession")
        state = .connected
        // MQTT 3.1's CONNACK byte 1 is reserved: no session-present flag to set.
        return .connack(MQTTConnAck(sessionPresent: sessionPresent && !isLegacyClient, returnCode: .accepted))
    }

    /// The broker refused the session (e.g. server unavailable): CONNACK with the code, then close.
    public mutating func connectRefused(_ code: MQTTConnectReturnCode) -> MQTTConnectionAction {
        state = .closed
        return .close(.connectRefused(code), after: .connack(MQTTConnAck(returnCode: code)))
    }

    /// Called by the adapter's periodic check. Closes when no CONNECT arrived within
    /// `connectTimeoutNanos`, or when connected and nothing arrived for one and a half times the
    /// keep-alive (§3.1.2.10 [MQTT-3.1.2-24]).
    public mutating func check(nowNanos: Int64, connectTimeoutNanos: Int64) -> MQTTConnectionAction {
        switch state {
        case .awaitingConnect where nowNanos - createdNanos >= connectTimeoutNanos:
            state = .closed
            return .close(.connectTimeout, after: nil)
        case .connected:
            guard let deadline = keepAliveDeadlineNanos, nowNanos >= deadline else { return .none }
            state = .closed
            return .close(.keepAliveExpired, after: nil)
        default:
            return .none
        }
    }

    /// When the keep-alive expires if nothing arrives, or nil when keep-alive is off.
    public var keepAliveDeadlineNanos: Int64? {
        guard state == .connected, keepAliveSeconds > 0 else { return nil }
        return lastPacketNanos + Int64(keepAliveSeconds) * 1_500_000_000
    }

    /// Restarts the keep-alive clock without a packet (the adapter paused reading itself).
    public mutating func noteActivity(nowNanos: Int64) {
        lastPacketNanos = max(lastPacketNanos, nowNanos)
    }

    /// The adapter closed the connection for its own reason (peer closed, takeover, shutdown).
    public mutating func closed() {
        state = .closed
    }

    // MARK: Per state

    private mutating func receiveFirst(_ packet: MQTTPacket, session: MQTTSessionState) -> MQTTConnectionAction {
        guard case .connect(let connect) = packet else {
            state = .closed
            return .close(.protocolViolation(clause: "MQTT-3.1.0-1", reason: "first packet was \(packet.type), not CONNECT"), after: nil)
        }
        // §3.1.3-7/8: a zero-byte client id with clean session 0 is refused with 0x02; MQTT 3.1
        // has no zero-byte client ids at all (Mosquitto refuses them the same way).
        if connect.clientID.isEmpty && (!connect.cleanSession || connect.isLegacy) {
            state = .closed
            return .close(.connectRefused(.identifierRejected), after: .connack(MQTTConnAck(returnCode: .identifierRejected)))
        }
        if let will = connect.will, MQTTTopic.exceedsLevels(will.topic, max: session.limits.topicLevelsMax) {
            // Mosquitto closes without CONNACK when its will topic check fails (will__read).
            return violation("topicLevelsMax", "will topic over \(session.limits.topicLevelsMax) levels")
        }
        isLegacyClient = connect.isLegacy
        keepAliveSeconds = connect.keepAliveSeconds
        state = .awaitingSession
        return .openSession(connect)
    }

    private mutating func receiveConnected(_ packet: MQTTPacket, session: inout MQTTSessionState) -> MQTTConnectionAction {
        switch packet {
        case .connect:
            return violation("MQTT-3.1.0-2", "second CONNECT on one connection")
        case .publish(let publish):
            return receivePublish(publish, session: &session)
        case .puback(let id):
            if let wrong = wrongAcknowledgement(.puback, session.outboundStage(packetID: id)) { return wrong }
            return session.acknowledge(packetID: id) ? .windowOpened : .none
        case .pubrec(let id):
            if let wrong = wrongAcknowledgement(.pubrec, session.outboundStage(packetID: id)) { return wrong }
            // Answer PUBREL even for an identifier we no longer hold, so the client can finish.
            _ = session.received(packetID: id)
            return .send(.pubrel(packetID: id))
        case .pubrel(let id):
            session.release(packetID: id)
            return .send(.pubcomp(packetID: id))
        case .pubcomp(let id):
            if let wrong = wrongAcknowledgement(.pubcomp, session.outboundStage(packetID: id)) { return wrong }
            return session.complete(packetID: id) ? .windowOpened : .none
        case .subscribe(let request):
            if request.subscriptions.contains(where: { MQTTTopic.exceedsLevels($0.filter, max: session.limits.topicLevelsMax) }) {
                return tooManyLevels("topic filter", session.limits)
            }
            let (ack, granted) = session.subscribe(request)
            return .subscribe(ack: ack, granted: granted)
        case .unsubscribe(let request):
            if request.filters.contains(where: { MQTTTopic.exceedsLevels($0, max: session.limits.topicLevelsMax) }) {
                return tooManyLevels("topic filter", session.limits)
            }
            return .unsubscribe(removed: session.unsubscribe(request.filters), ack: .unsuback(packetID: request.packetID))
        case .pingreq:
            return .send(.pingresp)
        case .disconnect:
            state = .closed
            return .close(.clientDisconnected, after: nil)
        case .connack, .suback, .unsuback, .pingresp:
            return violation("MQTT-4.8.0-1", "client sent \(packet.type), a server-to-client packet")
        }
    }

    private mutating func receivePublish(_ publish: MQTTPublish, session: inout MQTTSessionState) -> MQTTConnectionAction {
        if MQTTTopic.exceedsLevels(publish.topic, max: session.limits.topicLevelsMax) {
            return tooManyLevels("topic name", session.limits)
        }
        switch publish.qos {
        case .atMostOnce:
            return .route(publish, ack: nil)
        case .atLeastOnce:
            return .route(publish, ack: .puback(packetID: publish.packetID!))
        case .exactlyOnce:
            let id = publish.packetID!
            switch session.receivedExactlyOnce(packetID: id) {
            case true?: return .route(publish, ack: .pubrec(packetID: id))
            case false?: return .send(.pubrec(packetID: id))
            case nil: return violation("MQTT-4.3.3", "more than \(session.limits.inboundUnreleasedQoS2Max) QoS 2 messages without PUBREL")
            }
        }
    }

    /// An acknowledgement that contradicts the message held under its packet id — PUBREC or
    /// PUBCOMP for a QoS 1 message, PUBACK for a QoS 2 one, PUBCOMP before PUBREC — closes the
    /// connection, as Mosquitto 2.0 does (db__message_delete_outgoing / update_outgoing answer
    /// MOSQ_ERR_PROTOCOL): the client is not following §4.3.2–§4.3.3 [MQTT-4.8.0-1]. An id
    /// nothing is held under stays harmless (a late or repeated acknowledgement), and a repeated
    /// PUBREC for a released QoS 2 message is answered with PUBREL again (§4.3.3).
    private mutating func wrongAcknowledgement(_ type: MQTTPacketType, _ stage: MQTTSessionState.OutboundStage?) -> MQTTConnectionAction? {
        let fits: Bool
        switch (type, stage) {
        case (_, nil), (.puback, .awaitingPuback?), (.pubrec, .awaitingPubrec?), (.pubrec, .awaitingPubcomp?),
             (.pubcomp, .awaitingPubcomp?):
            fits = true
        default:
            fits = false
        }
        guard !fits, let stage else { return nil }
        return violation("MQTT-4.3", "\(type) for a message awaiting \(stage)")
    }

    /// A topic deeper than the limit closes the connection without an answer, as Mosquitto
    /// does for its topic checks (handle_publish.c, handle_subscribe.c): MQTT 3.1.1 has no
    /// return code for it, and SUBACK 0x80 would leave the client retrying the same filter.
    private mutating func tooManyLevels(_ what: String, _ limits: MQTTBindingLimits) -> MQTTConnectionAction {
        violation("topicLevelsMax", "\(what) over \(limits.topicLevelsMax) levels")
    }

    private mutating func violation(_ clause: String, _ reason: String) -> MQTTConnectionAction {
        state = .closed
        return .close(.protocolViolation(clause: clause, reason: reason), after: nil)
    }
}
