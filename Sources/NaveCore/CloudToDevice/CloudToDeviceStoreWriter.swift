import NaveModel
import Synchronization

/// Writes changes to the `CloudToDeviceStore` in the order they are posted, one batch at a
/// time. The queues post while holding their state lock, so the store sees changes in the
/// order the state made them (an update never overtakes the removal after it). Changes posted
/// while a write is running are coalesced into the next batch: one transaction (one fsync on
/// SQLite) for a burst of completions.
///
/// `done` callbacks run after their batch, in posting order, on the writing task. A failed
/// batch fails every change in it; nothing retries (the in-memory state stays as it was
/// changed, and a restart reloads what the store kept).
final class CloudToDeviceStoreWriter: Sendable {
    typealias Done = @Sendable (HubError?) -> Void

    private struct Pending: Sendable {
        var changes: [CloudToDeviceChange]
        var done: Done?
    }

    private let store: any CloudToDeviceStore
    private let queue = WriteBatchQueue<Pending>()
    private let failedBatches = Atomic<Int>(0)

    init(store: any CloudToDeviceStore) { self.store = store }

    /// Batches the store refused since start (each failure also reached its `done` callbacks).
    var failedBatchCount: Int { failedBatches.load(ordering: .relaxed) }

    /// Queues `changes` behind everything posted before; `done` runs once they are stored (nil)
    /// or refused. Never blocks: the write runs on a task of its own.
    func post(_ changes: [CloudToDeviceChange], done: Done? = nil) {
        guard !changes.isEmpty || done != nil else { return }
        if queue.post(Pending(changes: changes, done: done)) { Task { await self.drain() } }
    }

    /// Posts `changes` and waits until they are stored.
    func write(_ changes: [CloudToDeviceChange]) async throws(HubError) {
        let failure: HubError? = await withCheckedContinuation { continuation in
            post(changes) { continuation.resume(returning: $0) }
        }
        if let failure { throw failure }
    }

    private func drain() async {
        while let batch = queue.nextBatch() {
            let changes = Self.withoutOverwritten(batch.flatMap(\.changes))
            var failure: HubError?
            if !changes.isEmpty {
                do {
                    try await store.apply(changes)
                } catch {
                    failedBatches.add(1, ordering: .relaxed)
                    failure = .storeRefused(error, what: "the cloud-to-device change",
                                            context: "The cloud-to-device store refused a write")
                }
            }
            for pending in batch { pending.done?(failure) }
        }
    }

    /// `changes` without the delivery counts of messages the same batch removes later: the
    /// batch is one transaction, so the count is never seen (a message delivered and completed
    /// within one write saves an UPDATE). Everything else keeps its order.
    static func withoutOverwritten(_ changes: [CloudToDeviceChange]) -> [CloudToDeviceChange] {
        var removedLater = Set<Int64>()
        var dropped = false
        var kept: [CloudToDeviceChange] = []
        kept.reserveCapacity(changes.count)
        for change in changes.reversed() {
            switch change {
            case .remove(let sequenceNumber):
                removedLater.insert(sequenceNumber)
            case .enqueue(let message):
                // Earlier changes of this number belong to an older message (the queues never
                // reuse a number, but the store's contract allows it).
                removedLater.remove(message.sequenceNumber)
            case .setDeliveryCount(let sequenceNumber, _) where removedLater.contains(sequenceNumber):
                dropped = true
                continue
            default:
                break
            }
            kept.append(change)
        }
        return dropped ? kept.reversed() : changes
    }
}
