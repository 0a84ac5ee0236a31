import NaveModel
import Synchronization

/// Devices' durable MQTT sessions: read synchronously at CONNECT (from memory, loaded at
/// start), written through to the store in the order the changes happened, off the caller's
/// thread. The in-memory view is authoritative for this process; a failed write is retried
/// with the next change of that client.
public final class DeviceSessions: Sendable {
    private struct State {
        var sessions: [String: DeviceSubscriptions]
        /// Changes not yet stored, oldest first; one drain task stores them at a time.
        var pending: [(String, DeviceSubscriptions)] = []
        var draining = false
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    private let store: any DeviceSessionStore
    private let state: Mutex<State>

    public init(store: any DeviceSessionStore) async throws {
        self.store = store
        state = Mutex(State(sessions: try await store.loadSessions()))
    }

    /// What `clientID` subscribed to in earlier connections.
    public func subscriptions(of clientID: String) -> DeviceSubscriptions {
        state.withLock { $0.sessions[clientID] ?? [] }
    }

    /// Records `subscriptions` for `clientID` (empty: the session ends, e.g. CleanSession=1).
    public func update(_ clientID: String, to subscriptions: DeviceSubscriptions) {
        let startDrain = state.withLock { state -> Bool in
            guard (state.sessions[clientID] ?? []) != subscriptions else { return false }
            state.sessions[clientID] = subscriptions.isEmpty ? nil : subscriptions
            state.pending.append((clientID, subscriptions))
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if startDrain { Task { await self.drain() } }
    }

    /// Waits until every change so far is stored (tests, shutdown).
    public func flush() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state -> Bool in
                guard state.draining else { return true }
                state.drained.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func drain() async {
        while true {
            let next = state.withLock { state -> (String, DeviceSubscriptions)? in
                guard !state.pending.isEmpty else {
                    state.draining = false
                    for waiter in state.drained { waiter.resume() }
                    state.drained.removeAll()
                    return nil
                }
                return state.pending.removeFirst()
            }
            guard let (clientID, subscriptions) = next else { return }
            do {
                try await store.save(clientID: clientID, subscriptions)
            } catch {
                // Keep it first in line; the next change starts another attempt.
                state.withLock { state in
                    state.pending.insert((clientID, subscriptions), at: 0)
                    state.draining = false
                    for waiter in state.drained { waiter.resume() }
                    state.drained.removeAll()
                }
                return
            }
        }
    }
}
