import NaveModel
import Synchronization

/// The durable part of devices' MQTT sessions: which IoT Hub topics each identity subscribed
/// to. The device SDK connects with CleanSession=0 and never subscribes again after a reconnect
/// (contract §1.5), so these must survive reconnects and node restarts.
public protocol DeviceSessionStore: Sendable {
    /// Every stored session: client id (`dev` or `dev/mod`) → subscribed topics.
    func loadSessions() async throws -> [String: DeviceSubscriptions]
    /// Stores (or, for an empty set, removes) one client's subscriptions.
    func save(clientID: String, _ subscriptions: DeviceSubscriptions) async throws
}

/// Why a device-session store failed (or `CancellationError` when the task was cancelled
/// before the write); a failed save stored nothing.
public enum DeviceSessionStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The medium failed; the reason is the store's own words.
    case storage(String)
    /// The medium has no room (SQLite's SQLITE_FULL, ENOSPC): nothing was stored, and a later
    /// save is tried again.
    case full(String)

    public var description: String {
        switch self {
        case .storage(let reason): "device session store failed: \(reason)"
        case .full(let reason): "device session store is full: \(reason)"
        }
    }
}

/// Sessions kept in memory only (tests, embedders without disk).
public final class InMemoryDeviceSessionStore: DeviceSessionStore {
    private let sessions = Mutex<[String: DeviceSubscriptions]>([:])
    public init() {}
    public func loadSessions() async throws -> [String: DeviceSubscriptions] { sessions.withLock { $0 } }
    public func save(clientID: String, _ subscriptions: DeviceSubscriptions) async throws {
        sessions.withLock { $0[clientID] = subscriptions.isEmpty ? nil : subscriptions }
    }
}

