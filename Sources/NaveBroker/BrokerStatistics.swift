import NaveMQTT
import Synchronization

/// What the broker has done, for logs, health and tests.
public struct BrokerStatistics: Sendable, Equatable, CustomStringConvertible {
    /// PUBLISH packets accepted from clients (wills included).
    public var messagesReceived = 0
    /// PUBLISH packets written to subscribers.
    public var messagesDelivered = 0
    /// QoS 0 messages dropped for a slow subscriber or a full mailbox.
    public var qos0Dropped = 0
    /// QoS 1/2 messages dropped because an offline session's queue was full.
    public var queuedDropped = 0
    /// Times a publisher was paused because a delivery had to be held.
    public var publisherPauses = 0
    /// Times a QoS 0 publisher was not read for a while because its message reached none of
    /// the subscribers it matched (overload push-back).
    public var congestionBackOffs = 0
    /// Connections closed for a protocol error, malformed input or a timeout.
    public var connectionsClosedForErrors = 0
    /// Sessions known, online and offline.
    public var sessions = 0
    /// Topics holding a retained message.
    public var retainedMessages = 0
    /// (filter, session) subscriptions held.
    public var subscriptions = 0

    public init() {}

    mutating func add(_ other: BrokerStatistics) {
        messagesReceived += other.messagesReceived
        messagesDelivered += other.messagesDelivered
        qos0Dropped += other.qos0Dropped
        queuedDropped += other.queuedDropped
        publisherPauses += other.publisherPauses
        congestionBackOffs += other.congestionBackOffs
        connectionsClosedForErrors += other.connectionsClosedForErrors
    }

    public var description: String {
        "received=\(messagesReceived) delivered=\(messagesDelivered) qos0Dropped=\(qos0Dropped) queuedDropped=\(queuedDropped) publisherPauses=\(publisherPauses) congestionBackOffs=\(congestionBackOffs) closedForErrors=\(connectionsClosedForErrors) sessions=\(sessions) subscriptions=\(subscriptions) retained=\(retainedMessages)"
    }
}

/// One loop's counters: written by that loop only (`bump`: a relaxed load and store, no locked
/// instruction), read by anyone.
final class BrokerCounters: Sendable {
    let messagesReceived = Atomic<Int>(0)
    let messagesDelivered = Atomic<Int>(0)
    let qos0Dropped = Atomic<Int>(0)
    let queuedDropped = Atomic<Int>(0)
    let publisherPauses = Atomic<Int>(0)
    let congestionBackOffs = Atomic<Int>(0)
    let connectionsClosedForErrors = Atomic<Int>(0)
    /// PUBLISH packets received and written, by QoS (0, 1, 2): `nave_messages_in_total` and
    /// `nave_messages_out_total`, read at scrape time.
    let receivedQoS0 = Atomic<Int>(0), receivedQoS1 = Atomic<Int>(0), receivedQoS2 = Atomic<Int>(0)
    let deliveredQoS0 = Atomic<Int>(0), deliveredQoS1 = Atomic<Int>(0), deliveredQoS2 = Atomic<Int>(0)

    @inline(__always)
    func received(_ qos: MQTTQoS) {
        messagesReceived.bump()
        switch qos {
        case .atMostOnce: receivedQoS0.bump()
        case .atLeastOnce: receivedQoS1.bump()
        case .exactlyOnce: receivedQoS2.bump()
        }
    }

    @inline(__always)
    func delivered(_ qos: MQTTQoS) {
        messagesDelivered.bump()
        switch qos {
        case .atMostOnce: deliveredQoS0.bump()
        case .atLeastOnce: deliveredQoS1.bump()
        case .exactlyOnce: deliveredQoS2.bump()
        }
    }

    /// Messages by QoS, received then delivered.
    var byQoS: (received: [Int], delivered: [Int]) {
        ([receivedQoS0.load(ordering: .relaxed), receivedQoS1.load(ordering: .relaxed), receivedQoS2.load(ordering: .relaxed)],
         [deliveredQoS0.load(ordering: .relaxed), deliveredQoS1.load(ordering: .relaxed), deliveredQoS2.load(ordering: .relaxed)])
    }

    var snapshot: BrokerStatistics {
        var s = BrokerStatistics()
        s.messagesReceived = messagesReceived.load(ordering: .relaxed)
        s.messagesDelivered = messagesDelivered.load(ordering: .relaxed)
        s.qos0Dropped = qos0Dropped.load(ordering: .relaxed)
        s.queuedDropped = queuedDropped.load(ordering: .relaxed)
        s.publisherPauses = publisherPauses.load(ordering: .relaxed)
        s.congestionBackOffs = congestionBackOffs.load(ordering: .relaxed)
        s.connectionsClosedForErrors = connectionsClosedForErrors.load(ordering: .relaxed)
        return s
    }
}

extension Atomic where Value == Int {
    /// Adds one from the single writing thread: a load and a store, no locked instruction.
    @inline(__always)
    func bump(_ amount: Int = 1) {
        store(load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }
}
