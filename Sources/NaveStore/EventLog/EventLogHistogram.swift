/// A fixed-bucket histogram of what the event log's writers observe once per group commit
/// (records in the commit, seconds its fdatasync took): issue #16's `nave_event_log_*`
/// histograms. Written by a writer thread once per commit, copied whole at scrape time.
public struct EventLogHistogram: Sendable, Equatable {
    /// Inclusive upper bounds, ascending; an implicit +Inf bucket follows.
    public let upperBounds: [Double]
    /// Observations per bucket (not cumulative); one more than `upperBounds` (+Inf last).
    public private(set) var counts: [Int]
    public private(set) var sum: Double = 0

    public init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        counts = Array(repeating: 0, count: upperBounds.count + 1)
    }

    public var count: Int { counts.reduce(0, +) }

    mutating func observe(_ value: Double) {
        var index = 0
        while index < upperBounds.count, value > upperBounds[index] { index += 1 }
        counts[index] += 1
        sum += value
    }

    /// fdatasync latency: 50 µs to 1 s.
    static let fsyncSeconds = EventLogHistogram(upperBounds: [0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005,
                                                              0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1])
    /// Records per group commit: 1 to 4096.
    static let groupCommitRecords = EventLogHistogram(upperBounds: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
}
