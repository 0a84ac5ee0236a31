import NaveModel
import Synchronization

/// Who a connection authenticated as: a device, or one of its modules.
public struct IdentityKey: Sendable, Hashable, CustomStringConvertible {
    public var deviceID: String
    public var moduleID: String?

    public init(deviceID: String, moduleID: String? = nil) {
        self.deviceID = deviceID
        self.moduleID = moduleID
    }

    /// `dev1` or `dev1/mod1`, the MQTT client id form.
    public var description: String { moduleID.map { "\(deviceID)/\($0)" } ?? deviceID }
}

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

    /// deviceID → (moduleID or "" for the device itself) → entry. Keyed by device first so a
    /// device's revocation finds its modules without a scan.
    private let entries = Mutex<[String: [String: Entry]]>([:])
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

    /// Records a newly authenticated connection.
    public func register(_ connection: any LiveConnection, as key: IdentityKey, at time: Timestamp) {
        let first = entries.withLock { entries in
            var entry = entries[key.deviceID]?[key.moduleID ?? ""] ?? Entry()
            entry.connections.append(connection)
            entry.lastActivityTime = time
            let first = entry.connections.count == 1
            if first { entry.stateUpdatedTime = time }
            entries[key.deviceID, default: [:]][key.moduleID ?? ""] = entry
            return first
        }
        if first && key.moduleID == nil { connectedDevices.add(1, ordering: .relaxed) }
        if first, let observer = stateObserver.withLock({ $0 }) { observer.call(key, true) }
    }

    /// Forgets a connection that ended.
    public func unregister(_ connection: any LiveConnection, as key: IdentityKey, at time: Timestamp) {
        let last = entries.withLock { entries -> Bool in
            guard var entry = entries[key.deviceID]?[key.moduleID ?? ""] else { return false }
            let before = entry.connections.count
            entry.connections.removeAll { $0 === connection }
            guard entry.connections.count < before else { return false }
            entry.lastActivityTime = time
            let last = entry.connections.isEmpty
            if last { entry.stateUpdatedTime = time }
            entries[key.deviceID]![key.moduleID ?? ""] = entry
            return last
        }
        if last && key.moduleID == nil { connectedDevices.subtract(1, ordering: .relaxed) }
        if last, let observer = stateObserver.withLock({ $0 }) { observer.call(key, false) }
    }

    public func presence(of key: IdentityKey) -> Presence {
        entries.withLock { entries in
            guard let entry = entries[key.deviceID]?[key.moduleID ?? ""] else { return .never }
            return Presence(isConnected: !entry.connections.isEmpty, stateUpdatedTime: entry.stateUpdatedTime,
                            lastActivityTime: entry.lastActivityTime)
        }
    }

    /// Devices (not modules) with at least one live connection.
    public var connectedDeviceCount: Int { connectedDevices.load(ordering: .relaxed) }

    /// Ends the connections of `key` — with `includingModules`, those of the device's modules
    /// too. Called after the change that causes it is stored; the calls run outside the lock.
    public func revoke(_ key: IdentityKey, includingModules: Bool, reason: RevocationReason) {
        let victims: [any LiveConnection] = entries.withLock { entries in
            guard let device = entries[key.deviceID] else { return [] }
            if includingModules { return device.values.flatMap(\.connections) }
            return device[key.moduleID ?? ""]?.connections ?? []
        }
        for connection in victims { connection.revoke(reason) }
    }

    /// The newest live connection of `key`, to send a delivery to (IoT Hub keeps one
    /// connection per identity: a newer one replaces the older).
    public func connection(of key: IdentityKey) -> (any LiveConnection)? {
        entries.withLock { $0[key.deviceID]?[key.moduleID ?? ""]?.connections.last }
    }

    /// Drops the presence records of a deleted device (its connections are revoked separately).
    /// A revoked connection closes later, on its own loop, and its `unregister` then finds no
    /// record: a device that was connected stops counting here instead.
    public func forget(deviceID: String, moduleID: String? = nil) {
        let wasConnected = entries.withLock { entries -> Bool in
            if let moduleID {
                entries[deviceID]?[moduleID] = nil
                return false
            }
            let connected = entries[deviceID]?[""].map { !$0.connections.isEmpty } ?? false
            entries[deviceID] = nil
            return connected
        }
        if wasConnected { connectedDevices.subtract(1, ordering: .relaxed) }
    }
}
