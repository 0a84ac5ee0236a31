import NaveModel

/// The bounds of scheduled jobs, with their units in their names (STYLE habit 4); `jobs.*` in
/// `Tuning/reference.yaml`.
///
/// The rate bound is per job: a job starts at most `deviceOperationsPerSecondMax` device
/// operations (twin patches or method calls) per second and has at most
/// `deviceOperationsInFlightMax` of them unfinished at once, so a job over 10,000 devices runs
/// beside devices' own traffic instead of in front of it (issue #14). IoT Hub's own bound is
/// 10 device operations per second per S1 unit (reference §3.3 step 8); Nave's default is higher
/// because it serves one machine's devices, not a tenant's share of a cluster.
public struct JobLimits: Sendable, Equatable {
    /// Device operations one job starts per second at most.
    public var deviceOperationsPerSecondMax = 200
    /// Device operations of one job unfinished at once at most (a method call waits up to its
    /// response timeout, so this also bounds the direct-method calls a job holds).
    public var deviceOperationsInFlightMax = 16
    /// Jobs scheduled, queued or running at once; one more is refused with 403001
    /// (IoT Hub: 1 to 10 by tier, §3.3 step 8, which Nave does not copy by default).
    public var activeJobsMax = 100
    /// Jobs kept in all, finished ones included; at it, a create first drops finished jobs past
    /// their retention, then is refused with 403001.
    public var jobsMax = 1_000
    /// Device job rows kept in all (one per device per job, in memory and in the store); a job
    /// whose targets would pass it fails to start (its `failureReason` says so).
    public var deviceJobRowsMax = 1_000_000
    /// How long a finished job stays listed, seconds (IoT Hub: 30 days, §3.3 step 7).
    public var finishedJobRetentionSeconds: Int64 = 2_592_000
    /// The pacing step, milliseconds: a job's budget is handed out in slices this long, so its
    /// operations are spread over each second rather than started in one burst.
    public var pacingSliceMillis: Int64 = 100

    public init() {}

    /// Why these limits cannot be used, or nil when they can.
    public var invalidReason: String? {
        if !(1...100_000).contains(deviceOperationsPerSecondMax) { return "jobs.deviceOperationsPerSecondMax must be 1...100000" }
        if !(1...10_000).contains(deviceOperationsInFlightMax) { return "jobs.deviceOperationsInFlightMax must be 1...10000" }
        if !(1...10_000).contains(activeJobsMax) { return "jobs.activeJobsMax must be 1...10000" }
        if !(1...100_000).contains(jobsMax) { return "jobs.jobsMax must be 1...100000" }
        if !(1...100_000_000).contains(deviceJobRowsMax) { return "jobs.deviceJobRowsMax must be 1...100000000" }
        if !(60...31_536_000).contains(finishedJobRetentionSeconds) { return "jobs.finishedJobRetentionSeconds must be 60...31536000" }
        if !(10...1_000).contains(pacingSliceMillis) { return "jobs.pacingSliceMillis must be 10...1000" }
        return nil
    }
}

/// The rate bound of one job as a budget handed out per slice (`JobLimits.pacingSliceMillis`):
/// each slice adds `perSecond × slice` milli-operations, one operation costs 1000, and unused
/// budget never grows past one slice's worth (or one operation), so an idle stretch cannot be
/// spent later as a burst. Over any run of whole slices the job starts at most
/// `perSecond × elapsed` operations, plus the one slice it starts with.
public struct JobPacer: Sendable, Equatable {
    public let operationsPerSecond: Int
    public let sliceMillis: Int64
    /// Milli-operations available now.
    public private(set) var creditMilli: Int64

    public init(operationsPerSecond: Int, sliceMillis: Int64) {
        self.operationsPerSecond = operationsPerSecond
        self.sliceMillis = sliceMillis
        creditMilli = Self.capMilli(operationsPerSecond, sliceMillis)
    }

    /// Takes one operation's budget; false when the slice's budget is spent.
    public mutating func take() -> Bool {
        guard creditMilli >= 1000 else { return false }
        creditMilli -= 1000
        return true
    }

    /// One slice has passed.
    public mutating func refill() {
        creditMilli = min(creditMilli + Int64(operationsPerSecond) * sliceMillis, Self.capMilli(operationsPerSecond, sliceMillis))
    }

    private static func capMilli(_ perSecond: Int, _ slice: Int64) -> Int64 { max(Int64(perSecond) * slice, 1000) }
}
