import NaveModel
import Synchronization

/// The hub's feedback queue (contract §5.4): records of what became of cloud-to-device
/// messages that asked for it (`iothub-ack`), handed to back ends in locked batches. A batch
/// is completed (its records go) or abandoned (they return); an unsettled batch's lock
/// expires after `feedbackLockTimeoutMillis` and its records return too. The REST API serves
/// it now (`GET /messages/serviceBound/feedback`); the AMQP feedback receiver will read the
/// same queue.
///
/// Bounded by `feedbackRecordsMax`: when full, the oldest unlocked record is dropped (and
/// counted), so a hub whose back end never reads feedback keeps a fixed amount of it.
public final class CloudToDeviceFeedbackQueue: Sendable {
    /// A batch handed to a back end.
    public struct Batch: Sendable, Equatable {
        /// Names the batch in complete and abandon (sent as the `ETag`).
        public var lockToken: String
        public var records: [FeedbackRecord]
        /// When the first record was enqueued (`iothub-enqueuedtime`).
        public var enqueuedTime: Timestamp
    }

    private struct Lock {
        var sequenceNumbers: [Int64]
        var timer: ScheduledAction
    }

    private struct State {
        /// Unlocked and locked records, in sequence order.
        var records: [FeedbackRecord] = []
        var locked: Set<Int64> = []
        var locks: [String: Lock] = [:]
        var nextSequenceNumber: Int64 = 1
        var dropped = 0
    }

    private let state: Mutex<State>
    private let writer: CloudToDeviceStoreWriter
    private let limits: CloudToDeviceLimits
    private let scheduler: any HubScheduler
    private let newLockToken: @Sendable () -> String

    init(loaded records: [FeedbackRecord], writer: CloudToDeviceStoreWriter, limits: CloudToDeviceLimits,
         scheduler: any HubScheduler, newLockToken: @escaping @Sendable () -> String) {
        var initial = State()
        initial.records = records
        initial.nextSequenceNumber = (records.last?.sequenceNumber ?? 0) + 1
        state = Mutex(initial)
        self.writer = writer
        self.limits = limits
        self.scheduler = scheduler
        self.newLockToken = newLockToken
    }

    /// Records waiting, locked or not.
    public var count: Int { state.withLock { $0.records.count } }

    /// Records dropped because the queue was full, since start.
    public var droppedCount: Int { state.withLock { $0.dropped } }

    /// The next batch of unlocked records, locked under a new token; nil when there is none.
    public func receive() -> Batch? {
        let token = newLockToken()
        return state.withLock { state -> Batch? in
            var records: [FeedbackRecord] = []
            for record in state.records where !state.locked.contains(record.sequenceNumber) {
                records.append(record)
                if records.count == limits.feedbackBatchRecordsMax { break }
            }
            guard let first = records.first else { return nil }
            let batch = Batch(lockToken: token, records: records, enqueuedTime: first.enqueuedTime)
            let numbers = batch.records.map(\.sequenceNumber)
            state.locked.formUnion(numbers)
            let timer = scheduler.schedule(afterMillis: limits.feedbackLockTimeoutMillis) { [weak self] in
                self?.release(token)
            }
            state.locks[token] = Lock(sequenceNumbers: numbers, timer: timer)
            return batch
        }
    }

    /// Removes the batch's records; returns once the removal is stored. A record is removed
    /// only here or by a drop (which takes unlocked ones only), so removals need no ordering.
    public func complete(lockToken: String) async throws(HubError) {
        let removed = try state.withLock { state throws(HubError) in
            guard let lock = state.locks.removeValue(forKey: lockToken) else { throw .deviceMessageLockLost() }
            lock.timer.cancel()
            let numbers = Set(lock.sequenceNumbers)
            state.locked.subtract(numbers)
            state.records.removeAll { numbers.contains($0.sequenceNumber) }
            return lock.sequenceNumbers
        }
        try await writer.write(removed.map { .removeFeedback(sequenceNumber: $0) })
    }

    /// Puts the batch's records back for the next receive.
    public func abandon(lockToken: String) throws(HubError) {
        guard release(lockToken) else { throw .deviceMessageLockLost() }
    }

    /// A record numbered for `append` (the numbers order the queue and key the store).
    func makeRecord(originalMessageID: String, deviceID: String, deviceGenerationID: String,
                    statusCode: FeedbackStatusCode, at time: Timestamp) -> FeedbackRecord {
        let number = state.withLock { state in
            defer { state.nextSequenceNumber += 1 }
            return state.nextSequenceNumber
        }
        return FeedbackRecord(sequenceNumber: number, originalMessageID: originalMessageID, deviceID: deviceID,
                              deviceGenerationID: deviceGenerationID, statusCode: statusCode, enqueuedTime: time)
    }

    /// Offers records whose `appendFeedback` changes are stored. Records may arrive slightly
    /// out of number order (two writers' batches); they are kept sorted.
    func publish(_ records: [FeedbackRecord]) {
        guard !records.isEmpty else { return }
        state.withLock { state in
            for record in records {
                let index = state.records.lastIndex { $0.sequenceNumber < record.sequenceNumber }.map { $0 + 1 } ?? 0
                state.records.insert(record, at: index)
            }
            var drops: [CloudToDeviceChange] = []
            while state.records.count > limits.feedbackRecordsMax,
                  let oldest = state.records.firstIndex(where: { !state.locked.contains($0.sequenceNumber) }) {
                drops.append(.removeFeedback(sequenceNumber: state.records.remove(at: oldest).sequenceNumber))
                state.dropped += 1
            }
            writer.post(drops)
        }
    }

    /// A record another writer of a shared store appended: offered here too, and its number is
    /// never given out here.
    func adopt(_ record: FeedbackRecord) {
        state.withLock { state in
            state.nextSequenceNumber = max(state.nextSequenceNumber, record.sequenceNumber + 1)
            guard !state.records.contains(where: { $0.sequenceNumber == record.sequenceNumber }) else { return }
            let index = state.records.lastIndex { $0.sequenceNumber < record.sequenceNumber }.map { $0 + 1 } ?? 0
            state.records.insert(record, at: index)
        }
    }

    /// A record another writer removed (a back end completed it there, or it was dropped).
    func forget(_ sequenceNumber: Int64) {
        state.withLock { state in
            state.records.removeAll { $0.sequenceNumber == sequenceNumber }
            state.locked.remove(sequenceNumber)
        }
    }

    @discardableResult
    private func release(_ token: String) -> Bool {
        state.withLock { state in
            guard let lock = state.locks.removeValue(forKey: token) else { return false }
            lock.timer.cancel()
            state.locked.subtract(lock.sequenceNumbers)
            return true
        }
    }
}
