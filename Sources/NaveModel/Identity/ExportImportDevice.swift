/// One entry of a bulk registry call, `POST /devices` (contract §4.2, §4.3 `ExportImportDevice`),
/// validated. Fields the caller left out are nil, so each import mode can tell "unset" from
/// "set to the default".
public struct ExportImportDevice: Sendable, Equatable {
    /// What to do with the entry (IoT Hub's documented `importMode` values, contract §4.3 and
    /// reference §3.5, which adds `createOrUpdate`, an import line's default, and
    /// `createOrUpdateIfMatchETag`).
    public enum ImportMode: String, Sendable, Equatable, CaseIterable {
        case create, createOrUpdate, createOrUpdateIfMatchETag, update, updateIfMatchETag, delete, deleteIfMatchETag
        case updateTwin, updateTwinIfMatchETag

        /// The modes that change only the twin, never the identity.
        public var isTwinOnly: Bool { self == .updateTwin || self == .updateTwinIfMatchETag }
        /// The modes that remove the device.
        public var isDelete: Bool { self == .delete || self == .deleteIfMatchETag }
    }

    /// At most this many entries per call (contract §8).
    public static let bulkDevicesMax = 100

    public var deviceID: String
    /// Set when the entry is a module of `deviceID`.
    public var moduleID: String?
    /// `eTag`: compared by the `…IfMatchETag` modes.
    public var etag: String?
    public var importMode: ImportMode
    public var status: DeviceStatus?
    public var statusReason: String?
    /// Nil when absent (a create then gets generated SAS keys).
    public var authentication: Authentication?
    /// `twinETag`: compared by `updateTwinIfMatchETag`.
    public var twinETag: String?
    public var tags: JSONObject?
    public var desired: JSONObject?
    public var reported: JSONObject?
    public var iotEdge: Bool?
    public var deviceScope: String?
    public var parentScopes: [String]?

    public init(deviceID: String, moduleID: String? = nil, etag: String? = nil, importMode: ImportMode,
                status: DeviceStatus? = nil, statusReason: String? = nil, authentication: Authentication? = nil,
                twinETag: String? = nil, tags: JSONObject? = nil, desired: JSONObject? = nil,
                reported: JSONObject? = nil, iotEdge: Bool? = nil, deviceScope: String? = nil,
                parentScopes: [String]? = nil) {
        self.deviceID = deviceID
        self.moduleID = moduleID
        self.etag = etag
        self.importMode = importMode
        self.status = status
        self.statusReason = statusReason
        self.authentication = authentication
        self.twinETag = twinETag
        self.tags = tags
        self.desired = desired
        self.reported = reported
        self.iotEdge = iotEdge
        self.deviceScope = deviceScope
        self.parentScopes = parentScopes
    }

    /// Reads one entry; `path` prefixes error messages (`devices[3].`). `defaultMode` is the
    /// mode of an entry without `importMode` (an import job's lines: `createOrUpdate`, §3.5);
    /// nil makes it required (`POST /devices`).
    public init(json: JSONValue, path: String = "", defaultMode: ImportMode? = nil) throws(HubError) {
        let fields = try JSONFieldReader(json, path: path)
        guard let importMode = try fields.choice("importMode", ImportMode.self) ?? defaultMode else {
            throw HubError.argumentInvalid(
                "\(path)importMode must be one of \(ImportMode.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let moduleID = try fields.string("moduleId")
        if let moduleID { try IdentityID.validate(moduleID, field: "\(path)moduleId") }
        let properties = try fields.reader("properties")
        let authentication: Authentication? = if let value = fields.value("authentication") {
            try Authentication(requestJSON: value, path: "\(path)authentication.")
        } else {
            nil
        }
        self.init(
            deviceID: try DeviceRequest.identifier(fields, "id", path: nil),
            moduleID: moduleID,
            etag: try fields.string("eTag"),
            importMode: importMode,
            status: try fields.choice("status", DeviceStatus.self),
            statusReason: try DeviceRequest.statusReason(fields),
            authentication: authentication,
            twinETag: try fields.string("twinETag"),
            tags: try fields.object("tags"),
            desired: try properties?.object("desired"),
            reported: try properties?.object("reported"),
            iotEdge: try fields.reader("capabilities")?.bool("iotEdge"),
            deviceScope: try fields.string("deviceScope"),
            parentScopes: try fields.strings("parentScopes")
        )
    }

    /// Reads a whole bulk body: a JSON array of at most `devicesMax` entries (413002
    /// TooManyDevices beyond), each valid (400004 naming `devices[i].` otherwise).
    public static func bulkRequest(json: JSONValue, devicesMax: Int = bulkDevicesMax) throws(HubError) -> [ExportImportDevice] {
        guard case .array(let elements) = json else {
            throw HubError.argumentInvalid("The request body must be a JSON array of devices.")
        }
        guard elements.count <= devicesMax else {
            throw HubError.tooManyDevices(count: elements.count, countMax: devicesMax)
        }
        var devices: [ExportImportDevice] = []
        devices.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            devices.append(try ExportImportDevice(json: element, path: "devices[\(index)]."))
        }
        return devices
    }
}
