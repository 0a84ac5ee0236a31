import Synchronization

/// Other writers' batches on their way from the store's callback (synchronous, in the order
/// the store applied them) to the registry, which applies them one at a time under its write
/// gate: never between one of its own writes being stored and being published, where a batch
/// planned on that write would find the tables not yet showing it.
///
/// Bounded: at most `batchesQueuedMax` wait (`IdentityRegistry.otherWriterBatchesQueuedMax`).
/// Past that a batch is dropped and the overflow noted; the registry then reloads the whole
/// registry from the store in place of what it missed (`IdentityRegistry.applyOtherWriters`).
final class OtherWriterInbox: Sendable {
    let batches: AsyncStream<RegistryStoreChange>
    private let continuation: AsyncStream<RegistryStoreChange>.Continuation
    private let overflowed = Atomic<Bool>(false)
    /// Batches received and not yet applied (or dropped): `IdentityRegistry.otherWritersApplied` waits for none.
    private let pending = Atomic<Int>(0)

    init(batchesQueuedMax: Int) {
        (batches, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(batchesQueuedMax))
    }

    /// Queues `batch`; the store calls this (`IdentityStore.observeOtherWriters`).
    func receive(_ batch: RegistryStoreChange) {
        pending.add(1, ordering: .relaxed)
        switch continuation.yield(batch) {
        case .enqueued:
            break
        case .dropped:
            overflowed.store(true, ordering: .releasing)
            pending.subtract(1, ordering: .relaxed)
        case .terminated:
            pending.subtract(1, ordering: .relaxed)
        @unknown default:
            pending.subtract(1, ordering: .relaxed)
        }
    }

    /// Whether a batch was dropped since the last call; clears the mark.
    func takeOverflow() -> Bool { overflowed.exchange(false, ordering: .acquiring) }

    /// Marks the overflow again (a reload in its place failed: the next batch tries again).
    func markOverflow() { overflowed.store(true, ordering: .releasing) }

    /// One batch taken from `batches` is applied.
    func applied() { pending.subtract(1, ordering: .relaxed) }

    var isIdle: Bool { pending.load(ordering: .relaxed) == 0 }

    /// Ends `batches` (the registry is gone).
    func finish() { continuation.finish() }
}
