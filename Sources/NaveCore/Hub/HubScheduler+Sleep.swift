import Synchronization

extension HubScheduler {
    /// Suspends for `millis` of this scheduler's time, or until the task is cancelled: waits in
    /// the hub (long polls) run on the injected scheduler, so a manual one drives them in tests.
    public func sleep(millis: Int64) async {
        let sleep = SchedulerSleep()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in sleep.start(continuation, on: self, millis: millis) }
        } onCancel: {
            sleep.cancel()
        }
    }
}

/// One `sleep`: resumed exactly once, by the scheduled action or by cancellation, whichever
/// comes first (cancellation may even come before the sleep started).
private final class SchedulerSleep: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Void, Never>?
        var action: ScheduledAction?
        var cancelled = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<Void, Never>, on scheduler: some HubScheduler, millis: Int64) {
        let cancelled = state.withLock { state in
            if !state.cancelled { state.continuation = continuation }
            return state.cancelled
        }
        if cancelled { return continuation.resume() }
        let action = scheduler.schedule(afterMillis: millis) { self.finish() }
        state.withLock { $0.action = action }
    }

    func cancel() {
        let action = state.withLock { state in
            state.cancelled = true
            return state.action
        }
        action?.cancel()
        finish()
    }

    private func finish() {
        let continuation = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume()
    }
}
