import Synchronization

/// Shard placement without event loops: every shard is a plain actor on the cooperative pool,
/// and inboxes are locked FIFO queues drained by one task at a time. For tests that drive the
/// hub without an engine, and embedders that bring none; a node uses its loops instead
/// (`NaveNode.LoopShardPlacement`).
public struct UnpinnedShards: ShardPlacement {
    public let homeCount: Int

    /// - Parameter homeCount: how many shards each sharded service makes (at least one).
    public init(homeCount: Int = 4) {
        precondition(homeCount > 0, "a placement needs at least one home")
        self.homeCount = homeCount
    }

    public func executor(home: Int) -> UnownedSerialExecutor? { nil }

    public func makeInbox<Message: Sendable>(home: Int, of messageType: Message.Type) -> any ShardInbox<Message> {
        SerialInbox<Message>()
    }
}

/// A locked FIFO whose messages one task at a time hands to the bound actor, in order: a send
/// that finds no drain running starts one, and the drain runs until the queue is empty.
final class SerialInbox<Message: Sendable>: ShardInbox {
    private struct State {
        var messages: [Message] = []
        var draining = false
        /// Set once by `bind`; messages sent before it wait for it.
        var deliver: (@Sendable (Message) async -> Void)?
    }

    private let state = Mutex(State())

    func bind<A: Actor>(_ actor: A, receive: @escaping @Sendable (isolated A, Message) -> Void) {
        let deliver = taskDelivery(to: actor, receive)
        let startDrain = state.withLock { state in
            state.deliver = deliver
            return startsDrain(&state)
        }
        if startDrain { Task { await self.drain(deliver) } }
    }

    func send(_ message: Message) {
        let deliver = state.withLock { state in
            state.messages.append(message)
            return startsDrain(&state) ? state.deliver : nil
        }
        if let deliver { Task { await self.drain(deliver) } }
    }

    /// True (and the drain marked running) when messages wait, a receiver is bound and no
    /// drain runs.
    private func startsDrain(_ state: inout State) -> Bool {
        guard !state.draining, state.deliver != nil, !state.messages.isEmpty else { return false }
        state.draining = true
        return true
    }

    private func drain(_ deliver: @Sendable (Message) async -> Void) async {
        while let batch = nextBatch() {
            for message in batch { await deliver(message) }
        }
    }

    /// The messages queued since the last batch, or nil (and the drain ends) when none are.
    private func nextBatch() -> [Message]? {
        state.withLock { state in
            guard !state.messages.isEmpty else {
                state.draining = false
                return nil
            }
            defer { state.messages.removeAll(keepingCapacity: true) }
            return state.messages
        }
    }
}
