import NaveCore
import NaveModel
import Testing

@Suite("Identity registry: modules, bulk, policies")
struct RegistryModulesAndBulkTests {
    @Test("modules need their device; PUT creates, PUT with If-Match updates, a second create is refused")
    func modules() async throws {
        let registry = try await makeRegistry()
        await #expect(throws: HubError.deviceNotFound(deviceID: "dev1")) {
            try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        }
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        let module = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1", managedBy: "me"), ifMatch: nil)
        #expect(module.etag == "MQ==" && module.managedBy == "me")
        await #expect(throws: HubError.moduleAlreadyExistsOnDevice(deviceID: "dev1", moduleID: "m1")) {
            try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        }
        let updated = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: "\"MQ==\"")
        #expect(updated.etag == "Mg==" && updated.authentication.primaryKey == module.authentication.primaryKey)
        #expect(try registry.modules(of: "dev1").map(\.moduleID) == ["m1"])
        await #expect(throws: HubError.moduleNotFound(deviceID: "dev1", moduleID: "m2")) {
            try await registry.deleteModule("dev1", "m2", ifMatch: nil)
        }
        try await registry.deleteModule("dev1", "m1", ifMatch: "*")
        #expect(try registry.modules(of: "dev1").isEmpty)
    }

    @Test("bulk applies each entry by its mode and reports the failures without undoing the rest")
    func bulk() async throws {
        let registry = try await makeRegistry()
        _ = try await registry.createDevice(DeviceRequest(deviceID: "existing"))
        _ = try await registry.createDevice(DeviceRequest(deviceID: "other"))
        let result = try await registry.bulk([
            ExportImportDevice(deviceID: "b1", importMode: .create),
            ExportImportDevice(deviceID: "existing", importMode: .create),
            ExportImportDevice(deviceID: "other", etag: "wrong", importMode: .updateIfMatchETag, status: .disabled),
            ExportImportDevice(deviceID: "b2", importMode: .create),
            ExportImportDevice(deviceID: "b2", importMode: .update, statusReason: "twice in one call"),
            ExportImportDevice(deviceID: "missing", importMode: .delete),
        ])
        #expect(result.errors.map(\.deviceID) == ["existing", "other", "b2", "missing"])
        #expect(result.errors.map(\.error.code) == [409_001, 412_001, 400_011, 404_001])
        #expect(!result.isSuccessful && result.httpStatus == 400)
        #expect(registry.device("b1") != nil && registry.device("b2")?.statusReason == nil)
        #expect(registry.device("other")?.status == .enabled)
    }

    @Test("createOrUpdate creates or updates; createOrUpdateIfMatchETag updates only on the device's etag")
    func bulkCreateOrUpdate() async throws {
        let registry = try await makeRegistry()
        let existing = try await registry.createDevice(DeviceRequest(deviceID: "existing"))
        _ = try await registry.createDevice(DeviceRequest(deviceID: "guarded"))
        let result = try await registry.bulk([
            ExportImportDevice(deviceID: "new", importMode: .createOrUpdate, status: .disabled),
            ExportImportDevice(deviceID: "existing", importMode: .createOrUpdate, statusReason: "updated"),
            ExportImportDevice(deviceID: "guarded", etag: "wrong", importMode: .createOrUpdateIfMatchETag, statusReason: "no"),
            ExportImportDevice(deviceID: "fresh", importMode: .createOrUpdateIfMatchETag),
        ])
        #expect(result.errors.map(\.deviceID) == ["guarded"] && result.errors.map(\.error.code) == [412_001])
        #expect(registry.device("new")?.status == .disabled && registry.device("fresh") != nil)
        #expect(registry.device("existing")?.statusReason == "updated" && registry.device("existing")?.generationID == existing.generationID)
        #expect(registry.device("guarded")?.statusReason == nil)
        let matched = try await registry.bulk([ExportImportDevice(deviceID: "guarded", etag: registry.device("guarded")?.etag,
                                                                  importMode: .createOrUpdateIfMatchETag, statusReason: "yes")])
        #expect(matched.isSuccessful && registry.device("guarded")?.statusReason == "yes")
    }

    @Test("bulk refuses more than 100 entries")
    func bulkLimit() async throws {
        let registry = try await makeRegistry()
        let entries = (0...100).map { ExportImportDevice(deviceID: "d\($0)", importMode: .create) }
        await #expect(throws: HubError.self) { try await registry.bulk(entries) }
        #expect(registry.statistics.totalDeviceCount == 0)
    }

    @Test("statistics count enabled and disabled devices")
    func statistics() async throws {
        let registry = try await makeRegistry()
        _ = try await registry.createDevice(DeviceRequest(deviceID: "a"))
        _ = try await registry.createDevice(DeviceRequest(deviceID: "b", status: .disabled))
        #expect(registry.statistics == .init(totalDeviceCount: 2, enabledDeviceCount: 1, disabledDeviceCount: 1))
        #expect(registry.devices(limit: 1).map(\.deviceID) == ["a"])
    }

    @Test("policies: create, regenerate and swap keys, delete; the last one stays")
    func policies() async throws {
        let registry = try await makeRegistry()
        let created = try await registry.createPolicy(name: "ops", rights: [.registryRead])
        await #expect(throws: HubError.policyAlreadyExists(name: "ops")) {
            try await registry.createPolicy(name: "ops", rights: [.registryRead])
        }
        let renewed = try await registry.regenerateKey(policy: "ops", slot: .primary)
        #expect(renewed.primaryKey != created.primaryKey && renewed.secondaryKey == created.secondaryKey)
        let swapped = try await registry.regenerateKey(policy: "ops", slot: .swap)
        #expect(swapped.primaryKey == renewed.secondaryKey && swapped.secondaryKey == renewed.primaryKey)
        for policy in registry.policies { try? await registry.deletePolicy(name: policy.name) }
        #expect(registry.policies.count == 1, "the last policy cannot be deleted")
    }
}
