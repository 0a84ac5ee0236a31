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

    /// Runs `body` isolated to `actor`, synchronously, without the runtime's executor check.
    /// Only for the engine's own completion paths, which already know they are on the actor's
    /// loop (checked in debug builds); `assumeIsolated` costs 150–390 ns per call here.
    @inline(__always)
    public func runIsolated<A: Actor, R>(_ actor: A, _ body: (isolated A) -> R) -> R {
        assertInLoop()
        return withoutActuallyEscaping(body) { escapable in
            unsafeBitCast(escapable, to: ((A) -> R).self)(actor)
        }
    }
}

/// The task-executor face of a loop. A separate object because `SerialExecutor` and
/// `TaskExecutor` share `enqueue(_:)`, and the loop must tell the two kinds of job apart.
final class LoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    unowned(unsafe) let loop: EventLoop

    init(loop: EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        loop.enqueueWork(.taskJob(UnownedJob(job)))
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
