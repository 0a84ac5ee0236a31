import CNaveURing
import Glibc
import Logging
import Synchronization

/// Work handed to a loop from any thread.
enum LoopWork {
    case job(UnownedJob)
    case taskJob(UnownedJob)
    case closure(@Sendable () -> Void)
    case drain(any MailboxDrainable)
}

/// One I/O thread with its own ring: accepts, receives, sends, runs timers and runs the jobs of
/// every actor whose executor it is.
///
/// A loop is a `SerialExecutor`: an actor that returns `loop.executor` as its `unownedExecutor`
/// runs on this thread, so the completions for its socket and its own methods share one thread
/// and never hop. Other threads reach it through a lock-free inbox and an eventfd wake-up that is
/// written only when the loop is about to sleep.
public final class EventLoop: @unchecked Sendable {  // @unchecked: loop-thread state, except inbox, overflow and sleeping, which are synchronised

    /// This loop's position in its group.
    public let index: Int
    let configuration: EventLoopConfiguration
    let logger: Logger
    var backend: (any IOBackend)!
    /// The backend this loop runs on (valid once the group has started).
    public private(set) var backendKind: IOBackendKind = .epoll

    private var thread = pthread_t()
    private let inbox: MPSCRing<LoopWork>
    private let overflow = Mutex<[LoopWork]>([])
    private let overflowCount = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private var localWork = WorkDeque()

    var timers: TimingWheel
    private var firedTimers: [TimingWheel.Action] = []
    let chunkPool: ChunkPool
    /// Resets connections whose close has waited too long to flush (`EventLoop+CloseFlush`).
    private(set) lazy var closeFlushDeadline = CloseFlushDeadline(loop: self)
    var connections: [Connection?] = []
    var generations: [UInt32] = []
    var freeSlots: [Int32] = []
    var listeners: [Listener?] = []
    var flushQueue: [Connection] = []
    var liveConnectionCount = 0
    /// Loop-local counters (`LoopCounters`): accepts per port, `count(_:by:)` series.
    var counters = LoopCounters()
    var tlsHandshakesFull = 0
    var tlsHandshakesResumed = 0
    /// Monotonic time of the current turn, read from the loop's clock when the turn began.
    public private(set) var nowNanos: Int64
    /// The injected clock, nil when it is the system's: the default path then reads
    /// CLOCK_MONOTONIC directly, with no call through the protocol in the turn (`readClockNanos`).
    private let injectedClock: (any LoopClock)?
    /// False on a clock moved by hand: the loop may not sleep until a timer's deadline, which
    /// only `advance` brings nearer; it waits for I/O or the clock's wake-up instead.
    private let clockPassesWhileAsleep: Bool

    enum RunState { case running, draining(deadlineNanos: Int64), stopping, stopped }
    var runState = RunState.running
    private var stopRequest: Int64?
    /// Set while the group keeps the loop running after its connections closed
    /// (`EventLoopGroup.closeConnections`): actors pinned here still have work to finish.
    let holdOpen = Atomic<Bool>(false)
    /// Set once the loop is stopping and its last connection is gone.
    let connectionsClosed = Atomic<Bool>(false)

