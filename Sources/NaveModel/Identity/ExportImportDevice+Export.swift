/// An export job's line (reference §3.5): one `ExportImportDevice` per device, as IoT Hub
/// writes it into `devices.txt` and reads it back on import.
extension ExportImportDevice {
    /// `{"id","eTag","status","statusReason","authentication","twinETag","tags",
    /// "properties":{"desired","reported"},"capabilities","deviceScope","parentScopes"}`. The
    /// twin sections carry `$metadata` and `$version` as `GET /twins/{id}` shows them; with
    /// `excludeKeys` the symmetric keys are `null` (thumbprints are not secrets and stay).
    public static func exportJSON(device: DeviceIdentity, twin: Twin, excludeKeys: Bool) -> JSONValue {
        var authentication = device.authentication
        if excludeKeys {
            authentication.primaryKey = nil
            authentication.secondaryKey = nil
        }
        let twinJSON = twin.json(identity: TwinIdentityFields(device: device, presence: .disconnected)).objectValue ?? JSONObject()
        var object = JSONObject()
        object["id"] = .string(device.deviceID)
        object["eTag"] = .string(device.etag)
        object["status"] = .string(device.status.rawValue)
        if let statusReason = device.statusReason { object["statusReason"] = .string(statusReason) }
        object["authentication"] = authentication.json
        object["twinETag"] = .string(twin.etag)
        object["tags"] = .object(twin.tags)
        object["properties"] = twinJSON["properties"] ?? .object(JSONObject())
        object["capabilities"] = ["iotEdge": .bool(device.iotEdge)]
        if let deviceScope = device.deviceScope { object["deviceScope"] = .string(deviceScope) }
        if !device.parentScopes.isEmpty { object["parentScopes"] = .array(device.parentScopes.map(JSONValue.string)) }
        return .object(object)
    }
}
