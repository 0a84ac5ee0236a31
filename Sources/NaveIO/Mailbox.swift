import Synchronization

/// Something a loop drains when woken for it.
public protocol MailboxDrainable: AnyObject, Sendable {
    func drain()
}

/// A bounded lock-free mailbox from any thread to the actor or handler living on one loop.
///
/// Sending is one compare-and-swap into a ring; the receiving loop is woken only on the idle →
/// scheduled transition, so a burst of messages costs one wake-up and one drain. When the ring
/// is full, `send` refuses: the sender chooses to retry later, drop (QoS 0), or stop reading its
/// own socket — the mailbox never grows.
public final class Mailbox<Message: Sendable>: MailboxDrainable, @unchecked Sendable {  // @unchecked: receive runs only on its loop; the ring and flag are synchronised

    /// The loop that receives.
    public let loop: EventLoop
    private let ring: MPSCRing<Message>
    private let scheduled = Atomic<Bool>(false)
    /// Set at init, or once by `setReceiver` before the first `send`.
    private var receive: (Message) -> Void
    private let drainBatchMax: Int

    /// - Parameters:
    ///   - capacity: messages held at most (rounded up to a power of two).
    ///   - loop: the receiving loop; `receive` runs there.
    ///   - drainBatchMax: messages handled per wake-up before other work gets a turn.
    public init(capacity: Int, on loop: EventLoop, drainBatchMax: Int = 1024,
                receive: @escaping (Message) -> Void) {
        self.loop = loop
        ring = MPSCRing(capacity: capacity)
        self.receive = receive
        self.drainBatchMax = drainBatchMax
    }

    /// A mailbox whose receiver comes later (`setReceiver`): for an actor that owns its mailbox
    /// as a constant but can hand out `self` only once it is initialised.
    public convenience init(capacity: Int, on loop: EventLoop, drainBatchMax: Int = 1024) {
        self.init(capacity: capacity, on: loop, drainBatchMax: drainBatchMax) { _ in
            preconditionFailure("a Mailbox received before its receiver was set")
        }
    }

    /// Gives the mailbox its receiver. Call once, before anything is sent to it: a send
    /// publishes this write to the loop (the ring's release/acquire).
    public func setReceiver(_ receive: @escaping (Message) -> Void) {
        self.receive = receive
    }

    /// The most messages the mailbox holds.
    public var capacity: Int { ring.capacity }

    /// Delivers `message` to the receiving loop; false (and the message is dropped) when full.
    @discardableResult
    public func send(_ message: consuming Message) -> Bool {
        if ring.tryPush(message) != nil { return false }
        if !scheduled.exchange(true, ordering: .acquiringAndReleasing) { loop.enqueueWork(.drain(self)) }
        return true
    }

    public func drain() {
        // The exchange reads the producers' `true` with acquire ordering, so every message pushed
        // before a producer saw the mailbox scheduled is visible to the pops below.
        _ = scheduled.exchange(false, ordering: .acquiringAndReleasing)
        var handled = 0
        while handled < drainBatchMax, let message = ring.pop() {
            receive(message)
            handled += 1
        }
        if handled == drainBatchMax, ring.hasPublishedElement,
           !scheduled.exchange(true, ordering: .acquiringAndReleasing) {
            loop.enqueueWork(.drain(self))
        }
    }
}
