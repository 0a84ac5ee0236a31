import NaveCore
import NaveHTTP
import NaveModel

/// The registry resources: devices and modules (create, update, get, list, delete), bulk,
/// statistics (contract §4.2, semantics §4.4).
extension ServiceAPI {
    func serve(_ route: ServiceRoute, _ request: HTTPRequest, query: [(name: String, value: String)]) async throws(HubError) -> HTTPResponse {
        let method = request.head.method
        let ifMatch = request.head.headers["If-Match"]
        switch (route, method) {
        case (.cloudToDevice(let route), _):
            return try await serveCloudToDevice(route, request)
        case (.jobs(let route), _):
            return try await serveJobs(route, request, query: query)
        case (.configurations(let route), _):
            return try await serveConfigurations(route, request, query: query)
        case (.routing(let route), _):
            return try await serveRouting(route, request)
        case (.devices, "GET"):
            let top = try query.first { $0.name == "top" }.map { item throws(HubError) in
                guard let value = Int(item.value), value >= 0 else { throw HubError.argumentInvalid("top must be a non-negative integer.") }
                return value
            }
            var devices: [JSONValue] = []
            for device in registry.devices(limit: top) {
                devices.append(device.json(presence: await presence(of: IdentityKey(deviceID: device.deviceID))))
            }
            return json(.array(devices))
        case (.devices, "POST"):
            let entries = try ExportImportDevice.bulkRequest(json: try body(request))
            let result = try await registry.bulk(entries)
            // 400 with the failures in the body: the SDK reads it instead of raising (§4.4).
            return json(result.json, status: result.httpStatus)
        case (.device(let id), "GET"):
            guard let device = registry.device(id) else { throw .deviceNotFound(deviceID: id) }
            return json(device.json(presence: await presence(of: IdentityKey(deviceID: id))), etag: device.etag)
        case (.device(let id), "PUT"):
            let request = try DeviceRequest(json: try body(request), pathDeviceID: id)
            // Without If-Match a PUT creates; with it (even "*") it updates (§4.4). 200, not 201.
            let device = ifMatch == nil
                ? try await registry.createDevice(request)
                : try await registry.updateDevice(request, ifMatch: ifMatch)
            return json(device.json(presence: await presence(of: IdentityKey(deviceID: id))), etag: device.etag)
        case (.device(let id), "DELETE"):
            try await registry.deleteDevice(id, ifMatch: ifMatch)
            return HTTPResponse(status: 204)
        case (.modules(let deviceID), "GET"):
            let modules = try registry.modules(of: deviceID)
            var listed: [JSONValue] = []
            for module in modules {
                listed.append(module.json(presence: await presence(of: IdentityKey(deviceID: deviceID, moduleID: module.moduleID))))
            }
            return json(.array(listed))
        case (.module(let deviceID, let moduleID), "GET"):
            guard registry.device(deviceID) != nil else { throw .deviceNotFound(deviceID: deviceID) }
            guard let module = registry.module(deviceID, moduleID) else { throw .moduleNotFound(deviceID: deviceID, moduleID: moduleID) }
            return json(module.json(presence: await presence(of: IdentityKey(deviceID: deviceID, moduleID: moduleID))), etag: module.etag)
        case (.module(let deviceID, let moduleID), "PUT"):
            let request = try ModuleRequest(json: try body(request), pathDeviceID: deviceID, pathModuleID: moduleID)
            let module = try await registry.putModule(request, ifMatch: ifMatch)
            return json(module.json(presence: await presence(of: IdentityKey(deviceID: deviceID, moduleID: moduleID))), etag: module.etag)
        case (.module(let deviceID, let moduleID), "DELETE"):
            try await registry.deleteModule(deviceID, moduleID, ifMatch: ifMatch)
            return HTTPResponse(status: 204)
        case (.deviceStatistics, _):
            return json(registry.statistics.json)
        case (.serviceStatistics, _):
            return json(ServiceStatistics(connectedDeviceCount: registry.connections.connectedDeviceCount).json)
        case (.events, _):
            return try await serveEvents(query)
        case (.consumerGroups, _), (.consumerGroup, _):
            return try await serveConsumerGroups(route, method: method)
        case (.policies, _):
            return json(.array(registry.policies.map(\.json)))
        case (.policy(let name), "PUT"):
            let rightsText = try JSONFieldReader(try body(request)).string("rights")
            guard let rightsText, let rights = AccessRights(names: rightsText) else {
                throw .argumentInvalid("rights must list RegistryRead, RegistryWrite, ServiceConnect or DeviceConnect.")
            }
            return json(try await registry.createPolicy(name: name, rights: rights).json)
        case (.policy(let name), "DELETE"):
            try await registry.deletePolicy(name: name)
            return HTTPResponse(status: 204)
        case (.policyKey(let name), _):
            let slotName = query.first { $0.name == "key" }?.value ?? "primary"
            guard let slot = IdentityRegistry.KeySlot(rawValue: slotName) else { throw .argumentInvalid("key must be primary, secondary or swap.") }
            return json(try await registry.regenerateKey(policy: name, slot: slot).json)
        case (.twin, _), (.moduleTwin, _):
            return try await serveTwin(route, request)
        default:
            throw .methodNotAllowed(method)
        }
    }

    /// The request body as JSON; an empty or invalid body is ArgumentInvalid.
    func body(_ request: HTTPRequest) throws(HubError) -> JSONValue {
        do {
            return try JSONValue(parsing: request.body)
        } catch {
            throw .invalidJSON(error)
        }
    }

    private func presence(of key: IdentityKey) async -> PresenceFields {
        let presence = registry.connections.presence(of: key)
        return PresenceFields(isConnected: presence.isConnected, connectionStateUpdatedTime: presence.stateUpdatedTime,
                              lastActivityTime: presence.lastActivityTime,
                              cloudToDeviceMessageCount: await hub.cloudToDevice.pendingCount(key))
    }
}
