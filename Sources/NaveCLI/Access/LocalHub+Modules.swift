import NaveCore
import NaveModel

/// Modules in the store, changed exactly as a node's registry would.
extension LocalHub {
    func modules(deviceID: String) async throws -> JSONValue {
        .array(try registry.modules(of: deviceID).map { $0.json() })
    }

    func module(deviceID: String, moduleID: String) async throws -> JSONValue {
        guard registry.device(deviceID) != nil else { throw HubError.deviceNotFound(deviceID: deviceID) }
        guard let module = registry.module(deviceID, moduleID) else { throw HubError.moduleNotFound(deviceID: deviceID, moduleID: moduleID) }
        return module.json()
    }

    func putModule(_ request: ModuleRequest, ifMatch: String?) async throws -> JSONValue {
        try await registry.putModule(request, ifMatch: ifMatch).json()
    }

    func deleteModule(deviceID: String, moduleID: String, etag: String?) async throws {
        try await registry.deleteModule(deviceID, moduleID, ifMatch: etag)
    }
}
