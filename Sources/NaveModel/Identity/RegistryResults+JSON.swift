/// The result of a bulk registry call (contract §4.3 `BulkRegistryOperationResult`, §4.4):
/// HTTP 200 when every entry succeeded, 400 with the same shape when any failed (the SDK
/// reads the body either way).
public struct BulkRegistryOperationResult: Sendable, Equatable {
    /// One failed entry.
    public struct Failure: Sendable, Equatable {
        public var deviceID: String
        public var moduleID: String?
        public var operation: ExportImportDevice.ImportMode
        /// Rendered as `errorCode` (its name, e.g. `DeviceAlreadyExists`) and `errorStatus`
        /// (its message).
        public var error: HubError

        public init(deviceID: String, moduleID: String? = nil, operation: ExportImportDevice.ImportMode, error: HubError) {
            self.deviceID = deviceID
            self.moduleID = moduleID
            self.operation = operation
            self.error = error
        }
    }

    /// A completed entry worth a remark.
    public struct Warning: Sendable, Equatable {
        public var deviceID: String
        public var warningCode: String
        public var warningStatus: String

        public init(deviceID: String, warningCode: String, warningStatus: String) {
            self.deviceID = deviceID
            self.warningCode = warningCode
            self.warningStatus = warningStatus
        }
    }

    public var errors: [Failure]
    public var warnings: [Warning]

    public init(errors: [Failure] = [], warnings: [Warning] = []) {
        self.errors = errors
        self.warnings = warnings
    }

    public var isSuccessful: Bool { errors.isEmpty }
    /// 200 when every entry succeeded, else 400 (contract §0.1 item 13).
    public var httpStatus: Int { isSuccessful ? 200 : 400 }

    /// `{"isSuccessful","errors":[{deviceId,errorCode,errorStatus,moduleId,operation}],
    /// "warnings":[{deviceId,warningCode,warningStatus}]}`; `moduleId` only for modules.
    public var json: JSONValue {
        let errors: [JSONValue] = errors.map { failure in
            var object = JSONObject([
                ("deviceId", .string(failure.deviceID)),
                ("errorCode", .string(failure.error.name)),
                ("errorStatus", .string(failure.error.message)),
            ])
            if let moduleID = failure.moduleID { object["moduleId"] = .string(moduleID) }
            object["operation"] = .string(failure.operation.rawValue)
            return .object(object)
        }
        let warnings: [JSONValue] = warnings.map { warning in
            .object(JSONObject([
                ("deviceId", .string(warning.deviceID)),
                ("warningCode", .string(warning.warningCode)),
                ("warningStatus", .string(warning.warningStatus)),
            ]))
        }
        return .object(JSONObject([
            ("isSuccessful", .bool(isSuccessful)), ("errors", .array(errors)), ("warnings", .array(warnings)),
        ]))
    }
}

/// `GET /statistics/devices` (contract §4.2): counts from the registry.
public struct RegistryStatistics: Sendable, Equatable {
    public var totalDeviceCount: Int
    public var enabledDeviceCount: Int
    public var disabledDeviceCount: Int

    public init(totalDeviceCount: Int, enabledDeviceCount: Int, disabledDeviceCount: Int) {
        self.totalDeviceCount = totalDeviceCount
        self.enabledDeviceCount = enabledDeviceCount
        self.disabledDeviceCount = disabledDeviceCount
    }

    public var json: JSONValue {
        .object(JSONObject([
            ("totalDeviceCount", .integer(Int64(totalDeviceCount))),
            ("enabledDeviceCount", .integer(Int64(enabledDeviceCount))),
            ("disabledDeviceCount", .integer(Int64(disabledDeviceCount))),
        ]))
    }
}

/// `GET /statistics/service` (contract §4.2): devices with a live connection.
public struct ServiceStatistics: Sendable, Equatable {
    public var connectedDeviceCount: Int

    public init(connectedDeviceCount: Int) { self.connectedDeviceCount = connectedDeviceCount }

    public var json: JSONValue {
        .object(JSONObject([("connectedDeviceCount", .integer(Int64(connectedDeviceCount)))]))
    }
}
