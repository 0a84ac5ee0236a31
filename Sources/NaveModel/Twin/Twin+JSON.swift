/// How a twin is shown: IoT Hub's REST `Twin` (contract §4.3) for the back end, and the
/// properties-only body a device gets for `$iothub/twin/GET` (contract §1.10).
extension Twin {
    /// The device's GET body: `{"desired":{…,"$version":n},"reported":{…,"$version":m}}`, with
    /// no tags and no `$metadata` (contract §1.10). `desired.$version` is always there: the
    /// SDK reads it unconditionally (`EnsureDesiredPropertiesStage`).
    public var deviceJSON: JSONValue {
        .object(JSONObject([
            ("desired", Self.sectionJSON(desired, metadata: nil)),
            ("reported", Self.sectionJSON(reported, metadata: nil)),
        ]))
    }

    /// The REST `Twin` in IoT Hub's member order, the identity's fields taken from `identity`.
    /// Sections carry `$metadata` and `$version`; desired metadata has `$lastUpdatedVersion`
    /// and reported metadata `$lastUpdated` only, as IoT Hub renders them.
    public func json(identity: TwinIdentityFields) -> JSONValue {
        var object = JSONObject()
        object["deviceId"] = .string(deviceID)
        if let moduleID { object["moduleId"] = .string(moduleID) }
        object["etag"] = .string(etag)
        object["deviceEtag"] = .string(identity.deviceEtag)
        object["status"] = .string(identity.status.rawValue)
        if let statusReason = identity.statusReason { object["statusReason"] = .string(statusReason) }
        object["statusUpdateTime"] = .string(identity.statusUpdateTime.iso8601)
        object["connectionState"] = .string(identity.presence.connectionState)
        object["lastActivityTime"] = .string(identity.presence.lastActivityTime.iso8601)
        object["cloudToDeviceMessageCount"] = .integer(Int64(identity.presence.cloudToDeviceMessageCount))
        object["authenticationType"] = .string(identity.authentication.kind.rawValue)
        object["x509Thumbprint"] = .object(JSONObject([
            ("primaryThumbprint", JSONValue(orNull: identity.authentication.primaryThumbprint)),
            ("secondaryThumbprint", JSONValue(orNull: identity.authentication.secondaryThumbprint)),
        ]))
        object["modelId"] = .string(identity.modelID)
        object["version"] = .integer(version)
        object["tags"] = .object(tags)
        object["properties"] = .object(JSONObject([
            ("desired", Self.sectionJSON(desired, metadata: .withVersions)),
            ("reported", Self.sectionJSON(reported, metadata: .timesOnly)),
        ]))
        if !configurations.statuses.isEmpty { object["configurations"] = configurations.json }
        if let iotEdge = identity.iotEdge { object["capabilities"] = ["iotEdge": .bool(iotEdge)] }
        if let deviceScope = identity.deviceScope { object["deviceScope"] = .string(deviceScope) }
        if let parentScopes = identity.parentScopes { object["parentScopes"] = .array(parentScopes.map(JSONValue.string)) }
        return .object(object)
    }

    /// The body of a device lifecycle event (reference §2.7: "twin of the identity"):
    /// `deviceId`, [`moduleId`], `etag`, `version`, `tags` and `properties` with `$metadata` and
    /// `$version`, without the identity's registry fields.
    public var lifecycleEventJSON: JSONValue {
        var object = JSONObject()
        object["deviceId"] = .string(deviceID)
        if let moduleID { object["moduleId"] = .string(moduleID) }
        object["etag"] = .string(etag)
        object["version"] = .integer(version)
        object["tags"] = .object(tags)
        object["properties"] = .object(JSONObject([
            ("desired", Self.sectionJSON(desired, metadata: .withVersions)),
            ("reported", Self.sectionJSON(reported, metadata: .timesOnly)),
        ]))
        return .object(object)
    }

    private enum MetadataStyle { case withVersions, timesOnly }

    /// A section's properties, then `$metadata` (when asked for), then `$version`.
    private static func sectionJSON(_ section: TwinProperties, metadata style: MetadataStyle?) -> JSONValue {
        var object = section.values
        if let style {
            object["$metadata"] = section.metadata.json(for: .object(section.values), includingVersion: style == .withVersions)
        }
        object["$version"] = .integer(section.version)
        return .object(object)
    }
}

/// The identity's fields IoT Hub shows in a `Twin` (contract §4.3): they live in the registry
/// and presence, not in the twin, and are gathered here when one is rendered.
public struct TwinIdentityFields: Sendable, Equatable {
    /// The identity's own etag (`deviceEtag`), not the twin's.
    public var deviceEtag: String
    public var status: DeviceStatus
    public var statusReason: String?
    public var statusUpdateTime: Timestamp
    public var presence: PresenceFields
    /// Its kind and thumbprints are shown; keys never are.
    public var authentication: Authentication
    /// The IoT Plug and Play model id; Nave records none yet, so `""` as IoT Hub shows it then.
    public var modelID: String
    /// `capabilities.iotEdge`; nil for a module (IoT Hub shows it on device twins only).
    public var iotEdge: Bool?
    public var deviceScope: String?
    /// Nil for a module.
    public var parentScopes: [String]?

    public init(deviceEtag: String, status: DeviceStatus = .enabled, statusReason: String? = nil,
                statusUpdateTime: Timestamp = .never, presence: PresenceFields = .disconnected,
                authentication: Authentication, modelID: String = "", iotEdge: Bool? = nil,
                deviceScope: String? = nil, parentScopes: [String]? = nil) {
        self.deviceEtag = deviceEtag
        self.status = status
        self.statusReason = statusReason
        self.statusUpdateTime = statusUpdateTime
        self.presence = presence
        self.authentication = authentication
        self.modelID = modelID
        self.iotEdge = iotEdge
        self.deviceScope = deviceScope
        self.parentScopes = parentScopes
    }

    /// A device twin's fields.
    public init(device: DeviceIdentity, presence: PresenceFields) {
        self.init(deviceEtag: device.etag, status: device.status, statusReason: device.statusReason,
                  statusUpdateTime: device.statusUpdatedTime, presence: presence, authentication: device.authentication,
                  iotEdge: device.iotEdge, deviceScope: device.deviceScope, parentScopes: device.parentScopes)
    }

    /// A module twin's fields: modules have no status of their own, so `enabled`, never updated.
    public init(module: ModuleIdentity, presence: PresenceFields) {
        self.init(deviceEtag: module.etag, presence: presence, authentication: module.authentication)
    }
}
