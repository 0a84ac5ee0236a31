import NaveModel
import Synchronization

/// One `append` call's wait: resumed (or its callback called) once every partition its events
/// went to has made them durable, or as soon as one fails. A call whose events span partitions is split into one
/// `PendingAppend` per partition; each reports the positions of its events at their places in
/// the caller's array.
final class AppendCompletion: Sendable {
    private struct State {
        /// Positions gathered from the parts; empty for a call that went to one partition, whose
        /// part's positions are the answer as they are (no array of optionals per telemetry
        /// message, no second array mapped from it).
        var positions: [EventPosition?]
        var partsLeft: Int
        var waiter: Waiter?
    }

    /// Who hears the outcome: a suspended `append` or a caller's callback (the telemetry path:
    /// no task, no continuation per message).
    enum Waiter {
        case continuation(CheckedContinuation<[EventPosition], any Error>)
        case callback(@Sendable (Result<[EventPosition], any Error>) -> Void)

        func resume(_ result: Result<[EventPosition], any Error>) {
            switch self {
            case .continuation(let continuation): continuation.resume(with: result)
            case .callback(let callback): callback(result)
            }
        }
    }

    private let state: Mutex<State>

    init(eventCount: Int, parts: Int, waiter: Waiter) {
        state = Mutex(State(positions: parts == 1 ? [] : Array(repeating: nil, count: eventCount), partsLeft: parts,
                            waiter: waiter))
    }

    /// One part is durable: `positions[i]` belongs at `indices[i]` (or at `i` without indices).
    func complete(indices: [Int]?, positions: [EventPosition]) {
        let finished: (Waiter, [EventPosition])? = state.withLock { state in
            if state.positions.isEmpty {
                // The only part: it holds every event in the call's order, whatever its indices say.
                state.partsLeft = 0
                defer { state.waiter = nil }
                return state.waiter.map { ($0, positions) }
            }
            for (number, position) in positions.enumerated() {
                state.positions[indices?[number] ?? number] = position
            }
            state.partsLeft -= 1
            guard state.partsLeft == 0, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.positions.map { $0! })
        }
        if let (waiter, positions) = finished { waiter.resume(.success(positions)) }
    }

    /// One part failed: the caller learns at once. Parts in other partitions may still be
    /// stored (the device resends; Event Hubs delivery is at least once).
    func fail(_ error: EventLogError) {
        let waiter = state.withLock { state in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(.failure(error))
    }
}

/// One partition's share of an append call, waiting for that partition's writer.
struct PendingAppend {
    var events: [EventData]
    /// Where each event sits in the caller's array; nil when the call went to one partition only.
    var indices: [Int]?
    /// Frame bytes of all `events`.
    var bytes: Int
    var completion: AppendCompletion
    /// Monotonic nanoseconds at enqueue, for the linger deadline.
    var enqueuedAtNanos: UInt64 = 0
}
