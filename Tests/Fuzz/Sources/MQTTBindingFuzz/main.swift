import FuzzSupport
import NaveMQTT
import NaveMQTTBinding

/// libFuzzer entry point for the MQTT binding: the input is the byte stream of one client
/// connection, decoded by `MQTTFrameDecoder` and fed packet by packet to an
/// `MQTTConnectionStateMachine` with its `MQTTSessionState`, the way the broker's connection
/// handler does. A topic trie stands in for the broker's router, updated from the actions as
/// `Broker.addSubscriptions`/`removeSubscriptions` do, and each routed publish is offered back
/// to the session through its own matching subscriptions, so acknowledgements from the input
/// meet real in-flight identifiers. Limits are small so the fuzzer reaches them.
///
/// Checks after every packet: the action fits the packet and the state (CONNECT first, one
/// CONNECT, the right acknowledgement per QoS, SUBACK per filter, closed stays closed); every
/// packet the server would write encodes to bytes that decode to it; no limit is exceeded;
/// in-flight identifiers are non-zero and unique; the router holds exactly the session's
/// filters, and a publish matches the same filters, at the same QoS, in the trie as by
/// `MQTTTopic.matches` over the session's subscriptions.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var connection = Connection()
    connection.run(FuzzInput(data, size).bytes)
    return 0
}

private let limits: MQTTBindingLimits = {
    var limits = MQTTBindingLimits()
    limits.maximumPacketBytes = 2_048
    limits.inflightWindowMessages = 3
    limits.sessionQueuedMessagesMax = 4
    limits.subscriptionsPerClientMax = 4
    limits.inboundUnreleasedQoS2Max = 3
    limits.topicLevelsMax = 6
    try! limits.validate()
    return limits
}()

private let connectTimeoutNanos: Int64 = 10_000_000_000

private struct Connection {
    var decoder = MQTTFrameDecoder(maximumPacketBytes: limits.maximumPacketBytes)
    var machine = MQTTConnectionStateMachine(nowNanos: 0)
    var session = MQTTSessionState(limits: limits)
    /// The router's view of this one client: filter → QoS, compared by bytes as the broker's is.
    let router = MQTTTopicTrie<Int>()
    var nowNanos: Int64 = 0

