/// IoT Hub's `Module` JSON (contract §4.3), rendered from an identity plus its live fields.
extension ModuleIdentity {
    /// The `Module` document in IoT Hub's member order; `managedBy` is `null` when unset.
    public func json(presence: PresenceFields = .disconnected) -> JSONValue {
        .object(JSONObject([
            ("moduleId", .string(moduleID)),
            ("managedBy", JSONValue(orNull: managedBy)),
            ("deviceId", .string(deviceID)),
            ("generationId", .string(generationID)),
            ("etag", .string(etag)),
            ("connectionState", .string(presence.connectionState)),
            ("connectionStateUpdatedTime", .string(presence.connectionStateUpdatedTime.iso8601)),
            ("lastActivityTime", .string(presence.lastActivityTime.iso8601)),
            ("cloudToDeviceMessageCount", .integer(Int64(presence.cloudToDeviceMessageCount))),
            ("authentication", authentication.json),
        ]))
    }
}

/// A validated `PUT /devices/{d}/modules/{m}` body (contract §4.2): the SDK sends
/// `{"moduleId","managedBy","deviceId","authentication"}`. The hub supplies the rest.
public struct ModuleRequest: Sendable, Equatable {
    public var deviceID: String
    public var moduleID: String
    /// Kept as sent; the SDK sends `""` when the caller passes none.
    public var managedBy: String?
    public var authentication: Authentication

    public init(deviceID: String, moduleID: String, managedBy: String? = nil,
                authentication: Authentication = Authentication(kind: .sas)) {
        self.deviceID = deviceID
        self.moduleID = moduleID
        self.managedBy = managedBy
        self.authentication = authentication
    }

    /// Reads and validates a body; ids may come from the path alone, and must match it when
    /// the body has them too.
    public init(json: JSONValue, pathDeviceID: String? = nil, pathModuleID: String? = nil) throws(HubError) {
        let fields = try JSONFieldReader(json)
        self.init(
            deviceID: try DeviceRequest.identifier(fields, "deviceId", path: pathDeviceID),
            moduleID: try DeviceRequest.identifier(fields, "moduleId", path: pathModuleID),
            managedBy: try fields.string("managedBy"),
            authentication: try Authentication(requestJSON: fields.value("authentication"))
        )
    }
}
