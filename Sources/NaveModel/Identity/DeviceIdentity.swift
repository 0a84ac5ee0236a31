/// A device in the identity registry, as IoT Hub's registry keeps it (contract §4.3 `Device`).
/// Connection state and activity times are not part of the identity: the hub tracks them live
/// (`NaveCore.Presence`) and adds them when a device is rendered.
public struct DeviceIdentity: Sendable, Equatable {
    public var deviceID: String
    /// Set once at creation and kept on every update; tells a re-created device from the old one.
    public var generationID: String
    /// Changes on every identity change; compared with `If-Match` (quotes and `W/` stripped).
    public var etag: String
    public var status: DeviceStatus
    public var statusReason: String?
    public var statusUpdatedTime: Timestamp
    public var authentication: Authentication
    public var iotEdge: Bool
    public var deviceScope: String?
    public var parentScopes: [String]

    public init(deviceID: String, generationID: String, etag: String, status: DeviceStatus = .enabled,
                statusReason: String? = nil, statusUpdatedTime: Timestamp, authentication: Authentication,
                iotEdge: Bool = false, deviceScope: String? = nil, parentScopes: [String] = []) {
        self.deviceID = deviceID
        self.generationID = generationID
        self.etag = etag
        self.status = status
        self.statusReason = statusReason
        self.statusUpdatedTime = statusUpdatedTime
        self.authentication = authentication
        self.iotEdge = iotEdge
        self.deviceScope = deviceScope
        self.parentScopes = parentScopes
    }
}

/// A module of a device (contract §4.3 `Module`); authenticates on its own, as `device/module`.
public struct ModuleIdentity: Sendable, Equatable {
    public var deviceID: String
    public var moduleID: String
    public var managedBy: String?
    public var generationID: String
    public var etag: String
    public var authentication: Authentication

    public init(deviceID: String, moduleID: String, managedBy: String? = nil, generationID: String,
                etag: String, authentication: Authentication) {
        self.deviceID = deviceID
        self.moduleID = moduleID
        self.managedBy = managedBy
        self.generationID = generationID
        self.etag = etag
        self.authentication = authentication
    }
}

public enum DeviceStatus: String, Sendable, Equatable, CaseIterable {
    case enabled, disabled
}
