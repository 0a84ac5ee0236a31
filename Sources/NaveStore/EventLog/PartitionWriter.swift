import Glibc
import NaveModel
import Synchronization

/// The one thread that writes a partition: takes a batch from the `AppendQueue`, encodes it into
/// one buffer, writes it with one pwrite and makes it durable with one fdatasync, publishes the
/// records to readers, then resumes the appenders. Blocking file I/O stays off the event loops
/// and the cooperative pool.
///
/// A thread per partition (not per log) so the partitions' fdatasyncs overlap: on ext4 they join
/// one journal commit. Default 4 partitions give 4 threads that mostly sleep in fdatasync.
final class PartitionWriter: @unchecked Sendable {  // @unchecked: mutable state belongs to its one writer thread
    let partition: EventPartition
    private let configuration: EventLogConfiguration
    private let syncer: any EventFileSyncer
    let clock: @Sendable () -> Timestamp
    private let counters: EventLogCounters
    private let exited = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    // Owned by the writer thread once started.
    private var cursor: Cursor
    private var indexFile: LogFile
    private var indexEntriesWritten: Int
    private var buffer: [UInt8] = []
    /// Records of the current run: file position, frame size.
    private var run: [(position: Int64, frameBytes: Int)] = []
    private var lastEnqueuedTime: Int64
    var retentionDeadlineNanos: UInt64 = 0
    /// How long the last group commit's fdatasync took: the writer lingers at most half of it.
    private var lastSyncNanos: UInt64 = 0
    /// Records of the current batch already durable and published (a roll flushes mid-batch).
    private var publishedRecords = 0

    /// Where the next record goes.
    struct Cursor {
        var file: LogFile
        var header: SegmentHeader
        var position: Int64
        var nextSequenceNumber: Int64
    }

    init(partition: EventPartition, syncer: any EventFileSyncer, clock: @escaping @Sendable () -> Timestamp,
         counters: EventLogCounters) throws(EventLogError) {
        self.partition = partition
        configuration = partition.configuration
        self.syncer = syncer
        self.clock = clock
        self.counters = counters
        let (active, last) = partition.state.withLock { ($0.active, $0.lastRecord) }
        cursor = Cursor(file: active.file, header: active.header, position: active.endPosition,
                        nextSequenceNumber: active.nextSequenceNumber)
        let indexPath = partition.directory + "/" + SegmentHeader.fileName(baseOffset: active.baseOffset, suffix: "index")
        indexFile = try LogFile.open(indexPath, create: true)
        indexEntriesWritten = active.index.count
        lastEnqueuedTime = last?.time ?? Int64.min
    }

    // MARK: Thread

