import Synchronization

/// Who reads each partition of each consumer group, across all connections and loops, and the
/// Event Hubs rules for epoch receivers (contract §6.5, `com.microsoft:epoch`):
/// - a receiver with an epoch at least the highest present takes the partition over: every other
///   receiver of it is detached with `amqp:link:stolen`;
/// - one with a lower epoch is refused;
/// - one without an epoch is refused while an epoch receiver holds the partition, and at most
///   `receiversWithoutEpochMax` of them read one partition at once (Event Hubs allows 5).
final class PartitionOwnership: Sendable {
    static let receiversWithoutEpochMax = 5

    struct Key: Hashable, Sendable {
        /// Lower-cased: consumer group names compare without regard to case.
        var consumerGroup: String
        var partition: Int
    }

    /// Detaches a receiver with an AMQP error condition and a description (hops to its
    /// connection's loop).
    typealias Eviction = @Sendable (_ condition: String, _ reason: String) -> Void

    /// One attached receiver.
    struct Reader: Sendable {
        var id: UInt64
        var epoch: Int64?
        var evict: Eviction
    }

    enum Refusal: Error, Equatable {
        /// A receiver with a higher epoch holds the partition (or one with an epoch, for a
        /// receiver without).
        case epochTooLow(String)
        case tooManyReaders(String)
    }

    private let readers = Mutex<[Key: [Reader]]>([:])
    private let nextID = Atomic<UInt64>(1)

    /// Registers a receiver, evicting those it takes over (their `evict` runs after the lock is
    /// released). Returns its id for `release`.
    func claim(_ key: Key, epoch: Int64?, evict: @escaping Eviction) -> Result<UInt64, Refusal> {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let outcome: Result<[Reader], Refusal> = readers.withLock { table in
            var current = table[key] ?? []
            let highest = current.compactMap(\.epoch).max()
            if let epoch {
                if let highest, highest > epoch {
                    return .failure(.epochTooLow("A receiver with epoch \(highest) holds partition \(key.partition); epoch \(epoch) cannot be created."))
                }
                let evicted = current
                table[key] = [Reader(id: id, epoch: epoch, evict: evict)]
                return .success(evicted)
            }
            if let highest {
                return .failure(.epochTooLow("A receiver with epoch \(highest) holds partition \(key.partition); a receiver without an epoch cannot be created."))
            }
            guard current.count < Self.receiversWithoutEpochMax else {
                return .failure(.tooManyReaders("Partition \(key.partition) of consumer group '\(key.consumerGroup)' already has \(Self.receiversWithoutEpochMax) receivers."))
            }
            current.append(Reader(id: id, epoch: nil, evict: evict))
            table[key] = current
            return .success([])
        }
        switch outcome {
        case .failure(let refusal):
            return .failure(refusal)
        case .success(let evicted):
            let reason = "New receiver with epoch \(epoch ?? 0) was created for partition \(key.partition) of consumer group '\(key.consumerGroup)'; this receiver was disconnected."
            for reader in evicted { reader.evict("amqp:link:stolen", reason) }
            return .success(id)
        }
    }

    /// Forgets a receiver (its link detached or its connection closed).
    func release(_ key: Key, id: UInt64) {
        readers.withLock { table in
            guard var current = table[key] else { return }
            current.removeAll { $0.id == id }
            table[key] = current.isEmpty ? nil : current
        }
    }

    /// Detaches every reader of a consumer group that was deleted (`amqp:not-found`).
    func evictConsumerGroup(_ name: String) {
        let group = name.lowercased()
        let evicted = readers.withLock { table in
            let keys = table.keys.filter { $0.consumerGroup == group }
            return keys.flatMap { table.removeValue(forKey: $0) ?? [] }
        }
        for reader in evicted { reader.evict("amqp:not-found", "The consumer group '\(name)' was deleted.") }
    }

    /// Receivers registered for `key` (tests and metrics).
    func readerCount(_ key: Key) -> Int { readers.withLock { $0[key]?.count ?? 0 } }
}
