import NaveModel
import NaveQuery

/// One device or module twin of the hub as a query sees it (`FROM devices`, `FROM
/// devices.modules`, reference §1.2): the REST `Twin` document, read field by field from where
/// each field lives —
/// the twin (tags, properties, version), the registry (status, etag, authentication) and
/// presence (connection state) — without rendering the document first. Paths are canonical
/// (`QueryPath` folds built-in names to IoT Hub's spelling), so lookups here are exact.
///
/// The fields a WHERE reads over the whole fleet (tags, properties, ids, status, connection
/// state) take the direct route; rarer ones (`$metadata`, thumbprints, scopes) render the
/// document once and walk it.
struct HubTwinDocument: QueryDocument {
    let cached: CachedTwin
    /// The page's registry snapshot and presence, for identity fields.
    let documents: TwinDocuments

    var twin: Twin { cached.twin }

    func value(at path: QueryPath) -> QueryValue {
        guard case .name(let first)? = path.segments.first else { return .undefined }
        let rest = path.segments.dropFirst()
        switch first {
        case "deviceId": return Self.walk(.string(twin.deviceID), rest)
        case "moduleId": return twin.moduleID.map { Self.walk(.string($0), rest) } ?? .undefined
        case "etag": return Self.walk(.string(twin.etag), rest)
        case "version": return Self.walk(.integer(twin.version), rest)
        case "tags", "properties":
            return Self.contentValue(of: twin, at: path) ?? Self.walk(rendered(), path.segments[...])
        case "status":
            // A module has no status of its own: IoT Hub shows it enabled (`TwinIdentityFields`).
            guard twin.moduleID == nil else { return Self.walk(.string(DeviceStatus.enabled.rawValue), rest) }
            return documents.device(twin.deviceID).map { Self.walk(.string($0.status.rawValue), rest) } ?? .undefined
        case "deviceEtag":
            let etag = twin.moduleID.map { documents.module(twin.deviceID, $0)?.etag } ?? documents.device(twin.deviceID)?.etag
            return etag.map { Self.walk(.string($0), rest) } ?? .undefined
        case "configurations":
            // `configurations.[[id]].status` (ADM's applied count, reference §4.3) without
            // rendering the whole twin; absent when no configuration targets the twin.
            guard !twin.configurations.statuses.isEmpty else { return .undefined }
            return Self.walk(twin.configurations.json, rest)
        case "connectionState":
            return Self.walk(.string(documents.connections.presence(of: key).isConnected ? "Connected" : "Disconnected"), rest)
        default: return Self.walk(rendered(), path.segments[...])
        }
    }

    var key: IdentityKey { IdentityKey(deviceID: twin.deviceID, moduleID: twin.moduleID) }

    /// The value of a path into the twin's own content — `tags.…`, `properties.desired.…`,
    /// `properties.reported.…` — read from the twin alone; nil for any other path (identity
    /// fields, `$version`, `$metadata`), which needs the identity or the rendered document.
    /// The twin cache's value indexes are built with this, so they agree with WHERE.
    static func contentValue(of twin: Twin, at path: QueryPath) -> QueryValue? {
        let segments = path.segments
        guard case .name(let first)? = segments.first else { return nil }
        if first == "tags" { return walk(twin.tags, segments.dropFirst()) }
        guard first == "properties", segments.count >= 2, case .name(let name) = segments[1] else { return nil }
        let section: TwinProperties
        switch name {
        case "desired": section = twin.desired
        case "reported": section = twin.reported
        default: return nil
        }
        if segments.count >= 3, case .name(let member) = segments[2], member.utf8.first == UInt8(ascii: "$") { return nil }
        return walk(section.values, segments.dropFirst(2))
    }

    /// The REST `Twin` (contract §4.3) as `GET /twins/{id}` shows it.
    func rendered() -> JSONValue {
        let live = documents.connections.presence(of: key)
        let presence = PresenceFields(isConnected: live.isConnected, connectionStateUpdatedTime: live.stateUpdatedTime,
                                      lastActivityTime: live.lastActivityTime)
        let fields: TwinIdentityFields
        if let moduleID = twin.moduleID, let module = documents.module(twin.deviceID, moduleID) {
            fields = TwinIdentityFields(module: module, presence: presence)
        } else if let device = documents.device(twin.deviceID) {
            fields = TwinIdentityFields(device: device, presence: presence)
        } else {
            return .null  // not reached: a document exists only for an identity of the snapshot
        }
        return twin.json(identity: fields)
    }

    /// The value `segments` lead to from an object, without wrapping the object first unless
    /// the path ends at it.
    static func walk(_ object: JSONObject, _ segments: ArraySlice<QueryPath.Segment>) -> QueryValue {
        guard case .name(let name)? = segments.first else { return segments.isEmpty ? .value(.object(object)) : .undefined }
        guard let member = object[name] else { return .undefined }
        return member.value(following: segments.dropFirst())
    }

    static func walk(_ value: JSONValue, _ segments: ArraySlice<QueryPath.Segment>) -> QueryValue {
        value.value(following: segments)
    }
}