    private(set) var taskExecutorObject: LoopTaskExecutor!
    /// Decrypted TLS records land here before the handler sees them (one record at most).
    lazy var tlsScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024 + 256, alignment: 16)
    /// Plaintext a handler encodes with `write(reserving:)` on a TLS connection, before it is
    /// encrypted. Separate from `tlsScratch`: handlers write while decrypted bytes are lent.
    /// Where `StreamFraming` builds frames before they enter the transport (reused).
    var framingScratch: [UInt8] = []
    lazy var tlsEncodeScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)

    init(index: Int, configuration: EventLoopConfiguration, logger: Logger) {
        self.index = index
        self.configuration = configuration
        self.logger = logger
        inbox = MPSCRing(capacity: configuration.inboxCapacity)
        injectedClock = configuration.clock is SystemLoopClock ? nil : configuration.clock
        clockPassesWhileAsleep = configuration.clock.passesWhileLoopsSleep
        nowNanos = injectedClock?.nowNanos() ?? monotonicNanos()
        timers = TimingWheel(tickNanos: configuration.timerTickNanos, slotCount: configuration.timerSlotCount,
                             nowNanos: nowNanos)
        chunkPool = ChunkPool(chunkBytes: configuration.sendChunkBytes,
                              cachedChunksMax: configuration.cachedSendChunksMax)
        flushQueue.reserveCapacity(1024)
        taskExecutorObject = LoopTaskExecutor(loop: self)
    }

    /// The monotonic clock this loop reads (`EventLoopConfiguration.clock`).
    public var clock: any LoopClock { configuration.clock }

    /// The loop's clock read now, later than `nowNanos` by however long this turn has run: for
    /// a deadline that must not start early by the age of the turn (an HTTP request's clock).
    /// Any thread may call it.
    @inline(__always)
    public func readClockNanos() -> Int64 {
        if let injectedClock { return injectedClock.nowNanos() }
        return monotonicNanos()
    }

    /// True on this loop's own thread.
    public var inLoop: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// Outbound bytes queued on this loop over all its connections (send chunks held, by
    /// capacity). Loop thread only. Lets a protocol above drop optional traffic (MQTT QoS 0)
    /// before the loop's memory grows with the number of slow readers.
    public var queuedOutboundBytes: Int {
        assertInLoop()
        return chunkPool.outstandingBytes
    }

    @inline(__always)
    @usableFromInline
    func assertInLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(inLoop, "EventLoop \(index) state touched off its thread", file: file, line: line)
    }

    /// The loop whose thread is calling, if any.
    public static var current: EventLoop? {
        guard let raw = pthread_getspecific(currentLoopKey) else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(raw).takeUnretainedValue()
    }

    // MARK: Thread

    /// Starts the thread and sets up the backend on it (rings are single-issuer: created on the
    /// thread that submits). Returns once the backend is ready or failed.
    func start(ready: @escaping @Sendable (Result<IOBackendKind, Error>) -> Void) {
        let context = Unmanaged.passRetained(StartContext(loop: self, ready: ready)).toOpaque()
        let created = pthread_create(&thread, nil, { raw in
            let context = Unmanaged<StartContext>.fromOpaque(raw!).takeRetainedValue()
            context.loop.threadMain(ready: context.ready)
            return nil
        }, context)
        precondition(created == 0, "pthread_create failed: \(Errno(created))")
    }

    private final class StartContext {
        let loop: EventLoop
        let ready: @Sendable (Result<IOBackendKind, Error>) -> Void
        init(loop: EventLoop, ready: @escaping @Sendable (Result<IOBackendKind, Error>) -> Void) {
            self.loop = loop
            self.ready = ready
        }
    }

    func join() { pthread_join(thread, nil) }

    private func threadMain(ready: @Sendable (Result<IOBackendKind, Error>) -> Void) {
        pthread_setspecific(currentLoopKey, Unmanaged.passUnretained(self).toOpaque())
        if configuration.pinThreadsToCPUs {
            _ = cnave_pin_thread_to_cpu(Int32(index % EventLoopConfiguration.coreCount))
        }
        do {
            backend = try makeBackend()
            backendKind = backend.kind
            ready(.success(backend.kind))
        } catch {
            ready(.failure(error))
            return
        }
        configuration.clock.loopStarted(self)
        run()
        configuration.clock.loopStopped(self)
        backend.tearDown()
        backend = nil
        runState = .stopped
    }

    private func makeBackend() throws -> any IOBackend {
        switch configuration.backend {
        case .epoll:
            return try EpollBackend(loop: self)
        case .ioUring:
            return try URingBackend(loop: self)
        case .automatic:
            do {
                return try URingBackend(loop: self)
            } catch {
                logger.warning("io_uring unavailable, using epoll", metadata: ["loop": "\(index)", "reason": "\(error)"])
                return try EpollBackend(loop: self)
            }
        }
    }

    // MARK: The turn

    /// Runs the timers due by `nowNanos` after the access to `timers` has ended, so a timer's
    /// action may schedule or cancel timers (a keep-alive re-arming itself). The buffer is
    /// reused across turns.
    private func runDueTimers() {
        var fired = firedTimers
        firedTimers = []
        timers.collectDue(toNanos: nowNanos, into: &fired)
        for action in fired { action.run() }
        fired.removeAll(keepingCapacity: true)
        firedTimers = fired
    }

    private func run() {
        while true {
            nowNanos = readClockNanos()
            runWork()
            runDueTimers()
            if let request = takeStopRequest() { beginDraining(gracePeriodNanos: request) }
            if case .draining = runState { continueDraining() }
            if case .stopping = runState, liveConnectionCount == 0, connections.allSatisfy({ $0 == nil }) {
                connectionsClosed.store(true, ordering: .releasing)
                if !holdOpen.load(ordering: .acquiring) {
                    runWork()
                    backend.poll(timeoutNanos: 0) // submit the last closes
                    return
                }
            }
            flushDirtyConnections()
            backend.poll(timeoutNanos: waitBudget())
            sleeping.store(false, ordering: .relaxed)
        }
    }

    /// How long the next poll may block: not at all when work is queued, up to the next timer
    /// otherwise — or, on a clock moved by hand, until I/O or the clock's wake-up, as no real
    /// wait brings its deadlines nearer. Announces sleep first so producers know to write the
    /// eventfd (the fence pairs with the one in `enqueueWork`).
    private func waitBudget() -> Int64? {
        if !localWork.isEmpty { return 0 }
        sleeping.store(true, ordering: .sequentiallyConsistent)
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if inbox.hasPublishedElement || overflowCount.load(ordering: .relaxed) > 0 {
            sleeping.store(false, ordering: .relaxed)
            return 0
        }
        if case .running = runState {
            guard let deadline = timers.nextDeadlineNanos() else { return nil }
            let remaining = max(0, deadline - readClockNanos())
            return remaining == 0 || clockPassesWhileAsleep ? remaining : nil
        }
        return 1_000_000 // draining or stopping: look again every millisecond
    }

    private func runWork() {
        var budget = configuration.jobsPerTurnMax
        while budget > 0 {
            guard let work = localWork.popFirst() ?? inbox.pop() ?? takeOverflow() else { return }
            budget -= 1
            switch work {
            case .job(let job): job.runSynchronously(on: asUnownedSerialExecutor())
            case .taskJob(let job): job.runSynchronously(on: taskExecutorObject.asUnownedTaskExecutor())
            case .closure(let body): body()
            case .drain(let mailbox): mailbox.drain()
            }
        }
    }

    private func takeOverflow() -> LoopWork? {
        guard overflowCount.load(ordering: .relaxed) > 0 else { return nil }
        let spilled = overflow.withLock { items -> [LoopWork] in
            defer { items.removeAll() }
            return items
        }
        overflowCount.subtract(spilled.count, ordering: .relaxed)
        for item in spilled { localWork.append(item) }
        return localWork.popFirst()
    }

    /// Queues work from any thread and wakes the loop if it sleeps.
    func enqueueWork(_ work: consuming LoopWork) {
        if inLoop {
            localWork.append(work)
            return
        }
        if let refused = inbox.tryPush(work) {
            overflow.withLock { $0.append(refused) }
            overflowCount.add(1, ordering: .relaxed)
        }
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .relaxed), sleeping.compareExchange(expected: true, desired: false, ordering: .relaxed).exchanged {
            var one: UInt64 = 1
            _ = Glibc.write(backend.wakeFD, &one, 8)
        }
    }

    /// Runs `body` on the loop thread (inline when already there, after the current turn's work
    /// otherwise).
    public func execute(_ body: @escaping @Sendable () -> Void) {
        enqueueWork(.closure(body))
    }

    // MARK: Shutdown

    /// A pending stop request's grace period, or -1 (an atomic: read every turn, so no lock).
    private let stopFlag = Atomic<Int64>(-1)

    /// Asks the loop to stop: close listeners, give connections `gracePeriodNanos` to drain their
    /// queued output, close them, then exit the thread.
    func requestStop(gracePeriodNanos: Int64) {
        stopFlag.store(max(0, gracePeriodNanos), ordering: .releasing)
        execute {}
    }

    private func takeStopRequest() -> Int64? {
        guard stopFlag.load(ordering: .relaxed) >= 0 else { return nil }
        let request = stopFlag.exchange(-1, ordering: .acquiring)
        return request >= 0 ? request : nil
    }
}

/// A small FIFO for work the loop queues to itself (no atomics needed).
struct WorkDeque {
    private var items: [LoopWork?] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    mutating func append(_ work: consuming LoopWork) { items.append(work) }

    mutating func popFirst() -> LoopWork? {
        guard head < items.count else { return nil }
        let work = items[head].take()
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return work
    }
}

/// The key of the thread-local "current loop".
let currentLoopKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()
