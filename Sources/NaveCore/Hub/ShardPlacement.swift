/// Where the hub's shard actors live (C2D queue shards, twin write gates) and how work is
/// posted to them. In a node every home is an event loop: a shard's executor is that loop, and
/// its inbox is the loop's lock-free `Mailbox`, so a device's connection on another loop hands
/// it work with one compare-and-swap and no task. Without loops (`UnpinnedShards`: tests,
/// embedders that bring no engine) each shard is a plain actor with its own executor.
public protocol ShardPlacement: Sendable {
    /// How many homes shards spread over (a node: its event loops).
    var homeCount: Int { get }

    /// The executor of home `home` (`0..<homeCount`), or nil: the shard keeps its own.
    func executor(home: Int) -> UnownedSerialExecutor?

    /// An inbox into an actor that lives at `home`, bound to it with `ShardInbox.bind`.
    func makeInbox<Message: Sendable>(home: Int, of messageType: Message.Type) -> any ShardInbox<Message>
}

/// One-way messages into one actor. What one sender sends arrives in the order sent while the
/// inbox has room; nothing is ever dropped: a full ring overflows into a task, which may then
/// overtake later messages (receivers must tolerate that, as C2D does: at worst a message is
/// delivered again, which IoT Hub's at-least-once delivery allows).
public protocol ShardInbox<Message>: AnyObject, Sendable {
    associatedtype Message: Sendable

    /// Gives the inbox its receiver. Called once, before the first `send` (an actor binds it at
    /// the end of its initialiser, when it may hand out `self`).
    func bind<A: Actor>(_ actor: A, receive: @escaping @Sendable (isolated A, Message) -> Void)

    /// Queues `message` for the actor; never blocks, never runs the receiver in the caller.
    func send(_ message: Message)
}

/// Which shard a key belongs to: a hash that is the same in every process and every run
/// (FNV-1a over the key's UTF-8), unlike `Hasher`, which is seeded per process, so a device's
/// shard can be named in logs and chosen the same way by every node of a cluster.
public enum ShardHash {
    public static func index(of key: String, shardCount: Int) -> Int {
        precondition(shardCount > 0, "a sharded service needs at least one shard")
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return Int(hash % UInt64(shardCount))
    }
}

/// How an inbox that cannot step into its actor's loop directly (a drain task, an overflow)
/// hands it a message: hop onto the actor and run `receive` there. Holds the actor weakly, so a
/// message still on its way to a shard that is gone is dropped with it.
public func taskDelivery<A: Actor, Message: Sendable>(to actor: A, _ receive: @escaping @Sendable (isolated A, Message) -> Void)
    -> @Sendable (Message) async -> Void {
    { [weak actor] message in await actor?.runReceiver(message, receive) }
}

extension Actor {
    fileprivate func runReceiver<Message: Sendable>(_ message: Message, _ receive: (isolated Self, Message) -> Void) {
        receive(self, message)
    }
}

/// The executor a shard actor runs on: its home's (a loop in a node), or, where the placement
/// has none, that of a plain actor it keeps alive for the purpose.
public struct ShardExecutor: Sendable {
    /// A plain actor whose default executor a loop-less shard borrows.
    private actor Keeper {}

    private let keeper: Keeper?
    public let executor: UnownedSerialExecutor

    public init(_ placement: any ShardPlacement, home: Int) {
        if let executor = placement.executor(home: home) {
            keeper = nil
            self.executor = executor
        } else {
            let keeper = Keeper()
            self.keeper = keeper
            executor = keeper.unownedExecutor
        }
    }
}
