import NaveMQTT
import NaveMQTTBinding
import Testing

/// Outbound QoS 1/2: the in-flight window, the queue, acknowledgements and DUP redelivery.
@Suite("Session state")
struct SessionStateTests {
    func limits(window: Int, queue: Int) -> MQTTBindingLimits {
        var l = MQTTBindingLimits()
        l.inflightWindowMessages = window
        l.sessionQueuedMessagesMax = queue
        return l
    }

    func message(_ n: UInt8, _ qos: MQTTQoS = .atLeastOnce) -> MQTTPublish {
        MQTTPublish(topic: "t/\(n)", payload: [n], qos: qos)
    }

    @Test("window fills, then the queue, then offers drop; acks release in order")
    func windowAndQueue() {
        var s = MQTTSessionState(limits: limits(window: 2, queue: 2))
        guard case .send(let first) = s.offer(message(1)), case .send(let second) = s.offer(message(2)) else {
            Issue.record("the first two must be sent"); return
        }
        #expect(first.packetID != nil && first.packetID != second.packetID)
        #expect(s.offer(message(3)) == .queued)
        #expect(s.offer(message(4)) == .queued)
        #expect(s.isQueueFull)
        #expect(s.offer(message(5)) == .dropped)
        #expect(s.nextToSend() == nil)  // window still full
        #expect(holds(s.acknowledge(packetID: first.packetID!)))
        #expect(holds(!s.acknowledge(packetID: first.packetID!)))  // not twice
        #expect(s.nextToSend()?.payload == [3])
        #expect(s.nextToSend() == nil)
        #expect(s.queuedCount == 1)
        #expect(!s.isQueueFull)
    }

    @Test("online sessions keep messages already on their way past the queue limit")
    func queueBeyondLimit() {
        var s = MQTTSessionState(limits: limits(window: 1, queue: 1))
        _ = s.offer(message(1))
        #expect(holds(s.offer(message(2)) == .queued))
        #expect(holds(s.offer(message(3)) == .dropped))
        #expect(holds(s.offer(message(3), queueBeyondLimit: true) == .queued))
        #expect(s.queuedCount == 2)
    }

    @Test("a new message never overtakes queued ones (§4.6 ordering)")
    func ordering() {
        var s = MQTTSessionState(limits: limits(window: 1, queue: 10))
        guard case .send(let first) = s.offer(message(1)) else { Issue.record("send"); return }
        #expect(s.offer(message(2)) == .queued)
        #expect(holds(s.acknowledge(packetID: first.packetID!)))
        #expect(s.offer(message(3)) == .queued)   // the window has room, but 2 is waiting
        #expect(s.nextToSend()?.payload == [2])
    }

    @Test("QoS 2 outbound: PUBREC switches the resend to PUBREL, PUBCOMP completes")
    func qos2Outbound() {
        var s = MQTTSessionState(limits: limits(window: 4, queue: 4))
        guard case .send(let p) = s.offer(message(1, .exactlyOnce)) else { Issue.record("send"); return }
        let id = p.packetID!
        #expect(holds(!s.acknowledge(packetID: id)))     // PUBACK is not the QoS 2 answer
        #expect(holds(!s.complete(packetID: id)))        // PUBCOMP before PUBREC is ignored
        #expect(holds(s.received(packetID: id)))
        #expect(s.redeliveries() == [.pubrel(packetID: id)])
        #expect(holds(s.complete(packetID: id)))
        #expect(s.inflight.isEmpty)
    }

    @Test("redelivery on resume: unacknowledged PUBLISH with DUP, PUBREL for released QoS 2, original order [MQTT-4.4.0-1]")
    func redelivery() {
        var s = MQTTSessionState(limits: limits(window: 8, queue: 8))
        var ids: [UInt16] = []
        for (n, qos) in [(1, MQTTQoS.atLeastOnce), (2, .exactlyOnce), (3, .atLeastOnce)] {
            guard case .send(let p) = s.offer(message(UInt8(n), qos)) else { Issue.record("send"); return }
            #expect(!p.dup)
            ids.append(p.packetID!)
        }
        #expect(holds(s.received(packetID: ids[1])))
        let again = s.redeliveries()
        #expect(again.count == 3)
        guard case .publish(let p1) = again[0], case .publish(let p3) = again[2] else { Issue.record("publish"); return }
        #expect(p1.dup && p1.packetID == ids[0] && p1.payload == [1])
        #expect(again[1] == .pubrel(packetID: ids[1]))
        #expect(p3.dup && p3.packetID == ids[2])
    }

