import Synchronization

/// The queue behind a group-committing store writer (`CloudToDeviceStoreWriter`, the SQLite twin
/// writer): items posted while a write runs wait for the next one, so a burst costs one
/// transaction and one sync instead of one each. One drainer at a time: `post` tells the caller
/// when to start it, and `nextBatch` hands it the pending items, oldest first, until none is
/// left.
public final class WriteBatchQueue<Element: Sendable>: Sendable {
    private struct State {
        var pending: [Element] = []
        var writing = false
    }

    private let state = Mutex(State())
    private let batchCountMax: Int

    /// `batchCountMax`: items handed out in one batch at most (a longer burst takes several, so
    /// no one transaction holds the store's write lock long).
    public init(batchCountMax: Int = .max) {
        precondition(batchCountMax > 0, "a batch holds at least one item")
        self.batchCountMax = batchCountMax
    }

    /// Queues `element` behind everything posted before; true when no drainer is running, and
    /// the caller must start one.
    public func post(_ element: Element) -> Bool {
        state.withLock { state in
            state.pending.append(element)
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
    }

    /// The oldest pending items (at most `batchCountMax`), or nil when none is left: the drainer
    /// then stops, and the next `post` asks for a new one.
    public func nextBatch() -> [Element]? {
        state.withLock { state in
            guard !state.pending.isEmpty else {
                state.writing = false
                return nil
            }
            guard state.pending.count > batchCountMax else {
                defer { state.pending.removeAll(keepingCapacity: true) }
                return state.pending
            }
            defer { state.pending.removeFirst(batchCountMax) }
            return Array(state.pending.prefix(batchCountMax))
        }
    }
}
