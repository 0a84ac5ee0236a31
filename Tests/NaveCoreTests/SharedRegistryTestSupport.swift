import NaveCore
import NaveModel
import Synchronization

/// One node's view of a shared `InMemoryIdentityStore` whose notices of other writers'
/// batches lag: held until `deliverHeld()`, as notifications still on their way. It can also
/// refuse every versioned batch as a conflict, as a store another writer never stops changing.
final class LaggingIdentityStore: IdentityStore {
    private struct Notices {
        var observers: [@Sendable (RegistryStoreChange) -> Void] = []
        var held: [RegistryStoreChange] = []
        var lags = true
    }

    let inner: InMemoryIdentityStore
    private let notices = Mutex(Notices())
    let conflictsAlways = Atomic<Bool>(false)
    /// Batches `apply` was called with.
    let applies = Atomic<Int>(0)

    init(_ inner: InMemoryIdentityStore) {
        self.inner = inner
        inner.observeOtherWriters { [weak self] batch in self?.received(batch) }
    }

    private func received(_ batch: RegistryStoreChange) {
        notices.withLock { notices in
            if notices.lags { notices.held.append(batch) } else { for observer in notices.observers { observer(batch) } }
        }
    }

    /// Delivers what is held, in order.
    func deliverHeld() {
        notices.withLock { notices in
            for batch in notices.held { for observer in notices.observers { observer(batch) } }
            notices.held = []
        }
    }

    /// Delivers the oldest batch held.
    func deliverOldest() {
        notices.withLock { notices in
            guard !notices.held.isEmpty else { return }
            let batch = notices.held.removeFirst()
            for observer in notices.observers { observer(batch) }
        }
    }

    /// Stops lagging: what is held and every later batch is delivered at once.
    func deliversAtOnce() {
        deliverHeld()
        notices.withLock { $0.lags = false }
    }

    func loadRegistry() async throws -> RegistrySnapshot { try await inner.loadRegistry() }
    func loadRows(_ keys: Set<RegistryRowKey>) async throws -> RegistrySnapshot { try await inner.loadRows(keys) }

    func apply(_ changes: [RegistryChange], expecting expected: [RegistryRowKey: StoredRegistryVersion]) async throws {
        applies.add(1, ordering: .relaxed)
        if conflictsAlways.load(ordering: .relaxed), let first = changes.first { throw IdentityStoreError.conflict(first.key) }
        try await inner.apply(changes, expecting: expected)
    }

    func observeOtherWriters(_ observer: @escaping @Sendable (RegistryStoreChange) -> Void) {
        notices.withLock { $0.observers.append(observer) }
    }
}

/// Records which deletions an observer heard, as "device" or "device/module", local or another writer's.
final class RecordingDeletionObserver: IdentityDeletionObserver {
    private let heard = Mutex<(local: [String], otherWriters: [String])>(([], []))

    func identityDeleted(deviceID: String, moduleID: String?) async {
        heard.withLock { $0.local.append(moduleID.map { "\(deviceID)/\($0)" } ?? deviceID) }
    }

    func identityDeletedByOtherWriter(deviceID: String, moduleID: String?) async {
        heard.withLock { $0.otherWriters.append(moduleID.map { "\(deviceID)/\($0)" } ?? deviceID) }
    }

    var local: [String] { heard.withLock { $0.local } }
    var otherWriters: [String] { heard.withLock { $0.otherWriters } }
}

/// A deletion observer that, on its first call, opens `entered` and waits for `release`: the
/// registry's other-writer batches stop being applied meanwhile.
final class BlockingDeletionObserver: IdentityDeletionObserver {
    let entered = Latch()
    let release = Latch()

    func identityDeleted(deviceID: String, moduleID: String?) async {
        entered.open()
        await release.wait()
    }
}

/// Opens once; `wait` returns when it is open.
final class Latch: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if isOpen { continuation.resume() }
        }
    }
}
