/// Where an appended event was stored. Returned only once the event is durable.
public struct EventPosition: Sendable, Hashable {
    public var partition: Int
    public var offset: Int64
    public var sequenceNumber: Int64
    public var enqueuedTime: Timestamp

    public init(partition: Int, offset: Int64, sequenceNumber: Int64, enqueuedTime: Timestamp) {
        self.partition = partition
        self.offset = offset
        self.sequenceNumber = sequenceNumber
        self.enqueuedTime = enqueuedTime
    }
}

/// Where a reader starts in a partition: the first event at or after the given point. An Event
/// Hub receiver's filter `x-opt-offset > 'N'` (contract §6.5) is `.offset(N + 1)`, `>= 'N'` is
/// `.offset(N)`; likewise for sequence numbers and enqueued times (ms), which are integers too.
/// A point before the oldest retained event starts at the oldest; one past the newest starts
/// with the next event appended.
public enum EventStartPosition: Sendable, Hashable {
    /// The oldest retained event (`-1` in the Event Hubs filter).
    case earliest
    /// Only events appended from now on (`@latest`).
    case latest
    /// The first event whose offset is at least this.
    case offset(Int64)
    /// The event with this sequence number (or the next one retained).
    case sequenceNumber(Int64)
    /// The first event enqueued at or after this time.
    case enqueuedTime(Timestamp)
}

/// What Event Hubs' `$management` partition query returns (contract §6.4). An empty partition
/// follows the Event Hubs convention: last sequence number and last offset -1.
public struct EventPartitionInfo: Sendable, Equatable {
    public var partition: Int
    /// The oldest retained event's sequence number (the next one to come when none is retained).
    public var beginSequenceNumber: Int64
    /// -1 when nothing was ever appended.
    public var lastSequenceNumber: Int64
    /// -1 when nothing was ever appended (or every event expired before a restart).
    public var lastOffset: Int64
    public var lastEnqueuedTime: Timestamp?
    /// No retained events.
    public var isEmpty: Bool { beginSequenceNumber > lastSequenceNumber }

    public init(partition: Int, beginSequenceNumber: Int64, lastSequenceNumber: Int64, lastOffset: Int64,
                lastEnqueuedTime: Timestamp?) {
        self.partition = partition
        self.beginSequenceNumber = beginSequenceNumber
        self.lastSequenceNumber = lastSequenceNumber
        self.lastOffset = lastOffset
        self.lastEnqueuedTime = lastEnqueuedTime
    }
}
