import NaveEncoding

/// A device or module twin as the hub keeps it (contract §1.10, §4.3, §4.4): tags the back end
/// owns, desired properties the back end sets for the device, reported properties the device
/// sets, and the versions that let both sides tell what changed.
///
/// Version rules (contract §1.10): `desired.version` and `reported.version` each go up by one
/// per change to their section; `version` goes up by one per operation that changed anything
/// (tags, desired or reported); `etag` follows `version`. A new twin has every version at 1.
///
/// Identity fields that IoT Hub renders with a twin (status, connection state, …) are not part
/// of it: they come from the registry and presence when it is rendered (`TwinIdentityFields`).
public struct Twin: Sendable, Equatable {
    public var deviceID: String
    /// The module, or nil for the device's own twin.
    public var moduleID: String?
    /// The `generationId` of the identity this twin belongs to. A device deleted and created
    /// again under the same id is a new identity with a new generation: a twin kept from the
    /// old one is recognised as stale by this and never shown as the new device's.
    public var identityGenerationID: String
    /// The twin's `version`: 1 when new, one more per change.
    public var version: Int64
    /// Tags: set by the back end only, never seen by the device.
    public var tags: JSONObject
    public var desired: TwinProperties
    public var reported: TwinProperties
    /// The automatic device configurations that target this twin and the desired paths they
    /// set (reference §4.3). Not part of `version`: the hub changes it, never a client.
    public var configurations = TwinConfigurations()

    public init(deviceID: String, moduleID: String? = nil, identityGenerationID: String, version: Int64,
                tags: JSONObject, desired: TwinProperties, reported: TwinProperties) {
        self.deviceID = deviceID
        self.moduleID = moduleID
        self.identityGenerationID = identityGenerationID
        self.version = version
        self.tags = tags
        self.desired = desired
        self.reported = reported
    }

    /// The twin an identity has before anything is set: no tags, empty sections, every
    /// version 1, metadata stamped `time`.
    public init(deviceID: String, moduleID: String? = nil, identityGenerationID: String, createdAt time: Timestamp) {
        self.init(deviceID: deviceID, moduleID: moduleID, identityGenerationID: identityGenerationID, version: 1,
                  tags: JSONObject(), desired: .empty(at: time), reported: .empty(at: time))
    }

    /// IoT Hub's twin etag: the base64 of `version` as a big-endian 64-bit integer
    /// (`AAAAAAAAAAE=` is version 1, contract §1.10). Changes whenever the twin does.
    public var etag: String { Self.etag(version: version) }

    /// The etag of twin `version`.
    public static func etag(version: Int64) -> String {
        let bits = UInt64(bitPattern: version)
        return Base64.encode((0..<8).map { UInt8(truncatingIfNeeded: bits >> (56 - 8 * $0)) })
    }
}