    mutating func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { decoder.feed($0) }
        reading: while machine.state != .closed {
            let before = decoder.bufferedByteCount
            let packet: MQTTPacket?
            do {
                packet = try decoder.next()
            } catch {
                decodeFailed(error)
                break reading
            }
            guard let packet else { break }
            // Time passes with the bytes read, 0.5 s per byte up to 4 s, so keep-alives expire.
            nowNanos += Int64(min(before - decoder.bufferedByteCount, 8)) * 500_000_000
            if expire() { break }
            let state = machine.state
            let action = machine.receive(packet, session: &session, nowNanos: nowNanos)
            perform(action, for: packet, in: state)
            checkInvariants()
        }
        if machine.state == .closed {
            precondition(machine.receive(.pingreq, session: &session, nowNanos: nowNanos) == .none, "closed machine acted")
        }
        let redeliveries = session.redeliveries()
        precondition(redeliveries.count == session.inflight.count)
        for packet in redeliveries { checkWire(packet) }
        machine.closed()
        precondition(machine.state == .closed)
    }

    /// A refusal is CONNACK 1 for an unknown protocol level in CONNECT (§3.1.2.2), else a
    /// close without a reply (§4.8).
    mutating func decodeFailed(_ error: MQTTDecodeError) {
        let wasAwaitingConnect = machine.state == .awaitingConnect
        switch machine.decodeFailed(error) {
        case .close(.malformed(let reported), nil):
            precondition(reported == error)
        case .close(.connectRefused(.unacceptableProtocolVersion), let reply?):
            guard case .unacceptableProtocolLevel = error, wasAwaitingConnect else { preconditionFailure("CONNACK 1 for \(error)") }
            precondition(reply == .connack(MQTTConnAck(returnCode: .unacceptableProtocolVersion)))
            checkWire(reply)
        case let other:
            preconditionFailure("decode failure answered with \(other)")
        }
        precondition(machine.state == .closed)
    }

    /// The adapter's periodic check; true when it closed the connection.
    mutating func expire() -> Bool {
        let state = machine.state
        let deadline = machine.keepAliveDeadlineNanos
        switch machine.check(nowNanos: nowNanos, connectTimeoutNanos: connectTimeoutNanos) {
        case .none:
            precondition(deadline.map { nowNanos < $0 } ?? true, "keep-alive passed without a close")
            return false
        case .close(.keepAliveExpired, nil):
            precondition(state == .connected && nowNanos >= deadline!, "keep-alive closed early")
        case .close(.connectTimeout, nil):
            precondition(state == .awaitingConnect && nowNanos >= connectTimeoutNanos, "connect timeout early")
        case let other:
            preconditionFailure("check returned \(other)")
        }
        return true
    }

    mutating func perform(_ action: MQTTConnectionAction, for packet: MQTTPacket, in state: MQTTConnectionStateMachine.State) {
        precondition(state == .connected || state == .awaitingConnect, "a packet reached a machine in \(state)")
        switch action {
        case .none:
            guard case .connected = state else { preconditionFailure("no answer before CONNECT") }
            switch packet {
            case .puback, .pubcomp: break
            default: preconditionFailure("\(packet.type) ignored")
            }
        case .send(let reply):
            checkWire(reply)
            switch (packet, reply) {
            case (.pingreq, .pingresp): break
            case (.pubrec(let id), .pubrel(let replyID)), (.pubrel(let id), .pubcomp(let replyID)):
                precondition(id == replyID, "acknowledged another identifier")
            case (.publish(let publish), .pubrec(let replyID)):
                precondition(publish.qos == .exactlyOnce && publish.packetID == replyID && session.inboundUnreleased.contains(replyID))
            default:
                preconditionFailure("\(packet.type) answered with \(reply.type)")
            }
        case .openSession(let connect):
            precondition(state == .awaitingConnect && packet == .connect(connect) && machine.state == .awaitingSession)
            precondition(!connect.clientID.isEmpty || (connect.cleanSession && !connect.isLegacy), "empty client id let through")
            precondition(machine.keepAliveSeconds == connect.keepAliveSeconds)
            let connack = machine.connectAccepted(sessionPresent: !connect.cleanSession)
            precondition(connack == .connack(MQTTConnAck(sessionPresent: !connect.cleanSession && !connect.isLegacy, returnCode: .accepted)))
            checkWire(connack)
        case .route(let publish, let ack):
            precondition(state == .connected && packet == .publish(publish))
            switch publish.qos {
            case .atMostOnce: precondition(ack == nil)
            case .atLeastOnce: precondition(ack == .puback(packetID: publish.packetID!))
            case .exactlyOnce: precondition(ack == .pubrec(packetID: publish.packetID!) && session.inboundUnreleased.contains(publish.packetID!))
            }
            if let ack { checkWire(ack) }
            deliver(publish)
        case .windowOpened:
            switch packet {
            case .puback, .pubcomp: break
            default: preconditionFailure("\(packet.type) opened the window")
            }
            while let next = session.nextToSend() { checkWire(.publish(next)) }
        case .subscribe(let ack, let granted):
            guard case .subscribe(let request) = packet else { preconditionFailure("SUBACK for \(packet.type)") }
            precondition(ack.packetID == request.packetID && ack.returnCodes.count == request.subscriptions.count)
            let expected = zip(request.subscriptions, ack.returnCodes).filter { $0.1 != .failure }
            precondition(expected.map(\.0) == granted && expected.allSatisfy { $0.1 == MQTTSubAckReturnCode(granted: $0.0.qos) })
            for subscription in granted { router.insert(filter: subscription.filter, subscriber: 0, qos: subscription.qos) }
            checkWire(.suback(ack))
        case .unsubscribe(let removed, let ack):
            guard case .unsubscribe(let request) = packet else { preconditionFailure("UNSUBACK for \(packet.type)") }
            precondition(ack == .unsuback(packetID: request.packetID) && removed.allSatisfy(request.filters.contains))
            for filter in removed { _ = router.remove(filter: filter, subscriber: 0) }
            checkWire(ack)
        case .close(let reason, let reply):
            precondition(machine.state == .closed, "close action left the machine open")
            if let reply { checkWire(reply) }
            if packet == .disconnect && state == .connected { precondition(reason == .clientDisconnected) }
            if reason == .clientDisconnected { precondition(packet == .disconnect) }
        }
    }

    /// What the broker does with a routed message, for this one client: a QoS 1/2 message that
    /// matches its own subscriptions is offered to its session at the lower of the two QoS.
    mutating func deliver(_ publish: MQTTPublish) {
        let matches = router.matches(topic: publish.topic)
        var linear: MQTTQoS?
        for (key, qos) in session.subscriptions where MQTTTopic.matches(filter: key.filter, topicName: publish.topic) {
            linear = max(linear ?? qos, qos)
        }
        precondition(matches.count <= 1 && matches.first?.qos == linear, "router and session match differently")
        guard let granted = matches.first?.qos else { return }
        var message = publish
        message.qos = min(publish.qos, granted)
        message.retain = false
        guard message.qos != .atMostOnce else { return }
        switch session.offer(message) {
        case .send(let sent):
            precondition(sent.packetID != nil && sent.packetID != 0 && !sent.dup)
            checkWire(.publish(sent))
        case .queued, .dropped:
            break
        }
    }

    func checkInvariants() {
        precondition(session.inflight.count <= limits.inflightWindowMessages, "in-flight window exceeded")
        let ids = session.inflight.map { $0.publish.packetID ?? 0 }
        precondition(!ids.contains(0) && Set(ids).count == ids.count, "in-flight identifiers not unique and non-zero")
        precondition(session.queuedCount <= limits.sessionQueuedMessagesMax, "session queue exceeded")
        precondition(session.inboundUnreleased.count <= limits.inboundUnreleasedQoS2Max, "unreleased QoS 2 exceeded")
        precondition(session.subscriptions.count <= limits.subscriptionsPerClientMax, "subscriptions exceeded")
        precondition(router.count == session.subscriptions.count, "router holds other filters than the session")
    }
}

/// A packet the server writes encodes to bytes that decode to the same packet.
private func checkWire(_ packet: MQTTPacket) {
    var bytes: [UInt8] = []
    packet.encode(into: &bytes)
    precondition(bytes.count == packet.encodedByteCount)
    let decoded = bytes.withUnsafeBytes { buffer in
        Result { () throws(MQTTDecodeError) in try MQTTFrameDecoder.decode(buffer, maximumPacketBytes: 1 << 20) }
    }
    guard case .success(let again?) = decoded, again.packet == packet, again.consumed == bytes.count else {
        preconditionFailure("server packet \(packet.type) does not round-trip: \(decoded)")
    }
}
