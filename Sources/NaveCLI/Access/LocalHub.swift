import NaveCore
import NaveModel
import NaveNode
import NaveStore

/// The hub's store opened by the CLI itself (no node runs on it): the registry is loaded and
/// changed exactly as a node would, and the data directory stays locked meanwhile.
final class LocalHub: HubAccess {
    let directory: DataDirectory
    let database: SQLiteDatabase
    let registry: IdentityRegistry
    /// Twin change events made here are not kept: no node runs to carry them to the event log.
    let twins: DeviceTwins

    init(dataDirectory path: String) async throws {
        directory = try DataDirectory(path: path, creation: .requireExisting)
        do {
            database = try await SQLiteDatabase(path: directory.database)
            registry = try await IdentityRegistry(store: SQLiteIdentityStore(database: database), clock: SystemClock(), random: SystemRandom())
            twins = DeviceTwins(store: SQLiteTwinStore(database: database), registry: registry, clock: SystemClock(),
                                telemetry: InMemoryTelemetrySink())
        } catch {
            directory.close()
            throw error
        }
    }

    func query(_ text: String, continuation: String?) async throws -> (rows: [JSONValue], continuation: String?) {
        let page = try await HubQuery(registry: registry, twins: twins).page(text, pageRows: nil, continuation: continuation)
        return (page.rows, page.continuation)
    }

    func createDevice(_ request: DeviceRequest) async throws -> JSONValue {
        try await registry.createDevice(request).json()
    }

    func updateDevice(_ request: DeviceRequest, etag: String?) async throws -> JSONValue {
        try await registry.updateDevice(request, ifMatch: etag ?? "*").json()
    }

    func device(_ deviceID: String) async throws -> JSONValue {
        guard let device = registry.device(deviceID) else { throw HubError.deviceNotFound(deviceID: deviceID) }
        return device.json()
    }

    func devices(top: Int?) async throws -> JSONValue {
        .array(registry.devices(limit: top).map { $0.json() })
    }

    func deleteDevice(_ deviceID: String, etag: String?) async throws {
        try await registry.deleteDevice(deviceID, ifMatch: etag)
    }

    func policies() async throws -> JSONValue { .array(registry.policies.map(\.json)) }

    func createPolicy(name: String, rights: AccessRights) async throws -> JSONValue {
        try await registry.createPolicy(name: name, rights: rights).json
    }

    func deletePolicy(name: String) async throws { try await registry.deletePolicy(name: name) }

    func regenerateKey(policy: String, slot: String) async throws -> JSONValue {
        guard let slot = IdentityRegistry.KeySlot(rawValue: slot) else {
            throw CommandFailure(description: "--key must be primary, secondary or swap")
        }
        return try await registry.regenerateKey(policy: policy, slot: slot).json
    }

    func events(query: [(String, String)]) async throws -> JSONValue {
        throw CommandFailure(description: "reading events needs a running node")
    }

    func twin(deviceID: String, moduleID: String?) async throws -> JSONValue {
        try twins.json(of: try await twins.twin(IdentityKey(deviceID: deviceID, moduleID: moduleID)))
    }

    func updateTwin(deviceID: String, moduleID: String?, _ update: TwinUpdate, etag: String?) async throws -> JSONValue {
        try twins.json(of: try await twins.updateTwin(IdentityKey(deviceID: deviceID, moduleID: moduleID), update, ifMatch: etag))
    }

    func replaceTwin(deviceID: String, moduleID: String?, _ update: TwinUpdate, etag: String?) async throws -> JSONValue {
        try twins.json(of: try await twins.replaceTwin(IdentityKey(deviceID: deviceID, moduleID: moduleID), update, ifMatch: etag))
    }

    /// Refused: a method reaches a device through its live connection, which only a running
    /// node holds.
    func createImportExportJob(_ properties: JSONValue) async throws -> JSONValue {
        throw CommandFailure(description: "an import/export job needs a running node: start `nave serve` on \(directory.path) first")
    }

    func importExportJob(_ jobID: String) async throws -> JSONValue {
        throw CommandFailure(description: "import/export jobs live in a running node: start `nave serve` on \(directory.path) first")
    }

    func invokeMethod(_ call: MethodCall) async throws -> JSONValue {
        throw CommandFailure(description: "a method call needs a running node: start `nave serve` on \(directory.path) first")
    }

    func close() async {
        try? database.close()
        directory.close()
    }
}
