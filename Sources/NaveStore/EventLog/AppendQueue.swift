/// What a partition's writer thread does next.
enum WriterWork {
    case batch([PendingAppend])
    case retention
    case stop
}

/// The queue between appenders and one partition's writer thread: classic group commit.
///
/// Appends queue while the writer is busy writing and syncing the previous batch; when it comes
/// back it takes everything queued (up to `groupCommitRecordsMax` records) as the next batch, so
/// one fdatasync covers every append that arrived during the previous one, and batches grow with
/// load by themselves.
///
/// Lingering: when fewer records are queued than the previous batch held, the writer waits for
/// that many, at most `groupCommitDelayMicros` after the first queued append. Without it, the
/// appenders a sync releases come back one by one and the next sync starts with only the first
/// few (8 appenders in a closed loop averaged 4.3 records per sync here, 10 k appends/s). A
/// fixed linger would cost a lone appender the whole delay on every append and, measured, halved
/// closed-loop throughput; expecting the previous batch's size costs neither: a lone appender's
/// previous batch was 1, and a steady load refills the queue during each sync. The wait is also
/// kept under half the last fdatasync's duration: when the appenders take longer than that to
/// come back (many of them, little CPU), it is better to sync those there and let the rest
/// queue during the sync than to leave the disk idle while they arrive.
///
/// At most `pendingAppendBytesMax` bytes are admitted; later appends wait, first come first
/// served, in `waiting` until the writer takes a batch. A waiting append holds only a reference
/// to events the caller already holds; the caller (a device's connection) is suspended until
/// its events are durable, so the device's in-flight window is what bounds their number.
final class AppendQueue: @unchecked Sendable {  // @unchecked: every mutable field is touched only under lock
    private let lock = ConditionLock()
    private let bytesMax: Int
    private let recordsMax: Int
    private let delayNanos: UInt64

    // Everything below is guarded by `lock`.
    private var admitted: [PendingAppend] = []
    private var admittedHead = 0
    private var admittedBytes = 0
    private var admittedRecords = 0
    private var waiting: [PendingAppend] = []
    private var waitingHead = 0
    private var writerSleeping = false
    /// Records in the last batch taken: how many the writer expects to find next time.
    private var previousBatchRecords = 1
    private var lingers = 0
    private var stopping = false
    private var failure: EventLogError?

    init(configuration: EventLogConfiguration) {
        bytesMax = configuration.pendingAppendBytesMax
        recordsMax = configuration.groupCommitRecordsMax
        delayNanos = UInt64(configuration.groupCommitDelayMicros) * 1000
    }

    /// Queues an append for the writer; throws when the partition failed or is closing.
    func enqueue(_ item: PendingAppend) throws(EventLogError) {
        var item = item
        item.enqueuedAtNanos = delayNanos > 0 ? ConditionLock.nowNanos() : 0
        try lock.withLock { () throws(EventLogError) in
            if let failure { throw failure }
            if stopping { throw .closed }
            let wasEmpty = admittedHead == admitted.count
            if waitingHead == waiting.count, admittedBytes + item.bytes <= bytesMax {
                admit(item)
            } else {
                waiting.append(item)
            }
            // The writer re-checks the queue after each batch by itself: wake it only when it
            // sleeps with nothing queued, or lingers and the batch it waits for is complete.
            if writerSleeping, wasEmpty || admittedRecords >= lingerTarget { lock.signal() }
        }
    }

    /// Blocks the writer thread until there is a batch to write, retention is due
    /// (`retentionDeadlineNanos`, monotonic), or the queue is stopped and drained.
    ///
    /// The linger window opens when the writer is back and something is queued, whichever is
    /// later, and lasts at most `lingerNanosMax` and `groupCommitDelayMicros`. Counting from the
    /// writer's return, not from the oldest append: an append that queued during the last sync
    /// must not close the window at once, or closed-loop appenders split into two groups that
    /// take turns, each syncing alone.
    func next(retentionDeadlineNanos: UInt64, lingerNanosMax: UInt64) -> WriterWork {
        let readyAt = delayNanos > 0 ? ConditionLock.nowNanos() : 0
        return lock.withLock {
            while true {
                if admittedHead < admitted.count {
                    if delayNanos > 0, !stopping, admittedRecords < lingerTarget {
                        let opened = max(readyAt, admitted[admittedHead].enqueuedAtNanos)
                        let deadline = opened + min(delayNanos, lingerNanosMax)
                        if ConditionLock.nowNanos() < deadline {
                            lingers += 1
                            sleep(untilNanos: deadline)
                            continue
                        }
                    }
                    return .batch(takeBatch())
                }
                if stopping { return .stop }
                if ConditionLock.nowNanos() >= retentionDeadlineNanos { return .retention }
                sleep(untilNanos: retentionDeadlineNanos)
            }
        }
    }

    /// After a failed write or sync: every later append throws `error`; returns the appends
    /// still queued so the writer fails them too.
    func fail(_ error: EventLogError) -> [PendingAppend] {
        lock.withLock {
            failure = error
            let left = Array(admitted[admittedHead...]) + Array(waiting[waitingHead...])
            admitted.removeAll()
            waiting.removeAll()
            admittedHead = 0
            waitingHead = 0
            admittedBytes = 0
            admittedRecords = 0
            return left
        }
    }

    /// No more appends; the writer drains what is queued, then stops.
    func stop() {
        lock.withLock {
            stopping = true
            lock.signal()
        }
    }

    /// Bytes admitted and not yet taken by the writer.
    var pendingBytes: Int { lock.withLock { admittedBytes } }

    /// How many times the writer waited for a batch to fill (tests).
    var lingerCount: Int { lock.withLock { lingers } }

    // MARK: With the lock held

    private var lingerTarget: Int { min(previousBatchRecords, recordsMax) }

    private func sleep(untilNanos deadline: UInt64) {
        writerSleeping = true
        lock.wait(untilNanos: deadline)
        writerSleeping = false
    }

    private func admit(_ item: PendingAppend) {
        admitted.append(item)
        admittedBytes += item.bytes
        admittedRecords += item.events.count
    }

    /// Takes appends from the front up to `recordsMax` records (at least one append), then lets
    /// waiting appends in while they fit.
    private func takeBatch() -> [PendingAppend] {
        var batch: [PendingAppend] = []
        var records = 0
        while admittedHead < admitted.count {
            let item = admitted[admittedHead]
            guard batch.isEmpty || records + item.events.count <= recordsMax else { break }
            batch.append(item)
            records += item.events.count
            admittedBytes -= item.bytes
            admittedRecords -= item.events.count
            admittedHead += 1
        }
        previousBatchRecords = records
        compact(&admitted, head: &admittedHead)
        while waitingHead < waiting.count, admittedBytes + waiting[waitingHead].bytes <= bytesMax {
            admit(waiting[waitingHead])
            waitingHead += 1
        }
        compact(&waiting, head: &waitingHead)
        return batch
    }

    /// Drops taken items once they are most of the array, so a queue that never quite empties
    /// does not keep growing.
    private func compact(_ items: inout [PendingAppend], head: inout Int) {
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
    }
}
