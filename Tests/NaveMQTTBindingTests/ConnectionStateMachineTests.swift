import NaveMQTT
import NaveMQTTBinding
import Testing

/// The per-connection state table: CONNECT handling, keep-alive, packet order rules.
@Suite("Connection state machine")
struct ConnectionStateMachineTests {
    static let second: Int64 = 1_000_000_000
    var limits = MQTTBindingLimits()

    func connected(keepAlive: UInt16 = 10) -> (MQTTConnectionStateMachine, MQTTSessionState) {
        var machine = MQTTConnectionStateMachine(nowNanos: 0)
        var session = MQTTSessionState(limits: limits)
        let action = machine.receive(.connect(MQTTConnect(clientID: "c", keepAliveSeconds: keepAlive)), session: &session, nowNanos: 0)
        #expect(action == .openSession(MQTTConnect(clientID: "c", keepAliveSeconds: keepAlive)))
        #expect(machine.connectAccepted(sessionPresent: false) == .connack(MQTTConnAck(returnCode: .accepted)))
        return (machine, session)
    }

    @Test("the first packet must be CONNECT [MQTT-3.1.0-1]")
    func firstPacketMustBeConnect() {
        for packet: MQTTPacket in [.pingreq, .disconnect, .publish(MQTTPublish(topic: "a", payload: []))] {
            var machine = MQTTConnectionStateMachine(nowNanos: 0)
            var session = MQTTSessionState(limits: limits)
            guard case .close(.protocolViolation(let clause, _), nil) = machine.receive(packet, session: &session, nowNanos: 0) else {
                Issue.record("expected a close for \(packet.type)"); continue
            }
            #expect(clause == "MQTT-3.1.0-1")
            #expect(machine.state == .closed)
        }
    }

    @Test("a second CONNECT closes the connection [MQTT-3.1.0-2]")
    func secondConnect() {
        var (machine, session) = connected()
        let action = machine.receive(.connect(MQTTConnect(clientID: "c")), session: &session, nowNanos: 1)
        #expect(action == .close(.protocolViolation(clause: "MQTT-3.1.0-2", reason: "second CONNECT on one connection"), after: nil))
    }

