import NaveMQTT

/// The state MQTT 3.1.1 keeps per client id across connections (§3.1.2.4): subscriptions,
/// outbound QoS 1/2 messages in flight or queued, and inbound QoS 2 identifiers awaiting PUBREL.
///
/// Pure and single-threaded: the broker keeps one per session on the session's owning loop.
/// Messages are stored as `MQTTPublish` values whose topic and payload buffers are shared
/// (copy-on-write) with every other subscriber of the same publish.
public struct MQTTSessionState: Sendable {
    /// One outbound QoS 1/2 message sent and not yet completed.
    public struct Inflight: Sendable, Equatable {
        /// The message as sent, with its packet identifier.
        public var publish: MQTTPublish
        /// QoS 2 only: PUBREC arrived and PUBREL was sent; the message is no longer resent,
        /// PUBREL is (§4.3.3, §4.4).
        public var released: Bool
    }

    /// What happened to a message offered to the session.
    public enum Offer: Sendable, Equatable {
        /// Send this now: the message with its packet identifier, added to the in-flight window.
        case send(MQTTPublish)
        /// Held in the session queue behind a full window.
        case queued
        /// The queue is at `sessionQueuedMessagesMax`; the message was not kept.
        case dropped
    }

    /// Topic filter → granted maximum QoS (§3.8.4).
    /// Keyed by the filter's bytes, as the router's trie compares them (`MQTTFilterKey`).
    public private(set) var subscriptions: [MQTTFilterKey: MQTTQoS] = [:]
    /// In-flight messages, oldest first: redelivery keeps the original order (§4.6).
    public private(set) var inflight: [Inflight] = []
    private var queue: [MQTTPublish] = []
    private var queueHead = 0
    /// Inbound QoS 2 identifiers whose message was accepted and whose PUBREL has not arrived
    /// (§4.3.3 method B: a repeat PUBLISH with one of them is not routed again).
    public private(set) var inboundUnreleased: Set<UInt16> = []
    private var lastPacketID: UInt16 = 0
    /// Shared by reference: a copy in every session cost each one 40 bytes more (PERF.md G2).
    private let sharedLimits: MQTTSharedLimits
    public var limits: MQTTBindingLimits { sharedLimits.limits }

    public init(limits: MQTTBindingLimits) {
        self.init(sharedLimits: MQTTSharedLimits(limits))
    }

    /// A session with limits that many sessions share (the broker's one instance).
    public init(sharedLimits: MQTTSharedLimits) {
        self.sharedLimits = sharedLimits
    }

    /// Messages waiting behind the in-flight window.
    public var queuedCount: Int { queue.count - queueHead }
    /// Whether the queue is full, so that a QoS 1/2 offer would be dropped.
    public var isQueueFull: Bool { queuedCount >= limits.sessionQueuedMessagesMax && inflight.count >= limits.inflightWindowMessages }

    // MARK: Subscriptions

    /// Applies a SUBSCRIBE: each filter is granted the QoS it asked for (the broker supports
    /// all three), or 0x80 when the client already holds `subscriptionsPerClientMax` filters.
    /// A filter already held is replaced (§3.8.4 [MQTT-3.8.4-3]) and does not count again.
    /// - Returns: the SUBACK and the subscriptions granted, in request order.
    public mutating func subscribe(_ request: MQTTSubscribe) -> (ack: MQTTSubAck, granted: [MQTTSubscription]) {
        var codes: [MQTTSubAckReturnCode] = []
        var granted: [MQTTSubscription] = []
        codes.reserveCapacity(request.subscriptions.count)
        for subscription in request.subscriptions {
            let key = MQTTFilterKey(subscription.filter)
            if subscriptions[key] == nil, subscriptions.count >= limits.subscriptionsPerClientMax {
                codes.append(.failure)
                continue
            }
            subscriptions[key] = subscription.qos
            codes.append(MQTTSubAckReturnCode(granted: subscription.qos))
            granted.append(subscription)
        }
        return (MQTTSubAck(packetID: request.packetID, returnCodes: codes), granted)
    }

