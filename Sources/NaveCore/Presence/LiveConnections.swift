import NaveModel
import Synchronization

/// A live device connection the registry can end: disabling or deleting a device, or changing
/// its credentials, drops its connections at once (contract §4.4). Implementations hop to
/// their own loop; `revoke` may be called from any thread.
public protocol LiveConnection: AnyObject, Sendable {
    func revoke(_ reason: RevocationReason)
    /// Sends `delivery` to the device, on the connection's own loop. A delivery the device
    /// cannot take (not subscribed, gone) is reported back to the service that sent it.
    func deliver(_ delivery: DeviceDelivery)
}

public enum RevocationReason: String, Sendable, Equatable {
    case deviceDisabled, deviceDeleted, credentialsChanged
}

/// Connection state per identity: the live connections, when the state last changed, and the
/// last activity — what `Device.connectionState`, `connectionStateUpdatedTime`,
/// `lastActivityTime` and `connectedDeviceCount` report.
public final class LiveConnections: Sendable {
    public struct Presence: Sendable, Equatable {
        public var isConnected: Bool
        public var stateUpdatedTime: Timestamp
        public var lastActivityTime: Timestamp

        public static let never = Presence(isConnected: false, stateUpdatedTime: .never, lastActivityTime: .never)
    }

    private struct Entry {
        var connections: [any LiveConnection] = []
        var stateUpdatedTime = Timestamp.never
        var lastActivityTime = Timestamp.never
    }

    private struct State {
        /// deviceID → (moduleID or "" for the device itself) → entry. Keyed by device first so
        /// a device's revocation finds its modules without a scan.
        var entries: [String: [String: Entry]] = [:]
        var revocations = RevocationLog()
    }

    /// One lock for connections and revocations: a registration and a revocation of the same
    /// identity are ordered by it, so a connection is either found by the revocation or refused.
    private let state = Mutex(State())
    /// Revocations so far. Written under `state`'s lock; read without it by `revocationEpoch`,
    /// so a CONNECT takes its epoch without a second lock.
    private let epoch = Atomic<UInt64>(0)
    private let connectedDevices = Atomic<Int>(0)
    /// Told when an identity's first connection opens or its last one closes. Boxed: a closure
    /// kept directly in the generic `Mutex` is re-abstracted on every `withLock { $0 }` (the
    /// inout is converted in and written back), so each read wrapped it in two more thunks and
    /// calling it walked a chain growing with every connect — 45 % of a node's CPU after 8,000
    /// TLS connects, and a stack overflow waiting to happen.
    private let stateObserver = Mutex<StateObserver?>(nil)

    private final class StateObserver: Sendable {
        let call: @Sendable (IdentityKey, Bool) -> Void
        init(_ call: @escaping @Sendable (IdentityKey, Bool) -> Void) { self.call = call }
    }

    /// Sets who hears connection-state changes (connected: true on the first connection of an
    /// identity, false when its last one ends). Called outside the presence lock.
    public func setStateObserver(_ observer: @escaping @Sendable (IdentityKey, Bool) -> Void) {
        let boxed = StateObserver(observer)
        stateObserver.withLock { $0 = boxed }
    }

    public init() {}

    /// Now, in the order of revocations. Take it *before* reading the registry to admit a
    /// connection, and register with it: a revocation between the two then refuses the
    /// registration. Acquiring: a revocation seen here comes after its registry change, which
    /// the registry read that follows therefore sees.
    public var revocationEpoch: RevocationEpoch { RevocationEpoch(value: epoch.load(ordering: .acquiring)) }

    /// Records a newly authenticated connection, unless its identity was revoked since
    /// `admittedAt` (the epoch taken before its credentials were checked): then nothing is
    /// recorded and the caller must refuse the connection as if the check had failed. Without
    /// this, a device disabled between its check and this call would stay connected: the
    /// revocation found nothing to end (issue #11, item 6).
    public func register(_ connection: any LiveConnection, as key: IdentityKey, at time: Timestamp,
                         admittedAt: RevocationEpoch) -> Bool {
        let outcome: Bool? = state.withLock { state in
            // Most CONNECTs see no revocation at all while they are checked: one compare.
            if admittedAt.value != epoch.load(ordering: .relaxed), state.revocations.revoked(key, since: admittedAt) {
                return nil
            }
            var entry = state.entries[key.deviceID]?[key.moduleID ?? ""] ?? Entry()
            entry.connections.append(connection)
            entry.lastActivityTime = time
            let first = entry.connections.count == 1
            if first { entry.stateUpdatedTime = time }
            state.entries[key.deviceID, default: [:]][key.moduleID ?? ""] = entry
            return first
        }
        guard let first = outcome else { return false }
        if first && key.moduleID == nil { connectedDevices.add(1, ordering: .relaxed) }
        if first, let observer = stateObserver.withLock({ $0 }) { observer.call(key, true) }
        return true
    }

