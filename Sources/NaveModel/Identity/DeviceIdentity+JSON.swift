/// IoT Hub's `Device` JSON (contract §4.3), rendered from an identity plus its live fields.
extension DeviceIdentity {
    /// The `Device` document in IoT Hub's member order. Unset strings render as `null`;
    /// `deviceScope` only when set; `parentScopes` always (possibly empty).
    public func json(presence: PresenceFields = .disconnected) -> JSONValue {
        var object = JSONObject([
            ("deviceId", .string(deviceID)),
            ("generationId", .string(generationID)),
            ("etag", .string(etag)),
            ("connectionState", .string(presence.connectionState)),
            ("status", .string(status.rawValue)),
            ("statusReason", JSONValue(orNull: statusReason)),
            ("connectionStateUpdatedTime", .string(presence.connectionStateUpdatedTime.iso8601)),
            ("statusUpdatedTime", .string(statusUpdatedTime.iso8601)),
            ("lastActivityTime", .string(presence.lastActivityTime.iso8601)),
            ("cloudToDeviceMessageCount", .integer(Int64(presence.cloudToDeviceMessageCount))),
            ("authentication", authentication.json),
            ("capabilities", .object(JSONObject([("iotEdge", .bool(iotEdge))]))),
        ])
        if let deviceScope { object["deviceScope"] = .string(deviceScope) }
        object["parentScopes"] = .array(parentScopes.map(JSONValue.string))
        return .object(object)
    }
}

/// A validated `PUT /devices/{id}` body (contract §4.2–§4.4): what the caller asked for, not
/// an identity. The hub supplies `generationId` and `etag`, and keys when `authentication`
/// has none; read-only fields in the body (etag, connection state, times) are ignored, as are
/// unknown members.
public struct DeviceRequest: Sendable, Equatable {
    public var deviceID: String
    /// Defaults to enabled when absent.
    public var status: DeviceStatus
    public var statusReason: String?
    /// Keys nil for `sas` means "generate them".
    public var authentication: Authentication
    public var iotEdge: Bool
    public var deviceScope: String?
    public var parentScopes: [String]

    /// `statusReason` is at most 128 characters (IoT Hub's device identity properties).
    public static let statusReasonLengthMax = 128

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

    /// Reads and validates a body. `deviceId` may be omitted when `pathDeviceID` (the `{id}`
    /// of the URL) is given; when both are present they must be equal.
    public init(json: JSONValue, pathDeviceID: String? = nil) throws(HubError) {
        let fields = try JSONFieldReader(json)
        let deviceID = try Self.identifier(fields, "deviceId", path: pathDeviceID)
        let statusReason = try Self.statusReason(fields)
        let capabilities = try fields.reader("capabilities")
        self.init(
            deviceID: deviceID,
            status: try fields.choice("status", DeviceStatus.self) ?? .enabled,
            statusReason: statusReason,
            authentication: try Authentication(requestJSON: fields.value("authentication")),
            iotEdge: try capabilities?.bool("iotEdge") ?? false,
            deviceScope: try fields.string("deviceScope"),
            parentScopes: try fields.strings("parentScopes") ?? []
        )
    }

    /// A valid id from the body, or from the path when the body has none; ArgumentInvalid when
    /// they differ or neither is there.
    static func identifier(_ fields: JSONFieldReader, _ key: String, path: String?) throws(HubError) -> String {
        let body = try fields.string(key)
        guard let id = body ?? path else { throw fields.missing(key) }
        try IdentityID.validate(id, field: "\(fields.path)\(key)")
        if let body, let path, body != path {
            throw HubError.argumentInvalid("\(fields.path)\(key) '\(body)' does not match '\(path)' in the request path.")
        }
        return id
    }

    static func statusReason(_ fields: JSONFieldReader) throws(HubError) -> String? {
        let reason = try fields.string("statusReason")
        if let reason, reason.count > statusReasonLengthMax {
            throw HubError.argumentInvalid("\(fields.path)statusReason must be at most \(statusReasonLengthMax) characters.")
        }
        return reason
    }
}

extension DeviceRequest {
    /// The `PUT /devices/{id}` body as the service SDK sends it (contract §4.2): what a client
    /// of the REST API (the CLI) writes. Absent keys stay absent, so the hub generates them.
    public var json: JSONValue {
        var object: JSONObject = ["deviceId": .string(deviceID), "status": .string(status.rawValue)]
        if let statusReason { object["statusReason"] = .string(statusReason) }
        object["authentication"] = authentication.json
        object["capabilities"] = ["iotEdge": .bool(iotEdge)]
        if let deviceScope { object["deviceScope"] = .string(deviceScope) }
        if !parentScopes.isEmpty { object["parentScopes"] = .array(parentScopes.map(JSONValue.string)) }
        return .object(object)
    }
}