    /// Applies an UNSUBSCRIBE; returns the filters that were held (the others are ignored,
    /// and UNSUBACK is sent regardless, §3.10.4).
    public mutating func unsubscribe(_ filters: [String]) -> [String] {
        filters.filter { subscriptions.removeValue(forKey: MQTTFilterKey($0)) != nil }
    }

    // MARK: Outbound QoS 1/2

    /// Offers a QoS 1/2 message (its `qos` already reduced to the granted QoS, §3.8.4).
    /// It is sent at once while the window has room, else queued, else dropped.
    ///
    /// `queueBeyondLimit` queues even past `sessionQueuedMessagesMax`: for an online session,
    /// whose publishers stop sending once they see the queue full, the messages that were
    /// already on their way (bounded by the delivery mailboxes) must not be lost.
    public mutating func offer(_ publish: MQTTPublish, queueBeyondLimit: Bool = false) -> Offer {
        precondition(publish.qos != .atMostOnce, "QoS 0 messages bypass the session state")
        if inflight.count < limits.inflightWindowMessages && queuedCount == 0 {
            return .send(startInflight(publish))
        }
        guard queueBeyondLimit || queuedCount < limits.sessionQueuedMessagesMax else { return .dropped }
        queue.append(publish)
        return .queued
    }

    /// Queues a QoS 1/2 message for an offline session: it is sent, without DUP, when the
    /// client resumes (§3.1.2.4). Dropped when the queue is full.
    public mutating func enqueue(_ publish: MQTTPublish) -> Offer {
        guard queuedCount < limits.sessionQueuedMessagesMax else { return .dropped }
        queue.append(publish)
        return .queued
    }

    /// Drops the messages `isRefused` picks that the client has not acknowledged, queued or in
    /// flight awaiting PUBACK or PUBREC, keeping the others' order; returns how many went. For a
    /// session resumed under access rules that changed (another username, or an ACL reloaded
    /// while it was away): Mosquitto 2.0.11's `connection_check_acl` (handle_connect.c) drops
    /// such messages from the in-flight and the queued list at CONNECT, so they are never sent
    /// or resent. A QoS 2 message past PUBREC stays: the client holds it already, the PUBREL
    /// still owed names no topic, and without it the client would keep the identifier
    /// unreleased (§4.3.3), which Mosquitto does not spare it.
    public mutating func removeUnacknowledged(where isRefused: (MQTTPublish) -> Bool) -> Int {
        let before = queuedCount + inflight.count
        inflight.removeAll { !$0.released && isRefused($0.publish) }
        queue = queue[queueHead...].filter { !isRefused($0) }
        queueHead = 0
        return before - queuedCount - inflight.count
    }

