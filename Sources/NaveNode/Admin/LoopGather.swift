import NaveIO
import Synchronization

/// Hops onto every loop, reads something there and hands back what each loop returned: how a
/// scrape sums loop-local counters (issue #16) without any lock or atomic on the loops' side.
/// A loop that has not answered within `timeout` (stopped, or stuck in a long turn) makes the
/// whole gather nil; the awaiting task is then resumed by a timer on `timerLoop`, so it never
/// waits on a loop that will not run again.
enum LoopGather {
    static func gather<Value: Sendable>(_ loops: [EventLoop], timeout: Duration, timerLoop: EventLoop,
                                        read: @escaping @Sendable (EventLoop) -> Value) async -> [Value]? {
        guard !loops.isEmpty else { return [] }
        let state = GatherState<Value>(count: loops.count)
        return await withCheckedContinuation { continuation in
            state.begin(continuation)
            for (index, loop) in loops.enumerated() {
                loop.execute { state.deliver(read(loop), at: index) }
            }
            timerLoop.execute { _ = timerLoop.schedule(after: timeout) { state.expire() } }
        }
    }

    /// `work`'s value, or nil when it did not finish within `timeout`: for reads that hop onto
    /// actors living on the loops (the hub's shards), which a stopped loop would never run.
    static func within<Value: Sendable>(_ timeout: Duration, timerLoop: EventLoop,
                                        _ work: @escaping @Sendable () async -> Value) async -> Value? {
        let state = GatherState<Value>(count: 1)
        let values = await withCheckedContinuation { continuation in
            state.begin(continuation)
            Task { state.deliver(await work(), at: 0) }
            timerLoop.execute { _ = timerLoop.schedule(after: timeout) { state.expire() } }
        }
        return values?.first
    }
}

/// One gather's answers so far; whichever of the last answer and the timer comes first resumes
/// the waiting task, the other finds nothing left to do.
private final class GatherState<Value: Sendable>: Sendable {
    private struct Pending {
        var values: [Value?]
        var remaining: Int
        var continuation: CheckedContinuation<[Value]?, Never>?
    }

    private let pending: Mutex<Pending>

    init(count: Int) {
        pending = Mutex(Pending(values: Array(repeating: nil, count: count), remaining: count, continuation: nil))
    }

    func begin(_ continuation: CheckedContinuation<[Value]?, Never>) {
        pending.withLock { $0.continuation = continuation }
    }

    func deliver(_ value: Value, at index: Int) {
        let finished: (CheckedContinuation<[Value]?, Never>, [Value])? = pending.withLock { state in
            guard state.continuation != nil, state.values[index] == nil else { return nil }
            state.values[index] = value
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.values.map { $0! })
        }
        if let (continuation, values) = finished { continuation.resume(returning: values) }
    }

    func expire() {
        let continuation = pending.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: nil)
    }
}
