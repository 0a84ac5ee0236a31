import NaveModel

/// A live follower of one partition (`nave monitor-events`, an Event Hub receiver link): yields
/// records in order from its start, reading in batches, and when caught up waits for the writer
/// to publish more (no polling). Ends (returns nil) when the log closes; throws
/// `CancellationError` when its task is cancelled, or a read error.
public struct EventTail: AsyncSequence, Sendable {
    public typealias Element = EventRecord

    let partition: EventPartition
    let start: EventStartPosition
    /// Records read per batch.
    public var readBatchMax = 64

    public func makeAsyncIterator() -> Iterator {
        Iterator(partition: partition, position: start, readBatchMax: readBatchMax)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let partition: EventPartition
        var position: EventStartPosition
        let readBatchMax: Int
        var buffered: [EventRecord] = []
        var bufferedIndex = 0

        public mutating func next() async throws -> EventRecord? {
            while bufferedIndex == buffered.count {
                try Task.checkCancellation()
                do {
                    // Taken before the read: a record published between the read and the wait
                    // then still wakes the wait.
                    let seen = lastSeen
                    buffered = try partition.read(from: position, maxCount: readBatchMax)
                    bufferedIndex = 0
                    if let last = buffered.last {
                        position = .sequenceNumber(last.sequenceNumber + 1)
                    } else {
                        try await partition.waitForAppend(after: seen)
                    }
                } catch EventLogError.closed {
                    return nil
                }
            }
            defer { bufferedIndex += 1 }
            return buffered[bufferedIndex]
        }

        /// The sequence number the follower has, for `waitForAppend`: anything newer wakes it.
        private var lastSeen: Int64 {
            switch position {
            case .sequenceNumber(let next): next - 1
            // Not yet positioned by a record: any new record may be the one it wants.
            default: partition.info.lastSequenceNumber
            }
        }
    }
}