    /// Takes the next queued message into the window, when there is room: call after an
    /// acknowledgement freed a slot, until it returns nil.
    public mutating func nextToSend() -> MQTTPublish? {
        guard inflight.count < limits.inflightWindowMessages, queueHead < queue.count else { return nil }
        let publish = queue[queueHead]
        queueHead += 1
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: queue.capacity <= 1024)
            queueHead = 0
        } else if queueHead >= 1024, queueHead * 2 >= queue.count {
            queue.removeSubrange(0..<queueHead)
            queueHead = 0
        }
        return startInflight(publish)
    }

    /// Where an outbound message in flight stands in its acknowledgement flow (§4.3.2, §4.3.3).
    public enum OutboundStage: Sendable, Equatable {
        /// QoS 1, sent: PUBACK completes it.
        case awaitingPuback
        /// QoS 2, sent: PUBREC comes next.
        case awaitingPubrec
        /// QoS 2, PUBREC received and PUBREL sent: PUBCOMP completes it.
        case awaitingPubcomp
    }

    /// The stage of the message in flight under `packetID`, or nil when none is.
    public func outboundStage(packetID: UInt16) -> OutboundStage? {
        guard let held = inflight.first(where: { $0.publish.packetID == packetID }) else { return nil }
        if held.publish.qos == .atLeastOnce { return .awaitingPuback }
        return held.released ? .awaitingPubcomp : .awaitingPubrec
    }

    /// PUBACK for a QoS 1 message (§4.3.2). False for an identifier not in flight at QoS 1.
    public mutating func acknowledge(packetID: UInt16) -> Bool {
        guard let index = inflight.firstIndex(where: { $0.publish.packetID == packetID && $0.publish.qos == .atLeastOnce }) else { return false }
        inflight.remove(at: index)
        return true
    }

    /// PUBREC for a QoS 2 message: from now on PUBREL is what gets resent (§4.3.3).
    /// False for an identifier not in flight at QoS 2.
    public mutating func received(packetID: UInt16) -> Bool {
        guard let index = inflight.firstIndex(where: { $0.publish.packetID == packetID && $0.publish.qos == .exactlyOnce }) else { return false }
        inflight[index].released = true
        return true
    }

    /// PUBCOMP: the QoS 2 exchange is complete (§4.3.3). False for an unknown identifier.
    public mutating func complete(packetID: UInt16) -> Bool {
        guard let index = inflight.firstIndex(where: { $0.publish.packetID == packetID && $0.released }) else { return false }
        inflight.remove(at: index)
        return true
    }

    /// What to resend when a client resumes this session (§4.4 [MQTT-4.4.0-1]): each unacknowledged
    /// PUBLISH again with DUP set (§3.3.1.1), and PUBREL for each QoS 2 message that got PUBREC,
    /// in their original order.
    public func redeliveries() -> [MQTTPacket] {
        inflight.map { entry in
            if entry.released { return .pubrel(packetID: entry.publish.packetID!) }
            var publish = entry.publish
            publish.dup = true
            return .publish(publish)
        }
    }

    // MARK: Inbound QoS 2

    /// A QoS 2 PUBLISH arrived. Returns true when it is new and must be routed; false for a
    /// repeat of one not yet released (answered with PUBREC only, §4.3.3). Nil when the client
    /// holds `inboundUnreleasedQoS2Max` unreleased identifiers already.
    public mutating func receivedExactlyOnce(packetID: UInt16) -> Bool? {
        if inboundUnreleased.contains(packetID) { return false }
        guard inboundUnreleased.count < limits.inboundUnreleasedQoS2Max else { return nil }
        inboundUnreleased.insert(packetID)
        return true
    }

    /// PUBREL arrived: the identifier may be reused by the client (§4.3.3).
    public mutating func release(packetID: UInt16) {
        inboundUnreleased.remove(packetID)
    }

    // MARK: Helpers

    /// Assigns the next packet identifier not in flight (§2.3.1: non-zero, unique among the
    /// session's unacknowledged packets) and records the message as in flight.
    private mutating func startInflight(_ message: MQTTPublish) -> MQTTPublish {
        var publish = message
        publish.packetID = allocatePacketID()
        publish.dup = false
        inflight.append(Inflight(publish: publish, released: false))
        return publish
    }

    private mutating func allocatePacketID() -> UInt16 {
        while true {
            lastPacketID = lastPacketID == UInt16.max ? 1 : lastPacketID + 1
            let candidate = lastPacketID
            // The window is far smaller than 65,535, so this ends within window + 1 steps.
            if !inflight.contains(where: { $0.publish.packetID == candidate }) { return candidate }
        }
    }
}

/// Binding limits in one instance that every session of a broker refers to, instead of each
/// holding its own copy (PERF.md G2: memory per idle connection).
public final class MQTTSharedLimits: Sendable {
    public let limits: MQTTBindingLimits

    public init(_ limits: MQTTBindingLimits) {
        self.limits = limits
    }
}
