import NaveModel

/// What a caller sets on a device (create or update); the registry adds the generation id,
/// the etag, the status time, and keys when none are given.
public struct DeviceSpec: Sendable, Equatable {
    public var deviceID: String
    public var status: DeviceStatus
    public var statusReason: String?
    public var authentication: Authentication
    public var iotEdge: Bool
    public var deviceScope: String?
    public var parentScopes: [String]

    public init(deviceID: String, status: DeviceStatus = .enabled, statusReason: String? = nil,
                authentication: Authentication = Authentication(kind: .sas), iotEdge: Bool = false,
                deviceScope: String? = nil, parentScopes: [String] = []) {
        self.deviceID = deviceID
        self.status = status
        self.statusReason = statusReason
        self.authentication = authentication
        self.iotEdge = iotEdge
        self.deviceScope = deviceScope
        self.parentScopes = parentScopes
    }
}

/// What a caller sets on a module.
public struct ModuleSpec: Sendable, Equatable {
    public var deviceID: String
    public var moduleID: String
    public var managedBy: String?
    public var authentication: Authentication

    public init(deviceID: String, moduleID: String, managedBy: String? = nil,
                authentication: Authentication = Authentication(kind: .sas)) {
        self.deviceID = deviceID
        self.moduleID = moduleID
        self.managedBy = managedBy
        self.authentication = authentication
    }
}
