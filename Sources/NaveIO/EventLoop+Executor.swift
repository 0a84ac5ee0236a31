/// The loop as the executor of the actors pinned to it.
extension EventLoop: SerialExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        enqueueWork(.job(UnownedJob(job)))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets `assumeIsolated` succeed for a loop-bound actor when called on this loop's thread.
    public func checkIsolated() {
        precondition(inLoop, "expected to run on event loop \(index)")
    }

    public func isSameExclusiveExecutionContext(other: EventLoop) -> Bool { other === self }

    /// The executor to return from a loop-bound actor's `unownedExecutor`.
    public var executor: UnownedSerialExecutor { asUnownedSerialExecutor() }

    /// A task executor that runs tasks on this loop's thread, for
    /// `Task(executorPreference: loop.taskExecutor)`.
    public var taskExecutor: any TaskExecutor { taskExecutorObject }

    /// Runs `body` isolated to `actor`, synchronously, on this loop's thread, without the
    /// runtime's executor check: for completions and hand-offs that already are on the actor's
    /// loop (checked in debug builds). `assumeIsolated` costs 150–390 ns per call here.
    ///
    /// `body` should capture nothing — pass what it needs as `argument`: a capture-free closure
    /// has no context, so the call allocates nothing, while a capturing one is copied to the
    /// heap. Inlinable, so it is specialised where it is called: through the unspecialised
    /// generic entry point a closure is reabstracted by a thunk, one allocation per call
    /// (`Actor.completion-hop-into-loop-actor` measured both).
    @inlinable @inline(__always)
    public func runIsolated<A: Actor, T, R>(_ actor: A, _ argument: T, _ body: @escaping (isolated A, T) -> R) -> R {
        assertInLoop()
        return unsafeBitCast(body, to: ((A, T) -> R).self)(actor, argument)
    }

    /// `runIsolated(_:_:_:)` for a body that needs nothing but the actor.
    @inlinable @inline(__always)
    public func runIsolated<A: Actor, R>(_ actor: A, _ body: @escaping (isolated A) -> R) -> R {
        assertInLoop()
        return unsafeBitCast(body, to: ((A) -> R).self)(actor)
    }
}

/// The task-executor face of a loop. A separate object because `SerialExecutor` and
/// `TaskExecutor` share `enqueue(_:)`, and the loop must tell the two kinds of job apart.
final class LoopTaskExecutor: TaskExecutor, @unchecked Sendable {  // @unchecked: one immutable field; the loop owns this object
    unowned(unsafe) let loop: EventLoop

    init(loop: EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        loop.enqueueWork(.taskJob(UnownedJob(job)))
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
