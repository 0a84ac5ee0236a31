import NaveModel

/// Modules through the REST API's module routes (contract §4.2).
extension RemoteHub {
    func modules(deviceID: String) async throws -> JSONValue {
        try call("GET", "/devices/\(escaped(deviceID))/modules")
    }

    func module(deviceID: String, moduleID: String) async throws -> JSONValue {
        try call("GET", modulePath(deviceID, moduleID))
    }

    /// `PUT` with the body the service SDK sends, `{"moduleId","managedBy","deviceId","authentication"}`;
    /// without If-Match it creates, with it (even "*") it updates.
    func putModule(_ request: ModuleRequest, ifMatch: String?) async throws -> JSONValue {
        let body: JSONValue = ["moduleId": .string(request.moduleID), "managedBy": JSONValue(orNull: request.managedBy),
                               "deviceId": .string(request.deviceID), "authentication": request.authentication.json]
        return try call("PUT", modulePath(request.deviceID, request.moduleID), body: body, ifMatch: ifMatch.map { "\"\($0)\"" })
    }

    func deleteModule(deviceID: String, moduleID: String, etag: String?) async throws {
        _ = try call("DELETE", modulePath(deviceID, moduleID), ifMatch: "\"\(etag ?? "*")\"")
    }

    private func modulePath(_ deviceID: String, _ moduleID: String) -> String {
        "/devices/\(escaped(deviceID))/modules/\(escaped(moduleID))"
    }
}