    /// Forgets a connection that ended.
    public func unregister(_ connection: any LiveConnection, as key: IdentityKey, at time: Timestamp) {
        let last = state.withLock { state -> Bool in
            guard var entry = state.entries[key.deviceID]?[key.moduleID ?? ""] else { return false }
            let before = entry.connections.count
            entry.connections.removeAll { $0 === connection }
            guard entry.connections.count < before else { return false }
            entry.lastActivityTime = time
            let last = entry.connections.isEmpty
            if last { entry.stateUpdatedTime = time }
            state.entries[key.deviceID]![key.moduleID ?? ""] = entry
            return last
        }
        if last && key.moduleID == nil { connectedDevices.subtract(1, ordering: .relaxed) }
        if last, let observer = stateObserver.withLock({ $0 }) { observer.call(key, false) }
    }

    public func presence(of key: IdentityKey) -> Presence {
        state.withLock { state in
            guard let entry = state.entries[key.deviceID]?[key.moduleID ?? ""] else { return .never }
            return Presence(isConnected: !entry.connections.isEmpty, stateUpdatedTime: entry.stateUpdatedTime,
                            lastActivityTime: entry.lastActivityTime)
        }
    }

    /// Devices (not modules) with at least one live connection.
    public var connectedDeviceCount: Int { connectedDevices.load(ordering: .relaxed) }

    /// Ends the connections of `key` — with `includingModules`, those of the device's modules
    /// too — and refuses the registrations of CONNECTs checked before this call. Called after
    /// the change that causes it is published to the registry's tables; the calls run outside
    /// the lock.
    public func revoke(_ key: IdentityKey, includingModules: Bool, reason: RevocationReason) {
        let victims: [any LiveConnection] = state.withLock { state in
            // Releasing: whoever sees this epoch also sees the registry change before it.
            let revokedAt = RevocationEpoch(value: epoch.add(1, ordering: .releasing).newValue)
            state.revocations.record(key, includingModules: includingModules, at: revokedAt)
            guard let device = state.entries[key.deviceID] else { return [] }
            if includingModules { return device.values.flatMap(\.connections) }
            return device[key.moduleID ?? ""]?.connections ?? []
        }
        for connection in victims { connection.revoke(reason) }
    }

    /// The newest live connection of `key`, to send a delivery to (IoT Hub keeps one
    /// connection per identity: a newer one replaces the older).
    public func connection(of key: IdentityKey) -> (any LiveConnection)? {
        state.withLock { $0.entries[key.deviceID]?[key.moduleID ?? ""]?.connections.last }
    }

    /// Drops the presence records of a deleted device (its connections are revoked separately).
    /// A revoked connection closes later, on its own loop, and its `unregister` then finds no
    /// record: a device that was connected stops counting here instead. Its revocation marks go
    /// too, all but the deletion itself, kept for CONNECTs checked before it (`RevocationLog`).
    public func forget(deviceID: String, moduleID: String? = nil) {
        let wasConnected = state.withLock { state -> Bool in
            let forgottenAt = RevocationEpoch(value: epoch.add(1, ordering: .releasing).newValue)
            state.revocations.forget(IdentityKey(deviceID: deviceID, moduleID: moduleID), at: forgottenAt)
            if let moduleID {
                state.entries[deviceID]?[moduleID] = nil
                return false
            }
            let connected = state.entries[deviceID]?[""].map { !$0.connections.isEmpty } ?? false
            state.entries[deviceID] = nil
            return connected
        }
        if wasConnected { connectedDevices.subtract(1, ordering: .relaxed) }
    }
}
