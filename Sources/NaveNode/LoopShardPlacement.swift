import NaveCore
import NaveIO
import Synchronization

/// The node's shard placement: home `i` is event loop `i`. A shard actor's executor is its
/// loop, and its inbox is the loop's lock-free `Mailbox`: a sender on any loop pays one
/// compare-and-swap, and a burst costs the receiving loop one wake-up.
public struct LoopShardPlacement: ShardPlacement {
    let loops: [EventLoop]
    /// Messages an inbox holds before it overflows into tasks.
    let inboxCapacity: Int

    public init(loops: [EventLoop], inboxCapacity: Int = 4096) {
        precondition(!loops.isEmpty, "a placement needs at least one loop")
        self.loops = loops
        self.inboxCapacity = inboxCapacity
    }

    public var homeCount: Int { loops.count }

    public func executor(home: Int) -> UnownedSerialExecutor? { loops[home].executor }

    public func makeInbox<Message: Sendable>(home: Int, of messageType: Message.Type) -> any ShardInbox<Message> {
        LoopInbox<Message>(mailbox: Mailbox(capacity: inboxCapacity, on: loops[home]))
    }
}

/// A shard's inbox on its loop's `Mailbox`. When the ring is full the message goes by a task
/// instead: a C2D acknowledgement or lock expiry must not be dropped, and a full ring means the
/// loop is already behind, so the task costs nothing the loop would notice.
final class LoopInbox<Message: Sendable>: ShardInbox {
    private let mailbox: Mailbox<Message>
    /// Set once by `bind`, before the first send.
    private let overflow = Mutex<(@Sendable (Message) async -> Void)?>(nil)

    init(mailbox: Mailbox<Message>) { self.mailbox = mailbox }

    func bind<A: Actor>(_ actor: A, receive: @escaping @Sendable (isolated A, Message) -> Void) {
        let loop = mailbox.loop
        // The actor lives on `loop` (its executor), so the drain steps into it directly.
        mailbox.setReceiver { [unowned(unsafe) actor] message in loop.runIsolated(actor, message, receive) }
        overflow.withLock { $0 = taskDelivery(to: actor, receive) }
    }

    func send(_ message: Message) {
        if mailbox.send(message) { return }
        guard let deliver = overflow.withLock({ $0 }) else { return }
        Task { await deliver(message) }
    }
}
