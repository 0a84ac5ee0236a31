import Logging
import NaveIO
import NaveMQTT
import NaveMQTTBinding
import Synchronization

/// An MQTT 3.1.1 broker on an `EventLoopGroup`.
///
/// Routing and back-pressure design (why it fits the engine):
/// - **Shards.** `routerShardCount` replicas of the subscription trie (default: one per loop,
///   at most one per loop: shard `i` on loop `i`). SUBSCRIBE/UNSUBSCRIBE are rare, so each change is applied
///   to every replica with `loop.execute`; a publish is then matched on the publisher's own loop
///   with no hop (with fewer shards than loops, loops without a shard send it to one through
///   its mailbox).
/// - **Delivery.** A match names sessions; a session lives on one owning loop. Deliveries to
///   sessions on the publisher's loop are direct calls; others go through the owner loop's
///   bounded lock-free mailbox. The message's topic and payload buffers are shared by every
///   subscriber's copy (copy-on-write), so a publish costs one payload buffer, not one per
///   subscriber.
/// - **Slow consumers.** QoS 0 to a subscriber whose send buffer is above
///   `subscriberOutboundBytesMax`, or that finds a mailbox full, is dropped and counted. QoS 1/2
///   goes through the session's in-flight window and queue (`sessionQueuedMessagesMax`); when
///   an online subscriber's queue is full, or a mailbox is, the publisher holds the delivery,
///   stops reading its socket (TCP then pushes back on the client) and retries after
///   `heldRetryIntervalMillis`, doubling after each failed retry up to 32×. (With fewer shards
///   than loops, a delivery matched on a shard's loop for a publisher elsewhere cannot hold
///   that publisher: it is dropped at the queue limit and counted, as Mosquitto drops beyond
///   `max_queued_messages`; `Tuning/reference.yaml` says so at `router.shards`.) A subscriber that
///   stays full for `slowConsumerTimeoutMillis` is closed, which releases its publishers
///   (offline sessions drop, counted).
public final class Broker: Sendable {
    let group: EventLoopGroup
    let configuration: BrokerConfiguration
    /// `configuration.binding`, the one instance every session refers to.
    let sessionLimits: MQTTSharedLimits
    let logger: Logger
    let loops: [BrokerLoop]
    let shardCount: Int
    let directory = Mutex(MQTTSessionDirectory<BrokerSession>())
    let retained: Mutex<MQTTRetainedStore>
    private let assignedClientIDs = Atomic<UInt64>(0)
    /// Subscriptions held, as shard 0's replica last counted them.
    private let subscriptionCount = Atomic<Int>(0)
    private let instanceTag: UInt64

    /// Builds the broker's per-loop state on every loop of `group`. Throws when the
    /// configuration is invalid for this group.
    public init(group: EventLoopGroup, configuration: BrokerConfiguration, engineOutboundBytesMax: Int,
                logger: Logger = Logger(label: "nave.mqtt")) throws {
        try configuration.validate(loopCount: group.loops.count, engineOutboundBytesMax: engineOutboundBytesMax)
        self.group = group
        self.configuration = configuration
        sessionLimits = MQTTSharedLimits(configuration.binding)
        self.logger = logger
        shardCount = configuration.routerShardCount ?? group.loops.count
        let shardCount = shardCount
        let mailboxCapacity = configuration.deliveryMailboxCapacity
        loops = group.loops.map { BrokerLoop(loop: $0, ownsShard: $0.index < shardCount, mailboxCapacity: mailboxCapacity) }
        retained = Mutex(MQTTRetainedStore(retainedMessagesMax: configuration.retainedMessagesMax))
        // Differs between runs of a process (assigned ids are not reused across restarts), and
        // repeats on a manual loop clock, as a simulation needs.
        instanceTag = UInt64(UInt32(truncatingIfNeeded: group.loops[0].readClockNanos()))
        for brokerLoop in loops { brokerLoop.attach(broker: self) }
    }

    /// The handler factory for `EventLoopGroup.listen`: anyone may connect.
    public func makeHandler(for connection: Connection) -> any ConnectionHandler {
        MQTTConnectionHandler(broker: self, home: loops[connection.loop.index], gate: nil, connection: connection)
    }

    /// The handler factory for a listener whose CONNECTs `gate` decides (hub devices, password file).
    public func makeHandler(for connection: Connection, gate: ListenerGate) -> any ConnectionHandler {
        MQTTConnectionHandler(broker: self, home: loops[connection.loop.index], gate: gate, connection: connection)
    }

    /// The largest MQTT packet a client may send (bytes), for transports that frame packets.
    public var maximumPacketBytes: Int { configuration.binding.maximumPacketBytes }

    /// A unique client id for a CONNECT with a zero-byte one and clean session 1 (§3.1.3-6).
    func assignClientID() -> String {
        let number = assignedClientIDs.add(1, ordering: .relaxed).newValue
        return "nave-\(String(instanceTag, radix: 36))-\(number)"
    }

    /// The loop owning shard `index`.
    func shardLoop(_ index: Int) -> BrokerLoop { loops[index % loops.count] }

    // MARK: Subscriptions (every replica)

    func addSubscriptions(_ subscriptions: [MQTTSubscription], for session: BrokerSession) {
        forEachShard { trie in
            for subscription in subscriptions { trie.insert(filter: subscription.filter, subscriber: session, qos: subscription.qos) }
        }
    }

    func removeSubscriptions(_ filters: [String], for session: BrokerSession) {
        guard !filters.isEmpty else { return }
        forEachShard { trie in
            for filter in filters { trie.remove(filter: filter, subscriber: session) }
        }
    }

    private func forEachShard(_ change: @escaping @Sendable (MQTTTopicTrie<BrokerSession>) -> Void) {
        for index in 0..<shardCount {
            let owner = shardLoop(index)
            let apply: @Sendable () -> Void = {
                let count = owner.loop.runIsolated(owner, change) { $0.changeSubscriptions($1) }
                if index == 0 { self.subscriptionCount.store(count, ordering: .relaxed) }
            }
            if owner.loop.inLoop { apply() } else { owner.loop.execute(apply) }
        }
    }

    /// Drops a session that ended for good: its subscriptions leave every replica. On its owner.
    func discard(_ session: BrokerSession) {
        guard !session.discarded else { return }
        session.discarded = true
        removeSubscriptions(session.state.subscriptions.keys.map(\.filter), for: session)
        session.releaseDrainWaiters()
    }

    // MARK: Statistics

    /// Counters summed over loops; approximate while traffic flows.
    public var statistics: BrokerStatistics {
        var total = BrokerStatistics()
        for brokerLoop in loops { total.add(brokerLoop.counters.snapshot) }
        total.sessions = directory.withLock { $0.count }
        total.subscriptions = subscriptionCount.load(ordering: .relaxed)
        total.retainedMessages = retained.withLock { $0.count }
        return total
    }

    /// PUBLISH packets received and written since start, by QoS (index 0, 1, 2), summed over
    /// the loops that counted them (`nave_messages_in_total`, `nave_messages_out_total`).
    public var messagesByQoS: (received: [Int], delivered: [Int]) {
        var received = [0, 0, 0], delivered = [0, 0, 0]
        for brokerLoop in loops {
            let counts = brokerLoop.counters.byQoS
            for qos in 0..<3 {
                received[qos] += counts.received[qos]
                delivered[qos] += counts.delivered[qos]
            }
        }
        return (received, delivered)
    }
}