    @Test("zero-byte client id: accepted with clean session, 0x02 without [MQTT-3.1.3-6..8]")
    func zeroByteClientID() {
        var machine = MQTTConnectionStateMachine(nowNanos: 0)
        var session = MQTTSessionState(limits: limits)
        #expect(machine.receive(.connect(MQTTConnect(clientID: "", cleanSession: true)), session: &session, nowNanos: 0)
            == .openSession(MQTTConnect(clientID: "", cleanSession: true)))
        var refused = MQTTConnectionStateMachine(nowNanos: 0)
        #expect(refused.receive(.connect(MQTTConnect(clientID: "", cleanSession: false)), session: &session, nowNanos: 0)
            == .close(.connectRefused(.identifierRejected), after: .connack(MQTTConnAck(returnCode: .identifierRejected))))
    }

    @Test("an unsupported protocol level gets CONNACK 0x01 before the close [MQTT-3.1.2-2]")
    func protocolLevel() {
        var machine = MQTTConnectionStateMachine(nowNanos: 0)
        #expect(machine.decodeFailed(.unacceptableProtocolLevel(3))
            == .close(.connectRefused(.unacceptableProtocolVersion), after: .connack(MQTTConnAck(returnCode: .unacceptableProtocolVersion))))
        var (connectedMachine, _) = connected()
        #expect(connectedMachine.decodeFailed(.invalidPublishQoS) == .close(.malformed(.invalidPublishQoS), after: nil))
    }

    @Test("keep-alive expires at 1.5 × the interval, measured from the last packet [MQTT-3.1.2-24]")
    func keepAlive() {
        var (machine, session) = connected(keepAlive: 10)
        #expect(machine.keepAliveDeadlineNanos == 15 * Self.second)
        #expect(machine.check(nowNanos: 14 * Self.second, connectTimeoutNanos: Self.second) == .none)
        _ = machine.receive(.pingreq, session: &session, nowNanos: 14 * Self.second)
        #expect(machine.check(nowNanos: 28 * Self.second, connectTimeoutNanos: Self.second) == .none)
        #expect(machine.check(nowNanos: 29 * Self.second, connectTimeoutNanos: Self.second) == .close(.keepAliveExpired, after: nil))
        var (off, _) = connected(keepAlive: 0)
        #expect(off.keepAliveDeadlineNanos == nil)
        #expect(off.check(nowNanos: 1_000_000 * Self.second, connectTimeoutNanos: Self.second) == .none)
    }

    @Test("no CONNECT within the connect timeout closes")
    func connectTimeout() {
        var machine = MQTTConnectionStateMachine(nowNanos: 5)
        #expect(machine.check(nowNanos: 4 + 10 * Self.second, connectTimeoutNanos: 10 * Self.second) == .none)
        #expect(machine.check(nowNanos: 5 + 10 * Self.second, connectTimeoutNanos: 10 * Self.second) == .close(.connectTimeout, after: nil))
    }

    @Test("PINGREQ, DISCONNECT and server-only packets")
    func simplePackets() {
        var (machine, session) = connected()
        #expect(machine.receive(.pingreq, session: &session, nowNanos: 1) == .send(.pingresp))
        #expect(machine.receive(.disconnect, session: &session, nowNanos: 2) == .close(.clientDisconnected, after: nil))
        #expect(!MQTTCloseReason.clientDisconnected.publishesWill)
        #expect(MQTTCloseReason.keepAliveExpired.publishesWill)
        var (other, otherSession) = connected()
        guard case .close(.protocolViolation, nil) = other.receive(.pingresp, session: &otherSession, nowNanos: 1) else {
            Issue.record("PINGRESP from a client must close"); return
        }
    }

    @Test("inbound QoS flows: PUBACK, PUBREC, duplicate QoS 2 not routed twice, PUBREL → PUBCOMP")
    func inboundQoS() {
        var (machine, session) = connected()
        let q1 = MQTTPublish(topic: "t", payload: [1], qos: .atLeastOnce, packetID: 7)
        #expect(machine.receive(.publish(q1), session: &session, nowNanos: 1) == .route(q1, ack: .puback(packetID: 7)))
        let q2 = MQTTPublish(topic: "t", payload: [2], qos: .exactlyOnce, packetID: 8)
        #expect(machine.receive(.publish(q2), session: &session, nowNanos: 1) == .route(q2, ack: .pubrec(packetID: 8)))
        var again = q2
        again.dup = true
        #expect(machine.receive(.publish(again), session: &session, nowNanos: 2) == .send(.pubrec(packetID: 8)))
        #expect(machine.receive(.pubrel(packetID: 8), session: &session, nowNanos: 3) == .send(.pubcomp(packetID: 8)))
        // After release the identifier is new again.
        #expect(machine.receive(.publish(q2), session: &session, nowNanos: 4) == .route(q2, ack: .pubrec(packetID: 8)))
    }

    @Test("too many unreleased inbound QoS 2 messages close the connection")
    func inboundQoS2Limit() {
        var small = MQTTBindingLimits()
        small.inboundUnreleasedQoS2Max = 2
        var machine = MQTTConnectionStateMachine(nowNanos: 0)
        var session = MQTTSessionState(limits: small)
        _ = machine.receive(.connect(MQTTConnect(clientID: "c")), session: &session, nowNanos: 0)
        _ = machine.connectAccepted(sessionPresent: false)
        for id: UInt16 in 1...2 {
            #expect(machine.receive(.publish(MQTTPublish(topic: "t", payload: [], qos: .exactlyOnce, packetID: id)), session: &session, nowNanos: 0)
                == .route(MQTTPublish(topic: "t", payload: [], qos: .exactlyOnce, packetID: id), ack: .pubrec(packetID: id)))
        }
        guard case .close(.protocolViolation, nil) = machine.receive(.publish(MQTTPublish(topic: "t", payload: [], qos: .exactlyOnce, packetID: 3)), session: &session, nowNanos: 0) else {
            Issue.record("expected a close"); return
        }
    }

    // MARK: Topic depth (issue #11: Mosquitto closes past 200 levels, and so does Nave)

    /// `count` levels of `a`.
    static func levels(_ count: Int) -> String { Array(repeating: "a", count: count).joined(separator: "/") }

    @Test("a PUBLISH, SUBSCRIBE or UNSUBSCRIBE past topicLevelsMax closes the connection; at the limit it passes")
    func topicLevels() {
        let deep = Self.levels(limits.topicLevelsMax + 1), atLimit = Self.levels(limits.topicLevelsMax)
        let packets: [MQTTPacket] = [
            .publish(MQTTPublish(topic: deep, payload: [])),
            .subscribe(MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: "ok", qos: .atMostOnce),
                                                                  MQTTSubscription(filter: deep, qos: .atMostOnce)])),
            .unsubscribe(MQTTUnsubscribe(packetID: 1, filters: [deep])),
            .subscribe(MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: String(repeating: "/", count: 65_535), qos: .atMostOnce)])),
        ]
        for packet in packets {
            var (machine, session) = connected()
            guard case .close(.protocolViolation(let clause, _), nil) = machine.receive(packet, session: &session, nowNanos: 1) else {
                Issue.record("expected a close for \(packet.type)"); continue
            }
            #expect(clause == "topicLevelsMax")
            #expect(session.subscriptions.isEmpty, "nothing of a refused SUBSCRIBE is kept")
        }
        var (machine, session) = connected()
        #expect(machine.receive(.publish(MQTTPublish(topic: atLimit, payload: [])), session: &session, nowNanos: 1)
            == .route(MQTTPublish(topic: atLimit, payload: []), ack: nil))
        let subscribe = MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: atLimit, qos: .atMostOnce)])
        guard case .subscribe = machine.receive(.subscribe(subscribe), session: &session, nowNanos: 1) else {
            Issue.record("a filter at the limit is accepted"); return
        }
    }

    @Test("a will topic past topicLevelsMax closes without CONNACK, as Mosquitto does")
    func willTopicLevels() {
        var machine = MQTTConnectionStateMachine(nowNanos: 0)
        var session = MQTTSessionState(limits: limits)
        let connect = MQTTConnect(clientID: "c", will: MQTTWill(topic: Self.levels(limits.topicLevelsMax + 1), payload: []))
        guard case .close(.protocolViolation(let clause, _), nil) = machine.receive(.connect(connect), session: &session, nowNanos: 0) else {
            Issue.record("expected a close"); return
        }
        #expect(clause == "topicLevelsMax")
    }

    @Test("MQTT 3.1: a zero-byte client id gets 0x02 even with clean session; CONNACK has no session-present flag")
    func legacyClients() {
        var machine = MQTTConnectionStateMachine(nowNanos: 0)
        var session = MQTTSessionState(limits: limits)
        #expect(machine.receive(.connect(MQTTConnect(protocolLevel: 3, clientID: "", cleanSession: true)), session: &session, nowNanos: 0)
            == .close(.connectRefused(.identifierRejected), after: .connack(MQTTConnAck(returnCode: .identifierRejected))))
        var legacy = MQTTConnectionStateMachine(nowNanos: 0)
        let connect = MQTTConnect(protocolLevel: 3, clientID: "old", cleanSession: false)
        #expect(legacy.receive(.connect(connect), session: &session, nowNanos: 0) == .openSession(connect))
        #expect(legacy.connectAccepted(sessionPresent: true) == .connack(MQTTConnAck(sessionPresent: false, returnCode: .accepted)))
    }

    // MARK: Acknowledgements of the wrong kind (closed, as Mosquitto 2.0 closes them)

    @Test("an acknowledgement that contradicts the held message closes; unknown ids and a repeated PUBREC do not",
          arguments: [
              (MQTTQoS.atLeastOnce, [MQTTPacket.pubrec(packetID: 1)], true),
              (.atLeastOnce, [.pubcomp(packetID: 1)], true),
              (.exactlyOnce, [.puback(packetID: 1)], true),
              (.exactlyOnce, [.pubcomp(packetID: 1)], true),
              (.exactlyOnce, [.pubrec(packetID: 1), .puback(packetID: 1)], true),
              (.atLeastOnce, [.puback(packetID: 1)], false),
              (.exactlyOnce, [.pubrec(packetID: 1), .pubrec(packetID: 1), .pubcomp(packetID: 1)], false),
              (.atLeastOnce, [.pubrec(packetID: 9), .pubcomp(packetID: 9), .puback(packetID: 9)], false),
          ])
    func wrongKindAcknowledgements(qos: MQTTQoS, acks: [MQTTPacket], closes: Bool) {
        var (machine, session) = connected()
        guard case .send = session.offer(MQTTPublish(topic: "t", payload: [], qos: qos)) else {
            Issue.record("the message went out"); return
        }
        var last = MQTTConnectionAction.none
        for ack in acks { last = machine.receive(ack, session: &session, nowNanos: 1) }
        if closes {
            guard case .close(.protocolViolation(let clause, _), nil) = last else { Issue.record("expected a close, got \(last)"); return }
            #expect(clause == "MQTT-4.3")
        } else {
            #expect(machine.state == .connected, "\(acks) keeps the connection")
        }
    }
}
