import NaveCore
/// One Event Hub partition receiver (contract §6.5) as the endpoint keeps it: which partition of
/// which consumer group, the next sequence number to send, and the wait for the next append
/// while the reader is caught up. Confined to its connection's actor.
final class PartitionStream {
    /// The link's id in its connection (`AMQPHubConnection.linksByID`).
    let linkID: UInt64
    let key: PartitionOwnership.Key
    var partition: Int { key.partition }
    /// The next event to send.
    var next: Int64
    /// This reader's registration in `PartitionOwnership` (0 until claimed).
    var ownerID: UInt64 = 0
    /// Waiting for an append after `next - 1`; nil while sending (or stopped).
    var waiter: Task<Void, Never>?
    var stopped = false

    /// The entity's log: the built-in endpoint's, or a routing `eventhub` endpoint's.
    let source: any EventSource

    init(linkID: UInt64, key: PartitionOwnership.Key, next: Int64, source: any EventSource) {
        self.linkID = linkID
        self.key = key
        self.next = next
        self.source = source
    }

    /// The link is gone: no more waiting, and the partition is free for others.
    func stop(_ ownership: PartitionOwnership) {
        stopped = true
        waiter?.cancel()
        waiter = nil
        if ownerID != 0 { ownership.release(key, id: ownerID) }
    }
}
