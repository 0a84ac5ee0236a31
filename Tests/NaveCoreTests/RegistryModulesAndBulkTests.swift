import NaveCore
import NaveModel
import Testing

@Suite("Identity registry: modules, bulk, policies")
struct RegistryModulesAndBulkTests {
    @Test("modules need their device; PUT creates, PUT with If-Match updates, a second create is refused")
    func modules() async throws {
        let registry = try await makeRegistry()
        await #expect(throws: RegistryFailure.deviceNotFound(deviceID: "dev1")) {
            try await registry.putModule(ModuleSpec(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        }
        _ = try await registry.createDevice(DeviceSpec(deviceID: "dev1"))
        let module = try await registry.putModule(ModuleSpec(deviceID: "dev1", moduleID: "m1", managedBy: "me"), ifMatch: nil)
        #expect(module.etag == "MQ==" && module.managedBy == "me")
        await #expect(throws: RegistryFailure.moduleAlreadyExists(deviceID: "dev1", moduleID: "m1")) {
            try await registry.putModule(ModuleSpec(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        }
        let updated = try await registry.putModule(ModuleSpec(deviceID: "dev1", moduleID: "m1"), ifMatch: "\"MQ==\"")
        #expect(updated.etag == "Mg==" && updated.authentication.primaryKey == module.authentication.primaryKey)
        #expect(try registry.modules(of: "dev1").map(\.moduleID) == ["m1"])
        await #expect(throws: RegistryFailure.moduleNotFound(deviceID: "dev1", moduleID: "m2")) {
            try await registry.deleteModule("dev1", "m2", ifMatch: nil)
        }
        try await registry.deleteModule("dev1", "m1", ifMatch: "*")
        #expect(try registry.modules(of: "dev1").isEmpty)
    }

    @Test("bulk applies each entry by its mode and reports the failures without undoing the rest")
    func bulk() async throws {
        let registry = try await makeRegistry()
        _ = try await registry.createDevice(DeviceSpec(deviceID: "existing"))
        let failures = try await registry.bulk([
            BulkDeviceOperation(mode: .create, spec: DeviceSpec(deviceID: "b1")),
            BulkDeviceOperation(mode: .create, spec: DeviceSpec(deviceID: "existing")),
            BulkDeviceOperation(mode: .updateIfMatchETag, spec: DeviceSpec(deviceID: "existing", status: .disabled), etag: "wrong"),
            BulkDeviceOperation(mode: .update, spec: DeviceSpec(deviceID: "b1", statusReason: "updated in the same call")),
            BulkDeviceOperation(mode: .delete, spec: DeviceSpec(deviceID: "missing")),
        ])
        #expect(failures.map(\.deviceID) == ["existing", "existing", "missing"])
        #expect(failures.map(\.failure) == [.deviceAlreadyExists(deviceID: "existing"), .preconditionFailed(current: "MQ=="), .deviceNotFound(deviceID: "missing")])
        #expect(registry.device("b1")?.statusReason == "updated in the same call")
        #expect(registry.device("existing")?.status == .enabled)
    }

    @Test("bulk refuses more than 100 entries")
    func bulkLimit() async throws {
        let registry = try await makeRegistry()
        let operations = (0...100).map { BulkDeviceOperation(mode: .create, spec: DeviceSpec(deviceID: "d\($0)")) }
        await #expect(throws: RegistryFailure.self) { try await registry.bulk(operations) }
        #expect(registry.statistics.totalDeviceCount == 0)
    }

    @Test("statistics count enabled and disabled devices")
    func statistics() async throws {
        let registry = try await makeRegistry()
        _ = try await registry.createDevice(DeviceSpec(deviceID: "a"))
        _ = try await registry.createDevice(DeviceSpec(deviceID: "b", status: .disabled))
        #expect(registry.statistics == .init(totalDeviceCount: 2, enabledDeviceCount: 1, disabledDeviceCount: 1))
        #expect(registry.devices(limit: 1).map(\.deviceID) == ["a"])
    }

    @Test("policies: create, regenerate and swap keys, delete; the last one stays")
    func policies() async throws {
        let registry = try await makeRegistry()
        let created = try await registry.createPolicy(name: "ops", rights: [.registryRead])
        await #expect(throws: RegistryFailure.policyAlreadyExists(name: "ops")) {
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
