import NaveModel

/// One row of the stored registry: what a versioned write expects and what a conflict names.
/// A device's row is the device alone; its modules are rows of their own (a device delete
/// takes them with it).
public enum RegistryRowKey: Sendable, Hashable, CustomStringConvertible {
    case device(deviceID: String)
    case module(deviceID: String, moduleID: String)
    case policy(name: String)

    public var description: String {
        switch self {
        case .device(let deviceID): "device '\(deviceID)'"
        case .module(let deviceID, let moduleID): "module '\(deviceID)/\(moduleID)'"
        case .policy(let name): "policy '\(name)'"
        }
    }
}

/// What a versioned write expects to find stored in a row, or what a row held before another
/// writer's batch.
public enum StoredRegistryVersion: Sendable, Equatable, CustomStringConvertible {
    /// Nothing stored under the key: what a create expects.
    case none
    /// A device or module whose etag is this (a new one on every change, `ETag`).
    case etag(String)
    /// A policy equal to this one, compared whole. Policies have no etag: IoT Hub shows none,
    /// so one would be a column only this check reads. Comparing the value is as safe: a
    /// policy changed and changed back holds exactly what the writer read, and the writer's
    /// change planned on it is still right.
    case policy(SharedAccessPolicy)

    public init(_ device: DeviceIdentity?) { self = device.map { .etag($0.etag) } ?? .none }
    public init(_ module: ModuleIdentity?) { self = module.map { .etag($0.etag) } ?? .none }
    public init(_ policy: SharedAccessPolicy?) { self = policy.map { .policy($0) } ?? .none }

    /// Names the version without a policy's keys.
    public var description: String {
        switch self {
        case .none: "nothing stored"
        case .etag(let etag): "etag \(etag)"
        case .policy(let policy): "policy '\(policy.name)' as read"
        }
    }
}

extension RegistryChange {
    /// The row this change writes.
    public var key: RegistryRowKey {
        switch self {
        case .putDevice(let device): .device(deviceID: device.deviceID)
        case .deleteDevice(let deviceID): .device(deviceID: deviceID)
        case .putModule(let module): .module(deviceID: module.deviceID, moduleID: module.moduleID)
        case .deleteModule(let deviceID, let moduleID): .module(deviceID: deviceID, moduleID: moduleID)
        case .putPolicy(let policy): .policy(name: policy.name)
        case .deletePolicy(let name): .policy(name: name)
        }
    }
}
