import NaveModel

/// Lets one write run at a time, across the `await` on the store: an actor alone would let a
/// second write read the state while the first waits for the disk (reentrancy), and two updates
/// could then both pass the same `If-Match`. The twin service keeps one gate per twin shard,
/// each pinned to a home of the hub's `ShardPlacement` (an event loop in a node), so waiting
/// and waking cost a loop's turn rather than a trip through the cooperative pool.
actor WriteGate {
    private let home: ShardExecutor
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    nonisolated var unownedExecutor: UnownedSerialExecutor { home.executor }

    /// A gate at `home`; by default one with an executor of its own.
    init(home: ShardExecutor = ShardExecutor(UnpinnedShards(homeCount: 1), home: 0)) {
        self.home = home
    }

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Runs `body` holding the gate, and releases it however `body` ends.
    nonisolated func holding<Result: Sendable>(_ body: () async throws(HubError) -> Result) async throws(HubError) -> Result {
        await acquire()
        do throws(HubError) {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
