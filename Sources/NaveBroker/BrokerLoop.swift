import NaveIO
import NaveMQTT
import NaveMQTTBinding

/// A cross-loop message for the broker part of a loop.
enum BrokerMail: Sendable {
    /// Deliver to a session owned (as the sender believed) by the receiving loop.
    case deliver(BrokerSession, MQTTPublish)
    /// Match on the receiving loop's shard, then deliver (loops without a shard of their own).
    case route(MQTTPublish)
}

/// Where a publisher's delivery that could not go out now is retried.
enum HeldDelivery: Sendable {
    case session(BrokerSession, MQTTPublish)
    case shard(MQTTPublish)

    /// The session whose full queue holds this delivery back (nil: a full mailbox).
    var waitingSession: BrokerSession? {
        if case .session(let session, _) = self { session } else { nil }
    }
}

/// What routing one publish left for its publisher.
struct RouteOutcome: Sendable {
    /// Deliveries that must wait (back-pressure); the publisher stops reading until they went out.
    var held: [HeldDelivery] = []
    /// Every QoS 0 delivery was dropped or queued behind more than
    /// `congestedSubscriberOutboundBytes`: the publisher is told to back off
    /// (`MQTTConnectionHandler.backOffFromCongestion`).
    var onlyCongested = false
}

