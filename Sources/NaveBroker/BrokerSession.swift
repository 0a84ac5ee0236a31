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
final class BrokerSession: @unchecked Sendable, Hashable {
    // @unchecked: `state`, `handler` and `discarded` are confined to the owning loop (above);
    // the atomics are read from any loop.

    let clientID: String
    let cleanSession: Bool
    var state: MQTTSessionState
    /// The connection attached, on the owning loop; nil while offline.
    var handler: MQTTConnectionHandler?
    /// Set once the session was dropped (clean session ended, or replaced by a clean one).
    var discarded = false

    let ownerLoopIndex: Atomic<Int>
    /// Mirrors `state.isQueueFull` for publishers on other loops (their back-pressure check).
    let queueFull = Atomic<Bool>(false)
    /// Whether a connection is attached; offline sessions drop rather than slow publishers.
    let online = Atomic<Bool>(false)

    init(clientID: String, cleanSession: Bool, limits: MQTTBindingLimits, ownerLoopIndex: Int) {
        self.clientID = clientID
        self.cleanSession = cleanSession
        state = MQTTSessionState(limits: limits)
        self.ownerLoopIndex = Atomic(ownerLoopIndex)
    }

    var owner: Int { ownerLoopIndex.load(ordering: .acquiring) }

    /// Call after any change to the queue on the owning loop.
    func publishQueueState() {
        let full = state.isQueueFull
        if queueFull.load(ordering: .relaxed) != full { queueFull.store(full, ordering: .relaxed) }
    }

    static func == (lhs: BrokerSession, rhs: BrokerSession) -> Bool { lhs === rhs }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