    @Test("removeUnacknowledged drops picked messages queued or awaiting PUBACK/PUBREC, keeping order; PUBREL stays")
    func removeUnacknowledged() {
        var s = MQTTSessionState(limits: limits(window: 3, queue: 8))
        // In flight: 0 (QoS 2, PUBREC received), 1 and 2 (QoS 1); queued: 3...7.
        guard case .send(let released) = s.offer(message(0, .exactlyOnce)) else { Issue.record("send"); return }
        #expect(holds(s.received(packetID: released.packetID!)))
        for n: UInt8 in 1...7 { _ = s.offer(message(n)) }
        #expect(s.inflight.count == 3 && s.queuedCount == 5)
        let removed = s.removeUnacknowledged { $0.payload[0] % 2 == 0 }
        #expect(removed == 3)  // 2, 4, 6; 0 is past PUBREC
        #expect(s.redeliveries() == [.pubrel(packetID: released.packetID!), .publish(s.inflight[1].publish.withDup)])
        #expect(s.inflight.map(\.publish.payload) == [[0], [1]])
        var order: [UInt8] = []
        while let next = s.nextToSend() {
            order.append(next.payload[0])
            _ = s.acknowledge(packetID: next.packetID!)
        }
        #expect(order == [3, 5, 7])
    }

    @Test("offline sessions queue without using the window; packet ids skip those in flight")
    func offlineAndIDs() {
        var s = MQTTSessionState(limits: limits(window: 3, queue: 2))
        #expect(s.enqueue(message(1)) == .queued)
        #expect(s.enqueue(message(2)) == .queued)
        #expect(s.enqueue(message(3)) == .dropped)
        #expect(s.inflight.isEmpty)
        var seen = Set<UInt16>()
        while let next = s.nextToSend() { seen.insert(next.packetID!) }
        #expect(seen.count == 2 && !seen.contains(0))
        // Cycle identifiers through the 16-bit space: none in flight is ever reused.
        var t = MQTTSessionState(limits: limits(window: 3, queue: 0))
        guard case .send(let pinned) = t.offer(message(9)) else { Issue.record("send"); return }
        for _ in 0..<70_000 {
            guard case .send(let p) = t.offer(message(1)) else { Issue.record("send"); return }
            #expect(p.packetID != pinned.packetID && p.packetID != 0)
            _ = t.acknowledge(packetID: p.packetID!)
        }
    }

    @Test("subscriptions: replace without counting twice, cap answered with 0x80")
    func subscriptions() {
        var l = MQTTBindingLimits()
        l.subscriptionsPerClientMax = 2
        var s = MQTTSessionState(limits: l)
        let (ack, granted) = s.subscribe(MQTTSubscribe(packetID: 1, subscriptions: [
            MQTTSubscription(filter: "a", qos: .atLeastOnce), MQTTSubscription(filter: "b/#", qos: .exactlyOnce),
            MQTTSubscription(filter: "a", qos: .atMostOnce), MQTTSubscription(filter: "c", qos: .atMostOnce),
        ]))
        #expect(ack == MQTTSubAck(packetID: 1, returnCodes: [.grantedQoS1, .grantedQoS2, .grantedQoS0, .failure]))
        #expect(granted.map(\.filter) == ["a", "b/#", "a"])
        #expect(s.subscriptions == ["a": .atMostOnce, "b/#": .exactlyOnce])
        #expect(s.unsubscribe(["a", "zzz"]) == ["a"])
    }

    /// MQTT compares filters byte for byte (§4.7.3 [MQTT-4.7.3-4]); Swift's `String` equality is
    /// canonical. Keyed by `String`, `é` and `e` + U+0301 were one filter to the session and two
    /// to the router (found by MQTTBindingFuzz).
    @Test("canonically equal filters with different bytes are two subscriptions, each counted and removed alone")
    func filtersCompareBytes() {
        var limits = MQTTBindingLimits()
        limits.subscriptionsPerClientMax = 1
        var session = MQTTSessionState(limits: limits)
        let composed = "\u{E9}", decomposed = "e\u{301}"
        #expect(composed == decomposed, "Swift calls them equal")
        _ = session.subscribe(MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: composed, qos: .atMostOnce)]))
        let (ack, granted) = session.subscribe(MQTTSubscribe(packetID: 2, subscriptions: [MQTTSubscription(filter: decomposed, qos: .atMostOnce)]))
        #expect(ack.returnCodes == [.failure] && granted.isEmpty, "the second spelling counts against the limit")
        limits.subscriptionsPerClientMax = 2
        var roomy = MQTTSessionState(limits: limits)
        _ = roomy.subscribe(MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: composed, qos: .atMostOnce),
                                                                      MQTTSubscription(filter: decomposed, qos: .atLeastOnce)]))
        #expect(roomy.subscriptions.count == 2)
        #expect(roomy.unsubscribe([decomposed]) == [decomposed])
        #expect(roomy.subscriptions.keys.map { Array($0.filter.utf8) } == [Array(composed.utf8)])
    }
}

extension MQTTPublish {
    /// The same message as a redelivery sends it (§3.3.1.1).
    fileprivate var withDup: MQTTPublish {
        var copy = self
        copy.dup = true
        return copy
    }
}