/// The broker on one loop, an actor pinned to it: its router shard (the subscription trie's
/// replica, if a shard lives here), its delivery mailbox and counters. Connections on the same
/// loop step into it with `EventLoop.runIsolated`; other loops reach it through the mailbox.
actor BrokerLoop {
    let loop: EventLoop
    let counters = BrokerCounters()
    /// Deliveries and publishes from other loops.
    let mailbox: Mailbox<BrokerMail>
    /// This loop's replica of the subscription trie, when a shard lives here.
    private let trie: MQTTTopicTrie<BrokerSession>?
    /// What became of the QoS 0 deliveries of the publish being routed now (reset by `route`):
    /// `congested` counts the dropped ones and those queued behind a congested send buffer.
    private var routedQoS0 = (flowing: 0, congested: 0)
    /// Set once by `attach`, before any loop serves a connection, and never again.
    private nonisolated(unsafe) unowned(unsafe) var broker: Broker!

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor }

    init(loop: EventLoop, ownsShard: Bool, mailboxCapacity: Int) {
        self.loop = loop
        trie = ownsShard ? MQTTTopicTrie() : nil
        mailbox = Mailbox(capacity: mailboxCapacity, on: loop)
        mailbox.setReceiver { [unowned(unsafe) self, loop] mail in loop.runIsolated(self, mail) { $0.receive($1) } }
    }

    /// Called once by the broker it belongs to, from its initialiser.
    nonisolated func attach(broker: Broker) {
        self.broker = broker
    }

    /// Applies a subscription change to this loop's replica (`nil` when no shard lives here)
    /// and returns the replica's subscription count.
    func changeSubscriptions(_ change: (MQTTTopicTrie<BrokerSession>) -> Void) -> Int {
        guard let trie else { return 0 }
        change(trie)
        return trie.count
    }

    private func receive(_ mail: BrokerMail) {
        switch mail {
        case .deliver(let session, let publish):
            deliverLocally(session, publish)
        case .route(let publish):
            // No publisher to hold for here: what cannot be delivered now is dropped, counted.
            match(publish) { _ in counters.queuedDropped.bump() }
        }
    }

    // MARK: Routing (on this loop)

    /// Routes a client's publish; what must wait (back-pressure) comes back in the outcome.
    func route(_ publish: MQTTPublish) -> RouteOutcome {
        counters.received(publish.qos)
        routedQoS0 = (0, 0)
        var outcome = RouteOutcome()
        if trie != nil {
            match(publish) { outcome.held.append($0) }
        } else {
            let shard = broker.shardLoop(loop.index % broker.shardCount)
            if !shard.mailbox.send(.route(publish)) { holdOrDrop(.shard(publish), publish.qos) { outcome.held.append($0) } }
        }
        outcome.onlyCongested = routedQoS0.congested > 0 && routedQoS0.flowing == 0
        return outcome
    }

    /// Tries one held delivery again; true when it went out (or was dropped for good).
    func retry(_ delivery: HeldDelivery) -> Bool {
        var stillHeld = false
        switch delivery {
        case .session(let session, let publish):
            deliver(publish, to: session) { _ in stillHeld = true }
        case .shard(let publish):
            let shard = broker.shardLoop(loop.index % broker.shardCount)
            stillHeld = !shard.mailbox.send(.route(publish))
        }
        return !stillHeld
    }

    /// Delivers what a publisher that is going away still held (`MQTTConnectionHandler.releaseHeld`),
    /// without back-pressure: nobody is left to hold it. A session's delivery goes to its owning
    /// loop (forwarded without a bound if need be) and into its queue, past the limit while it
    /// is online; an offline session's full queue drops it, counted, as any other delivery.
    /// A publish that found the shard's mailbox full is matched on the shard's loop, and its
    /// deliveries go the same way.
    func deliverWithoutHolding(_ delivery: HeldDelivery) {
        switch delivery {
        case .session(let session, let publish):
            deliverLocally(session, publish)
        case .shard(let publish):
            let shard = broker.shardLoop(loop.index % broker.shardCount)
            shard.loop.execute { shard.loop.runIsolated(shard, publish) { $0.matchWithoutHolding($1) } }
        }
    }

    private func matchWithoutHolding(_ publish: MQTTPublish) {
        match(publish) { deliverWithoutHolding($0) }
    }

    /// Matches on this loop's trie and delivers to each session once, with the highest QoS
    /// among its matching subscriptions, capped by the message's (§3.3.5, §3.8.4).
    private func match(_ publish: MQTTPublish, hold: (HeldDelivery) -> Void) {
        guard let trie else { return }
        // The trie merges per session and caches the last topic's result (fan-in repeats it);
        // the array is its storage, so no allocation here once warm.
        let matches = trie.matches(topic: publish.topic)
        var outgoing = publish
        // Forwarded messages carry RETAIN 0 (§3.3.1-9) and their own DUP and identifier.
        outgoing.retain = false
        outgoing.dup = false
        outgoing.packetID = nil
        for (session, qos) in matches {
            var copy = outgoing
            copy.qos = min(publish.qos, qos)
            deliver(copy, to: session, hold: hold)
        }
    }

    /// Sends `publish` towards `session`'s owning loop, or holds it.
    func deliver(_ publish: MQTTPublish, to session: BrokerSession, hold: (HeldDelivery) -> Void) {
        if publish.qos != .atMostOnce, session.online.load(ordering: .relaxed), session.queueFull.load(ordering: .relaxed) {
            hold(.session(session, publish))
            return
        }
        let owner = session.owner
        if owner == loop.index {
            deliverLocally(session, publish)
        } else if !broker.loops[owner].mailbox.send(.deliver(session, publish)) {
            holdOrDrop(.session(session, publish), publish.qos, hold)
        } else if publish.qos == .atMostOnce {
            // Handed to the owner's loop: whether it is sent there is not known here.
            routedQoS0.flowing += 1
        }
    }

    private func holdOrDrop(_ delivery: HeldDelivery, _ qos: MQTTQoS, _ hold: (HeldDelivery) -> Void) {
        if qos == .atMostOnce {
            counters.qos0Dropped.bump()
            routedQoS0.congested += 1
        } else {
            hold(delivery)
        }
    }

    /// Delivers on the owning loop: QoS 0 straight to the connection, QoS 1/2 through the
    /// session's window and queue (queued while offline, §3.1.2.4).
    func deliverLocally(_ session: BrokerSession, _ publish: MQTTPublish) {
        let owner = session.owner
        guard owner == loop.index else {
            // Ownership moved while the message travelled: forward. Rare; an unbounded hop
            // keeps QoS 1/2 from being lost here.
            let target = broker.loops[owner]
            if !target.mailbox.send(.deliver(session, publish)) {
                target.loop.execute { target.loop.runIsolated(target, (session, publish)) { $0.deliverLocally($1.0, $1.1) } }
            }
            return
        }
        guard !session.discarded else { return }
        // Read access is checked per delivered message, on the subscriber's loop, as Mosquitto
        // does (`subs.c` `subs__send`, `retain.c`): a `#` subscriber gets only what it may read.
        if let subject = session.aclSubject, !subject.mayRead(publish.topic) { return }
        if publish.qos == .atMostOnce {
            guard let handler = session.handler else { return }
            // The subscriber's actor is on this loop (it owns the session): stepped into, not queued.
            let (sent, congested) = loop.runIsolated(handler, publish) { handler, publish in
                guard handler.sendQoS0(publish) else {
                    handler.watchForSlowConsumer()
                    return (false, true)
                }
                return (true, handler.isQoS0Congested)
            }
            if sent { counters.delivered(.atMostOnce) } else { counters.qos0Dropped.bump() }
            if congested { routedQoS0.congested += 1 } else { routedQoS0.flowing += 1 }
            return
        }
        // Online: publishers hold back once the queue is full, so what still arrives was already
        // in a mailbox (bounded by its capacity) and is kept. Offline: the queue limit drops.
        let offer = session.handler == nil ? session.state.enqueue(publish) : session.state.offer(publish, queueBeyondLimit: true)
        switch offer {
        case .send(let numbered):
            if let handler = session.handler { loop.runIsolated(handler, numbered) { $0.send(.publish($1)) } }
            counters.delivered(numbered.qos)
        case .queued:
            session.publishQueueState()
            if session.state.isQueueFull, let handler = session.handler { loop.runIsolated(handler) { $0.watchForSlowConsumer() } }
        case .dropped:
            counters.queuedDropped.bump()
        }
    }
}
