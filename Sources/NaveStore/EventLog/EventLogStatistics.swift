import Synchronization

/// How group commit is doing, summed over the log's partitions since it was opened.
public struct EventLogStatistics: Sendable, Equatable {
    /// Batches written and made durable, one fdatasync each (segment creation and seal syncs
    /// are not counted).
    public var groupCommits: Int
    /// Records those batches held.
    public var recordsCommitted: Int
    /// The most records one group commit covered.
    public var largestGroupCommitRecords: Int
    /// Records refused because the disk was full (`EventLogError.storageFull`).
    public var recordsRefusedForSpace: Int

    /// Records one fdatasync covered on average (PERF.md G6b wants ≥ 20 under load).
    public var recordsPerGroupCommit: Double {
        groupCommits == 0 ? 0 : Double(recordsCommitted) / Double(groupCommits)
    }
}

/// The counters behind `EventLogStatistics`, updated by the writer threads.
final class EventLogCounters: Sendable {
    private let groupCommits = Atomic<Int>(0)
    private let recordsCommitted = Atomic<Int>(0)
    private let largestGroupCommit = Atomic<Int>(0)
    private let refusedForSpace = Atomic<Int>(0)
    /// Group-commit sizes and fdatasync latencies. A lock taken once per commit (not per record)
    /// by one of the partitions' writers, and by a scrape.
    private let histograms = Mutex((records: EventLogHistogram.groupCommitRecords, fsync: EventLogHistogram.fsyncSeconds))

    func groupCommitted(records: Int, syncNanos: UInt64) {
        groupCommits.add(1, ordering: .relaxed)
        recordsCommitted.add(records, ordering: .relaxed)
        largestGroupCommit.max(records, ordering: .relaxed)
        histograms.withLock {
            $0.records.observe(Double(records))
            $0.fsync.observe(Double(syncNanos) / 1e9)
        }
    }

    /// Copies of both histograms.
    var histogramSnapshot: (groupCommitRecords: EventLogHistogram, fsyncSeconds: EventLogHistogram) {
        histograms.withLock { ($0.records, $0.fsync) }
    }

    func refusedForSpace(records: Int) {
        refusedForSpace.add(records, ordering: .relaxed)
    }

    var snapshot: EventLogStatistics {
        EventLogStatistics(groupCommits: groupCommits.load(ordering: .relaxed),
                           recordsCommitted: recordsCommitted.load(ordering: .relaxed),
                           largestGroupCommitRecords: largestGroupCommit.load(ordering: .relaxed),
                           recordsRefusedForSpace: refusedForSpace.load(ordering: .relaxed))
    }
}
