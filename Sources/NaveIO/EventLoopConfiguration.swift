import NaveLimits

/// Every limit of the engine, with its unit in its name. `Tuning/reference.yaml` lists each key
/// with its default and range; `validate()` checks them against each other at start.
public struct EventLoopConfiguration: Sendable {
    public enum BackendChoice: String, Sendable {
        /// io_uring, falling back to epoll when the kernel refuses it (seccomp,
        /// `kernel.io_uring_disabled`); the choice is logged.
        case automatic
        case ioUring = "io_uring"
        case epoll
    }

    /// Loop threads, one io_uring ring each. Default: one per core.
    public var loopCount: Int
    public var backend: BackendChoice = .automatic
    /// Pin loop `i` to CPU `i % cores` (off by default: benchmarks pin, shared hosts should not).
    public var pinThreadsToCPUs = false
    /// io_uring submission queue entries per loop (completion queue is 4×).
    public var submissionQueueEntries = 4096
    /// Provided receive buffers per loop, shared by all its connections (io_uring).
    public var receiveBufferCount = 1024
    /// io_uring only (Linux 6.12+): when a loop waits, the kernel holds the wakeup until
    /// `batchWaitCompletions` completions are ready or this many microseconds have passed with
    /// at least one. Fewer wakeups at moderate load (one per message otherwise), for at most
    /// this much added latency. 0: wake at the first completion.
    public var batchWaitMicros = 0
    /// Completions that end a batched wait early (see `batchWaitMicros`).
    public var batchWaitCompletions = 16
    /// Size of one provided receive buffer (io_uring) and of the loop's read buffer (epoll).
    public var receiveBufferBytes = 16 * 1024
    /// Size of a pooled send chunk, its small header included (keep it a power of two); larger
    /// writes get a chunk of their own size.
    public var sendChunkBytes = 16 * 1024
    /// Send chunks kept for reuse per loop; beyond this they go back to the allocator.
    public var cachedSendChunksMax = 4096
    /// Queued outbound bytes above which the engine stops reading the connection.
    public var outboundHighWaterBytes = 256 * 1024
    /// Queued outbound bytes below which reading resumes after the high-water mark.
    public var outboundLowWaterBytes = 64 * 1024
    /// Queued outbound bytes above which the connection is closed (`outboundLimitExceeded`).
    public var outboundBytesMax = 4 * 1024 * 1024
    /// How long `close()` waits for queued bytes to be sent before it resets the connection: a
    /// peer that never reads would otherwise keep its socket and queued chunks for ever.
    public var closeFlushTimeoutMillis = 5000
    /// listen(2) backlog; the kernel caps it at net.core.somaxconn.
    public var listenBacklog: Int32 = 4096
    /// Timing-wheel resolution and size (the wheel spans tick × slots before wrapping).
    public var timerTickNanos: Int64 = 1_000_000
    public var timerSlotCount = 4096
    /// Cross-thread work items a loop's inbox holds before spilling to its locked overflow list.
    public var inboxCapacity = 16 * 1024
    /// Jobs run per loop turn before completions are looked at again (fairness).
    public var jobsPerTurnMax = 4096
    /// The monotonic clock every loop's turns, timers and deadlines read, and the adapters above
    /// through them (keep-alive, request timeouts). Not a tuning key: tests put a
    /// `ManualLoopClock` here to run a whole node on time they move by hand.
    public var clock: any LoopClock = SystemLoopClock()

    public init(loopCount: Int = EventLoopConfiguration.coreCount) {
        self.loopCount = loopCount
    }

    /// The number of CPUs this process may run on.
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Checks every limit and their relations; throws with the first violation.
    public func validate() throws(ConfigurationInvalid) {
        let rules = ConfigurationRules(of: "event loop configuration")
        try rules.require((1...256).contains(loopCount), "loopCount must be 1...256 (is \(loopCount))")
        try rules.require((8...32768).contains(submissionQueueEntries), "submissionQueueEntries must be 8...32768")
        try rules.require((0...10_000).contains(batchWaitMicros), "batchWaitMicros must be 0...10000")
        try rules.require((1...4096).contains(batchWaitCompletions), "batchWaitCompletions must be 1...4096")
        try rules.require(receiveBufferCount >= 1 && receiveBufferCount <= 32768 && receiveBufferCount & (receiveBufferCount - 1) == 0,
                    "receiveBufferCount must be a power of two in 1...32768")
        try rules.require((512...(1 << 20)).contains(receiveBufferBytes), "receiveBufferBytes must be 512...1 MiB")
        try rules.require((512...(1 << 22)).contains(sendChunkBytes), "sendChunkBytes must be 512...4 MiB")
        try rules.require(outboundLowWaterBytes < outboundHighWaterBytes, "outboundLowWaterBytes must be below outboundHighWaterBytes")
        try rules.require(outboundHighWaterBytes <= outboundBytesMax, "outboundHighWaterBytes must not exceed outboundBytesMax")
        try rules.require((1...600_000).contains(closeFlushTimeoutMillis), "closeFlushTimeoutMillis must be 1...600000")
        try rules.require(listenBacklog >= 1, "listenBacklog must be positive")
        try rules.require(timerTickNanos >= 100_000, "timerTickNanos must be at least 100 µs")
        try rules.require(timerSlotCount >= 16 && timerSlotCount & (timerSlotCount - 1) == 0, "timerSlotCount must be a power of two ≥ 16")
        try rules.require(inboxCapacity >= 16, "inboxCapacity must be at least 16")
        try rules.require(jobsPerTurnMax >= 1, "jobsPerTurnMax must be positive")
    }
}

import Glibc
