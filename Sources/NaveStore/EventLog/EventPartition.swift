import NaveModel
import Synchronization

/// What readers and the writer share about a partition, behind the partition's lock. Only the
/// writer thread changes `segments`; it does so after the bytes are durable, so readers see only
/// durable records.
struct PartitionState {
    /// Oldest first; the last is the active segment, never removed by retention.
    var segments: [Segment]
    /// Tasks waiting for a record after a sequence number.
    var waiters: [(id: UInt64, after: Int64, continuation: CheckedContinuation<Void, any Error>)] = []
    var nextWaiterID: UInt64 = 0
    var closed = false

    var active: Segment { segments[segments.count - 1] }
    var nextSequenceNumber: Int64 { active.nextSequenceNumber }

    /// The last durable record's sequence number, offset and time, searching back past an
    /// active segment that holds none yet.
    var lastRecord: (sequenceNumber: Int64, offset: Int64, time: Int64)? {
        for segment in segments.reversed() {
            if let position = segment.lastRecordPosition, let time = segment.lastEnqueuedTime {
                return (segment.nextSequenceNumber - 1, segment.offset(ofPosition: position), time)
            }
        }
        return nil
    }
}

/// One partition of the built-in events endpoint: an append-only sequence of records in
/// segment files under `<log>/events/p<N>/`, written by one writer thread (group commit) and
/// read by any number of readers, which see only durable records.
public final class EventPartition: Sendable {
    /// 0..<partitionCount.
    public let id: Int
    let directory: String
    let configuration: EventLogConfiguration
    let state: Mutex<PartitionState>
    let queue: AppendQueue
    /// The first sequence number a reader that must see everything still needs (an external
    /// endpoint's cursor, `EventSource.retainRecords`): time retention removes no segment
    /// holding it or later records. `Int64.max` when no such reader exists. The byte cap
    /// (`retentionBytesMax`) still applies: it protects the disk.
    let retainedFrom = Atomic<Int64>(Int64.max)

    init(id: Int, directory: String, configuration: EventLogConfiguration, segments: [Segment]) {
        self.id = id
        self.directory = directory
        self.configuration = configuration
        state = Mutex(PartitionState(segments: segments))
        queue = AppendQueue(configuration: configuration)
    }

    /// First and last sequence numbers, last offset and time: Event Hubs' partition properties.
    public var info: EventPartitionInfo {
        state.withLock { state in
            let last = state.lastRecord
            return EventPartitionInfo(
                partition: id,
                beginSequenceNumber: state.segments.first { $0.recordCount > 0 }?.baseSequenceNumber
                    ?? state.nextSequenceNumber,
                lastSequenceNumber: state.nextSequenceNumber - 1,
                lastOffset: last?.offset ?? -1,
                lastEnqueuedTime: last.map { Timestamp(millisecondsSinceEpoch: $0.time) })
        }
    }

    /// Returns once the partition holds a durable record with a sequence number above `after`
    /// (at once if it already does). Throws `CancellationError` when the task is cancelled and
    /// `EventLogError.closed` when the log closes. A follower calls it when a read came back empty.
    public func waitForAppend(after sequenceNumber: Int64) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: (any Error)?? = state.withLock { state in
                    if state.closed { return .some(EventLogError.closed) }
                    if state.nextSequenceNumber - 1 > sequenceNumber { return .some(nil) }
                    if Task.isCancelled { return .some(CancellationError()) }
                    state.waiters.append((id, sequenceNumber, continuation))
                    return nil
                }
                if let immediate {
                    if let error = immediate { continuation.resume(throwing: error) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let continuation = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Follows the partition from `start`: yields every record in order, waiting for appends
    /// when it has caught up, until the task is cancelled or the log closes. `.latest` is
    /// resolved now: the tail yields the records appended after this call.
    public func tail(from start: EventStartPosition) -> EventTail {
        let resolved: EventStartPosition = switch start {
        case .latest: .sequenceNumber(state.withLock { $0.nextSequenceNumber })
        default: start
        }
        return EventTail(partition: self, start: resolved)
    }

    /// Wakes waiters a new durable record satisfies (writer thread, after a batch is published).
    func wakeWaiters() {
        let ready = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            let last = state.nextSequenceNumber - 1
            guard state.waiters.contains(where: { $0.after < last }) else { return [] }
            let ready = state.waiters.filter { $0.after < last }.map(\.continuation)
            state.waiters.removeAll { $0.after < last }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Marks the partition closed and ends every wait with `EventLogError.closed`.
    func markClosed() {
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters.map(\.continuation)
        }
        for continuation in waiters { continuation.resume(throwing: EventLogError.closed) }
    }
}
