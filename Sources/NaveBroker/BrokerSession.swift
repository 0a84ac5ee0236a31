import NaveMQTT
import NaveMQTTBinding
import Synchronization

/// One client id's session (§3.1.2.4), online or offline.
///
/// Owned by one loop at a time, named by `ownerLoopIndex`: only that loop touches `state` and
/// `handler`. Ownership moves when a client reconnects on another loop: the old owner finishes
/// with the session, then stores the new index (release), and the new loop reads it (acquire)
/// before touching anything. A delivery that reaches a loop that no longer owns the session is
/// forwarded to the owner.
final class BrokerSession: @unchecked Sendable, Hashable {  // @unchecked: state is confined to the owning loop, which moves (so no actor); atomics elsewhere

    let key: MQTTSessionKey
    var clientID: String { key.clientID }
    let cleanSession: Bool
    var state: MQTTSessionState
    /// The connection attached, on the owning loop; nil while offline.
    var handler: MQTTConnectionHandler?
    /// Set once the session was dropped (clean session ended, or replaced by a clean one).
    var discarded = false
    /// The last connection's ACL identity: every delivery is checked against it when an ACL
    /// file is configured (nil: no checks).
    var aclSubject: ACLSubject?

    let ownerLoopIndex: Atomic<Int>
    /// Mirrors `state.isQueueFull` for publishers on other loops (their back-pressure check).
    let queueFull = Atomic<Bool>(false)
    /// Whether a connection is attached; offline sessions drop rather than slow publishers.
    let online = Atomic<Bool>(false)
    /// Publishers whose deliveries are held because this queue was full, first come first
    /// woken once it drains (any loop adds; the owning loop wakes).
    private let drainWaiters = Mutex(DrainWaiters())
    private let hasDrainWaiters = Atomic<Bool>(false)
    /// Publishers woken whose retry has not run yet: they are about to fill free places, so
    /// the next wake counts them instead of waking more for the same places.
    private let wokenNotRetried = Atomic<Int>(0)

    init(key: MQTTSessionKey, cleanSession: Bool, limits: MQTTSharedLimits, ownerLoopIndex: Int) {
        self.key = key
        self.cleanSession = cleanSession
        state = MQTTSessionState(sharedLimits: limits)
        self.ownerLoopIndex = Atomic(ownerLoopIndex)
    }

    var owner: Int { ownerLoopIndex.load(ordering: .acquiring) }

    /// Call after any change to the queue on the owning loop.
    func publishQueueState() {
        let full = state.isQueueFull
        if queueFull.load(ordering: .relaxed) != full { queueFull.store(full, ordering: .relaxed) }
        if !full, !discarded, hasDrainWaiters.load(ordering: .acquiring) { wakeDrainWaiters() }
    }

    /// Called from a publisher's loop: wake `publisher` when this queue has drained.
    func awaitDrain(_ publisher: MQTTConnectionHandler) {
        drainWaiters.withLock { $0.append(publisher) }
        hasDrainWaiters.store(true, ordering: .releasing)
    }

    /// A woken publisher has retried (on its loop).
    func drainWakeSettled() { wokenNotRetried.subtract(1, ordering: .relaxed) }

    /// Once the queue is down to three quarters of its limit, wakes as many waiting publishers
    /// as it has free places not already promised to woken ones, in arrival order: each
    /// retries its held deliveries on its own loop. Waking all of them at the first free place
    /// would make thousands retry for one slot.
    private func wakeDrainWaiters() {
        let limit = state.limits.sessionQueuedMessagesMax
        let free = limit - state.queuedCount
        guard free * 4 >= limit else { return }
        let wanted = free - wokenNotRetried.load(ordering: .relaxed)
        guard wanted > 0 else { return }
        let woken = drainWaiters.withLock { waiters in
            defer { if waiters.isEmpty { hasDrainWaiters.store(false, ordering: .releasing) } }
            return waiters.popFirst(wanted)
        }
        wokenNotRetried.add(woken.count, ordering: .relaxed)
        for publisher in woken { publisher.wakeHeld(by: self) }
    }

    /// The session is gone: nobody will drain it, so its waiters retry (and find it gone).
    func releaseDrainWaiters() {
        guard hasDrainWaiters.load(ordering: .acquiring) else { return }
        let all = drainWaiters.withLock { waiters in
            defer { hasDrainWaiters.store(false, ordering: .releasing) }
            return waiters.popFirst(.max)
        }
        wokenNotRetried.add(all.count, ordering: .relaxed)
        for publisher in all { publisher.wakeHeld(by: self) }
    }

    static func == (lhs: BrokerSession, rhs: BrokerSession) -> Bool { lhs === rhs }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A FIFO of waiting publishers: popping from the front is O(popped), not O(waiting).
struct DrainWaiters {
    private var list: [MQTTConnectionHandler] = []
    private var head = 0

    var isEmpty: Bool { head == list.count }

    mutating func append(_ publisher: MQTTConnectionHandler) { list.append(publisher) }

    mutating func popFirst(_ count: Int) -> ArraySlice<MQTTConnectionHandler> {
        let end = head + min(count, list.count - head)
        let popped = list[head..<end]
        head = end
        if head == list.count {
            list.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024, head * 2 > list.count {
            list.removeFirst(head)
            head = 0
        }
        return popped
    }
}
