import NaveModel
/// The event log's limits. Every one has its unit in its name; `validate()` checks them against
/// each other and the on-disk format before anything is opened.
public struct EventLogConfiguration: Sendable, Equatable {
    /// Partitions of the built-in events endpoint: IoT Hub allows 2–128, default 4 (contract §8).
    /// The log accepts 1 for tests. Fixed when the log is created.
    public var partitionCount = 4
    /// A segment is rolled before it would grow past this. At most 2³²−1: index entries hold
    /// positions as u32. Retention deletes whole segments, so this is also its granularity.
    public var segmentBytesMax = 128 << 20
    /// Largest record payload: IoT Hub's 256 KiB telemetry body (contract §8) plus 64 KiB for
    /// ids and properties.
    public var recordBytesMax = 320 << 10
    /// A sparse index entry is written after about this many bytes of log.
    public var indexIntervalBytes = 4 << 10
    /// One write and fdatasync covers at most this many records (more only when one append
    /// carries more).
    public var groupCommitRecordsMax = 1024
    /// The longest the writer lingers after the first queued record, while fewer are queued than
    /// its previous batch held (see `AppendQueue`), before it writes. Bounds what group commit
    /// adds to an append's latency (PERF.md G6b: ≤ 1 ms at p99); 0 is plain group commit.
    public var groupCommitDelayMicros = 1000
    /// Bytes queued for one partition's writer. An append that would go beyond it waits
    /// (first come, first served) until the writer takes a batch.
    public var pendingAppendBytesMax = 8 << 20
    /// Segments whose last event is older than this are deleted: default 1 day, at most 7
    /// (Event Hub retention, contract §8).
    public var retentionMillis: Int64 = 86_400_000
    /// Per partition: the oldest segments are deleted while the partition is over this. Checked
    /// when a segment rolls, so the partition may exceed it by up to one (active) segment.
    public var retentionBytesMax: Int64 = 16 << 30
    /// How often each partition's writer checks retention when it is not rolling segments.
    public var retentionCheckIntervalMillis: Int64 = 60_000

    public init() {}

    static let partitionCountRange = 1...128
    static let retentionMillisMax: Int64 = 7 * 86_400_000

    /// Throws `EventLogError.invalidConfiguration` naming the first limit that is out of range.
    public func validate() throws(EventLogError) {
        func require(_ condition: Bool, _ reason: String) throws(EventLogError) {
            if !condition { throw .invalidConfiguration(reason) }
        }
        let largestFrame = EventFrame.frameBytes(payloadBytes: recordBytesMax)
        try require(Self.partitionCountRange.contains(partitionCount), "partitionCount \(partitionCount) not in 1…128")
        try require(recordBytesMax >= EventRecordCodec.minimumPayloadBytes, "recordBytesMax below the smallest record")
        try require(segmentBytesMax <= Int(UInt32.max), "segmentBytesMax over 2^32-1")
        try require(segmentBytesMax >= SegmentHeader.bytes + largestFrame,
                    "segmentBytesMax must hold a header and one record of recordBytesMax")
        try require(indexIntervalBytes >= 1, "indexIntervalBytes must be positive")
        try require(groupCommitRecordsMax >= 1, "groupCommitRecordsMax must be positive")
        try require((0...100_000).contains(groupCommitDelayMicros), "groupCommitDelayMicros not in 0…100000")
        try require(pendingAppendBytesMax >= largestFrame, "pendingAppendBytesMax must hold one record of recordBytesMax")
        try require(retentionMillis >= 1 && retentionMillis <= Self.retentionMillisMax, "retentionMillis not in 1 ms…7 days")
        try require(retentionBytesMax >= Int64(segmentBytesMax), "retentionBytesMax below segmentBytesMax")
        try require(retentionCheckIntervalMillis >= 1, "retentionCheckIntervalMillis must be positive")
    }
}
