@testable import NaveAMQP
import Synchronization
import Testing

/// The Event Hubs epoch rules (contract §6.5) across receivers of one partition.
@Suite("Partition ownership (epochs)")
struct PartitionOwnershipTests {
    let key = PartitionOwnership.Key(consumerGroup: "$default", partition: 0)

    final class Evictions: Sendable {
        let reasons = Mutex<[String]>([])
        func evictor() -> PartitionOwnership.Eviction { { condition, _ in self.reasons.withLock { $0.append(condition) } } }
        var count: Int { reasons.withLock { $0.count } }
    }

    @Test("an equal or higher epoch takes over; the readers before it are evicted")
    func higherEpochTakesOver() throws {
        let ownership = PartitionOwnership()
        let first = Evictions(), second = Evictions(), third = Evictions()
        _ = try ownership.claim(key, epoch: 1, evict: first.evictor()).get()
        _ = try ownership.claim(key, epoch: 1, evict: second.evictor()).get()
        #expect(first.count == 1)
        _ = try ownership.claim(key, epoch: 5, evict: third.evictor()).get()
        #expect(second.count == 1)
        #expect(third.count == 0)
        #expect(ownership.readerCount(key) == 1)
    }

    @Test("a lower epoch, or none while an epoch reader holds the partition, is refused")
    func lowerEpochRefused() throws {
        let ownership = PartitionOwnership()
        let holder = Evictions()
        _ = try ownership.claim(key, epoch: 3, evict: holder.evictor()).get()
        guard case .failure(.epochTooLow) = ownership.claim(key, epoch: 2, evict: Evictions().evictor()) else {
            Issue.record("a lower epoch was admitted")
            return
        }
        guard case .failure(.epochTooLow) = ownership.claim(key, epoch: nil, evict: Evictions().evictor()) else {
            Issue.record("a reader without an epoch was admitted beside an epoch reader")
            return
        }
        #expect(holder.count == 0)
    }

    @Test("readers without an epoch share a partition up to five; an epoch reader evicts them all")
    func nonEpochReaders() throws {
        let ownership = PartitionOwnership()
        let readers = (0..<5).map { _ in Evictions() }
        var ids: [UInt64] = []
        for reader in readers { ids.append(try ownership.claim(key, epoch: nil, evict: reader.evictor()).get()) }
        guard case .failure(.tooManyReaders) = ownership.claim(key, epoch: nil, evict: Evictions().evictor()) else {
            Issue.record("a sixth reader was admitted")
            return
        }
        ownership.release(key, id: ids[0])
        _ = try ownership.claim(key, epoch: nil, evict: Evictions().evictor()).get()
        _ = try ownership.claim(key, epoch: 0, evict: Evictions().evictor()).get()
        #expect(readers.dropFirst().allSatisfy { $0.count == 1 })
        #expect(readers[0].count == 0)
    }

    @Test("other partitions and consumer groups are independent")
    func keysIndependent() throws {
        let ownership = PartitionOwnership()
        let holder = Evictions()
        _ = try ownership.claim(key, epoch: 9, evict: holder.evictor()).get()
        _ = try ownership.claim(.init(consumerGroup: "$default", partition: 1), epoch: 0, evict: Evictions().evictor()).get()
        _ = try ownership.claim(.init(consumerGroup: "other", partition: 0), epoch: nil, evict: Evictions().evictor()).get()
        #expect(holder.count == 0)
    }

    @Test("deleting a consumer group evicts its readers with amqp:not-found, and only its")
    func groupDeletion() throws {
        let ownership = PartitionOwnership()
        let deleted = Evictions(), kept = Evictions()
        _ = try ownership.claim(.init(consumerGroup: "gone", partition: 0), epoch: nil, evict: deleted.evictor()).get()
        _ = try ownership.claim(.init(consumerGroup: "gone", partition: 3), epoch: 2, evict: deleted.evictor()).get()
        _ = try ownership.claim(key, epoch: nil, evict: kept.evictor()).get()
        ownership.evictConsumerGroup("Gone")
        #expect(deleted.reasons.withLock { $0 } == ["amqp:not-found", "amqp:not-found"])
        #expect(kept.count == 0)
        #expect(ownership.readerCount(.init(consumerGroup: "gone", partition: 0)) == 0)
    }
}
