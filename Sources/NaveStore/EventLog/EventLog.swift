import Glibc
import NaveModel
import Synchronization

/// A hub's built-in events endpoint storage: a durable, partitioned, append-only log under
/// `<directory>/events/`, with `p<N>/` per partition (`EventPartition`) and `eventlog.json`.
///
/// Appends return only once their events are on disk (group commit: one fdatasync per batch per
/// partition), so "acknowledged ⇒ durable" holds for whoever acknowledges after `append`.
/// Readers (the Event Hub-compatible endpoint, `nave monitor-events`) see only durable events,
/// seek by offset, sequence number or time, and follow a partition without polling.
public final class EventLog: Sendable {
    /// The data directory; the log lives in its `events/` folder.
    public let directory: String
    public let configuration: EventLogConfiguration
    /// When the log was first created (Event Hubs' `created_at`).
    public let createdAt: Timestamp
    /// Indexed by partition id.
    public let partitions: [EventPartition]
    private let writers: [PartitionWriter]
    private let counters = EventLogCounters()
    /// Holds an exclusive `flock` on `events/.lock` while the log is open.
    private let lockFile: LogFile
    private let closed = Atomic<Bool>(false)

    /// Opens the log in `directory`, creating it on first use, and recovers every partition
    /// (see `PartitionRecovery`). `clock` stamps enqueued times and drives time retention;
    /// `syncer` makes writes durable (`fdatasync`; tests pass a counting one).
    public init(directory: String, configuration: EventLogConfiguration = EventLogConfiguration(),
                clock: @escaping @Sendable () -> Timestamp,
                syncer: any EventFileSyncer = FDataSyncer()) throws(EventLogError) {
        try configuration.validate()
        let root = directory + "/events"
        try LogDirectory.create(root)
        try LogDirectory.sync(directory) // `events/` itself survives a crash once anything is acknowledged
        lockFile = try LogFile.open(root + "/.lock", create: true)
        guard flock(lockFile.descriptor, LOCK_EX | LOCK_NB) == 0 else { throw .locked(path: root) }
        let existing = try EventLogMetadata.read(in: root, partitionCount: configuration.partitionCount)
        var partitions: [EventPartition] = []
        for id in 0..<configuration.partitionCount {
            let folder = root + "/p\(id)"
            let segments = try PartitionRecovery(partition: id, directory: folder, configuration: configuration,
                                                 syncer: syncer).recover()
            partitions.append(EventPartition(id: id, directory: folder, configuration: configuration, segments: segments))
        }
        var writers: [PartitionWriter] = []
        for partition in partitions {
            writers.append(try PartitionWriter(partition: partition, syncer: syncer, clock: clock, counters: counters))
        }
        let metadata = existing ?? EventLogMetadata(partitionCount: configuration.partitionCount,
                                                    createdAtMillis: clock().millisecondsSinceEpoch)
        if existing == nil { try metadata.write(in: root) }
        try LogDirectory.sync(root)
        self.directory = directory
        self.configuration = configuration
        self.createdAt = Timestamp(millisecondsSinceEpoch: metadata.createdAtMillis)
        self.partitions = partitions
        self.writers = writers
        for writer in writers { writer.start() }
    }

    deinit {
        // Without close(): let the writers finish what is queued and exit.
        for partition in partitions { partition.queue.stop() }
    }

    public var partitionCount: Int { partitions.count }

    /// The partition `deviceID`'s events go to (`EventPartitioner`).
    public func partition(forDeviceID deviceID: String) -> Int {
        EventPartitioner.partition(forDeviceID: deviceID, partitionCount: partitions.count)
    }

    /// The partition with id `id`.
    public func partition(_ id: Int) throws(EventLogError) -> EventPartition {
        guard partitions.indices.contains(id) else {
            throw .partitionOutOfRange(partition: id, partitionCount: partitions.count)
        }
        return partitions[id]
    }

    /// Up to `maxCount` durable records of partition `partition` from `start` on.
    public func read(partition: Int, from start: EventStartPosition, maxCount: Int) throws(EventLogError) -> [EventRecord] {
        try self.partition(partition).read(from: start, maxCount: maxCount)
    }

    /// Partition properties for Event Hubs' `$management` query.
    public func info(partition: Int) throws(EventLogError) -> EventPartitionInfo {
        try self.partition(partition).info
    }

    /// Returns once `partition` holds a record after sequence number `after`.
    public func waitForAppend(partition: Int, after sequenceNumber: Int64) async throws {
        try await self.partition(partition).waitForAppend(after: sequenceNumber)
    }

    /// Follows `partition` from `start` (see `EventPartition.tail`).
    public func tail(partition: Int, from start: EventStartPosition) throws(EventLogError) -> EventTail {
        try self.partition(partition).tail(from: start)
    }

    /// Group commit counters since the log was opened.
    public var statistics: EventLogStatistics { counters.snapshot }
    /// Records per group commit and fdatasync seconds, since the log opened (`/metrics`).
    public var histograms: (groupCommitRecords: EventLogHistogram, fsyncSeconds: EventLogHistogram) { counters.histogramSnapshot }

    /// Bytes queued for `partition`'s writer and not yet taken into a batch.
    public func pendingAppendBytes(partition: Int) throws(EventLogError) -> Int {
        try self.partition(partition).queue.pendingBytes
    }

    /// Refuses new appends, waits until everything already queued is durable and the writer
    /// threads have exited, then ends every tail and `waitForAppend` with `.closed`.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for partition in partitions { partition.queue.stop() }
        for writer in writers { await writer.waitUntilExited() }
        for partition in partitions { partition.markClosed() }
        // Files stay open for readers still holding records' segments; the folder is free now.
        flock(lockFile.descriptor, LOCK_UN)
    }
}