    func start() {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 512 << 10)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, &attributes, { raw in
            Unmanaged<PartitionWriter>.fromOpaque(raw!).takeRetainedValue().threadMain()
            return nil
        }, context)
        pthread_attr_destroy(&attributes)
        precondition(created == 0, "pthread_create failed: \(created)")
    }

    /// Returns once the thread has written what was queued and exited (after `queue.stop()`).
    func waitUntilExited() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = exited.withLock { state in
                if !state.done { state.waiters.append(continuation) }
                return state.done
            }
            if done { continuation.resume() }
        }
    }

    private func threadMain() {
        retentionDeadlineNanos = ConditionLock.nowNanos()
        loop: while true {
            switch partition.queue.next(retentionDeadlineNanos: retentionDeadlineNanos, lingerNanosMax: lastSyncNanos / 2) {
            case .batch(let batch): write(batch)
            case .retention: applyRetention()
            case .stop: break loop
            }
        }
        let waiters = exited.withLock { state in
            state.done = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Batches

    private func write(_ batch: [PendingAppend]) {
        var positions: [[EventPosition]] = []
        publishedRecords = 0
        do {
            var rolled = false
            try commit(batch, into: &positions, rolled: &rolled)
            if rolled { applyRetention() }
            for (item, positions) in zip(batch, positions) {
                item.completion.complete(indices: item.indices, positions: positions)
            }
            partition.wakeWaiters()
        } catch {
            refuse(batch, positions: positions, after: error)
        }
    }

    /// A batch that failed part-way. Appends whose records a flush before the failure (at a
    /// roll) already made durable and visible are acknowledged; the others fail. On a full disk
    /// the file is cut back to its last durable record and the partition takes later batches
    /// (issue #11). After any other failure what is on disk is unknown (after a failed fdatasync
    /// the kernel may have dropped the pages and cleared the error): nothing more is accepted
    /// until the log is reopened and recovered.
    private func refuse(_ batch: [PendingAppend], positions: [[EventPosition]], after error: EventLogError) {
        var durable = 0
        var records = 0
        while durable < batch.count, durable < positions.count,
              records + batch[durable].events.count <= publishedRecords {
            records += batch[durable].events.count
            batch[durable].completion.complete(indices: batch[durable].indices, positions: positions[durable])
            durable += 1
        }
        if publishedRecords > 0 { partition.wakeWaiters() }
        let failed = batch[durable...]
        if error.isNoSpace, rewind() {
            counters.refusedForSpace(records: failed.reduce(0) { $0 + $1.events.count })
            let failure = EventLogError.storageFull(partition: partition.id, cause: error.description)
            for item in failed { item.completion.fail(failure) }
            return
        }
        let failure = EventLogError.partitionFailed(partition: partition.id, cause: error.description)
        for item in Array(failed) + partition.queue.fail(failure) { item.completion.fail(failure) }
    }

    /// After a batch failed for want of space: forgets what was encoded and not flushed, puts
    /// the cursor back on the last published record, and cuts the file there and syncs the cut.
    /// Recovery would cut a torn frame too, but a later, shorter batch written over it could
    /// leave a whole stale frame of the failed batch right behind its end, which recovery would
    /// take for a record. False when the cut or its sync fails.
    private func rewind() -> Bool {
        buffer.removeAll(keepingCapacity: true)
        run.removeAll(keepingCapacity: true)
        let active = partition.state.withLock { $0.segments[$0.segments.count - 1] }
        precondition(active.file === cursor.file, "the cursor is on the active segment")
        cursor.position = active.endPosition
        cursor.nextSequenceNumber = active.nextSequenceNumber
        do {
            try cursor.file.truncate(to: cursor.position)
            try cursor.file.sync(with: syncer)
            return true
        } catch {
            return false
        }
    }

    /// Encodes, writes and syncs `batch`, rolling segments as they fill; appends each append's
    /// positions to `results` once all its events are encoded. When it returns, everything in
    /// `results` is durable and visible to readers; when it throws, the first `publishedRecords`
    /// records of the batch are.
    private func commit(_ batch: [PendingAppend], into results: inout [[EventPosition]],
                        rolled: inout Bool) throws(EventLogError) {
        let time = max(clock().millisecondsSinceEpoch, lastEnqueuedTime)
        lastEnqueuedTime = time
        let enqueuedTime = Timestamp(millisecondsSinceEpoch: time)
        results.reserveCapacity(batch.count)
        for item in batch {
            var positions: [EventPosition] = []
            positions.reserveCapacity(item.events.count)
            for event in item.events {
                let position = try encode(event, time: enqueuedTime, rolled: &rolled)
                positions.append(EventPosition(partition: partition.id, offset: cursorOffset(of: position),
                                               sequenceNumber: cursor.nextSequenceNumber, enqueuedTime: enqueuedTime))
                cursor.nextSequenceNumber += 1
            }
            results.append(positions)
        }
        try flush()
    }

    /// Appends `event`'s frame to the run at the cursor, first flushing and rolling to a new
    /// segment when it would not fit (a segment always takes its first record, whatever size).
    private func encode(_ event: EventData, time: Timestamp, rolled: inout Bool) throws(EventLogError) -> Int64 {
        for _ in 0..<2 {
            let position = cursor.position + Int64(buffer.count)
            let frameBytes = EventFrame.append(event, sequenceNumber: cursor.nextSequenceNumber,
                                               offset: cursorOffset(of: position), enqueuedTime: time, to: &buffer)
            if position + Int64(frameBytes) <= Int64(configuration.segmentBytesMax)
                || position == Int64(SegmentHeader.bytes) {
                run.append((position, frameBytes))
                return position
            }
            buffer.removeLast(frameBytes)
            try flush()
            try roll()
            rolled = true
        }
        preconditionFailure("a new segment takes any record")
    }

    private func cursorOffset(of position: Int64) -> Int64 {
        cursor.header.baseOffset + position - Int64(SegmentHeader.bytes)
    }

    /// Writes and syncs the run, then publishes its records (and their index entries).
    private func flush() throws(EventLogError) {
        guard !run.isEmpty else { return }
        try cursor.file.write(buffer, at: cursor.position)
        let syncStart = ConditionLock.nowNanos()
        try cursor.file.sync(with: syncer)
        lastSyncNanos = ConditionLock.nowNanos() - syncStart
        counters.groupCommitted(records: run.count, syncNanos: lastSyncNanos)
        publishedRecords += run.count
        let interval = configuration.indexIntervalBytes
        let entries = partition.state.withLock { state in
            let last = state.segments.count - 1
            return run.compactMap { record in
                state.segments[last].recordAppended(at: record.position, frameBytes: record.frameBytes,
                                                    enqueuedTime: lastEnqueuedTime, indexIntervalBytes: interval)
            }
        }
        cursor.position += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
        run.removeAll(keepingCapacity: true)
        writeIndex(entries)
    }

    /// Index entries go to the file after their records are durable and are synced only at the
    /// seal. The in-memory index is what readers use; the file only spares a scan at the next
    /// open and is checked then, so a failed index write is not an append failure.
    private func writeIndex(_ entries: [IndexEntry]) {
        guard !entries.isEmpty else { return }
        let bytes = entries.flatMap(SegmentIndex.encode)
        try? indexFile.write(bytes, at: Int64(indexEntriesWritten * IndexEntry.bytes))
        indexEntriesWritten += entries.count
    }

    /// Seals the active segment (an index entry for its last record, index synced) and starts
    /// the next one at the cursor.
    private func roll() throws(EventLogError) {
        let seal = partition.state.withLock { state in state.segments[state.segments.count - 1].sealEntry() }
        writeIndex(seal.map { [$0] } ?? [])
        _ = syncer.syncData(fileDescriptor: indexFile.descriptor)
        let header = SegmentHeader(baseOffset: cursorOffset(of: cursor.position),
                                   baseSequenceNumber: cursor.nextSequenceNumber, partition: partition.id)
        let (segment, index) = try SegmentCreation.create(header, in: partition.directory, syncer: syncer)
        partition.state.withLock { $0.segments.append(segment) }
        cursor = Cursor(file: segment.file, header: header, position: segment.endPosition,
                        nextSequenceNumber: header.baseSequenceNumber)
        indexFile = index
        indexEntriesWritten = 0
    }
}
