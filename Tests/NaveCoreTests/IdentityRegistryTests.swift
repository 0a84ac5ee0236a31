import NaveCore
import NaveModel
import NaveTestSupport
import Testing

@Suite("Identity registry")
struct IdentityRegistryTests {
    @Test("a new hub gets IoT Hub's five default policies with distinct generated keys")
    func defaultPolicies() async throws {
        let registry = try await makeRegistry()
        let names = registry.policies.map(\.name)
        #expect(names == ["device", "iothubowner", "registryRead", "registryReadWrite", "service"])
        let owner = try #require(registry.policy(named: "iothubowner"))
        #expect(owner.rights == [.registryRead, .registryWrite, .serviceConnect, .deviceConnect])
        let keys = registry.policies.flatMap { [$0.primaryKey, $0.secondaryKey] }
        #expect(Set(keys).count == 10)
    }

    @Test("create generates SAS keys when none are given, sets etag MQ== and a generation id")
    func createGeneratesKeys() async throws {
        let registry = try await makeRegistry()
        let device = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        #expect(device.etag == "MQ==")
        #expect(device.generationID.count == 18)
        #expect(device.authentication.kind == .sas)
        let primary = try #require(device.authentication.primaryKey)
        #expect(primary != device.authentication.secondaryKey)
        #expect(registry.device("dev1") == device)
    }

    @Test("create keeps given keys and refuses an existing id with deviceAlreadyExists")
    func createTwice() async throws {
        let registry = try await makeRegistry()
        let spec = DeviceRequest(deviceID: "dev1", authentication: .sas(primaryKey: keyA, secondaryKey: keyB))
        let device = try await registry.createDevice(spec)
        #expect(device.authentication.primaryKey == keyA)
        await #expect(throws: HubError.deviceAlreadyExists(deviceID: "dev1")) {
            try await registry.createDevice(spec)
        }
    }

    @Test("invalid ids, keys and thumbprints are refused before anything is stored")
    func invalidArguments() async throws {
        let registry = try await makeRegistry()
        for spec in [
            DeviceRequest(deviceID: ""),
            DeviceRequest(deviceID: "a/b"),
            DeviceRequest(deviceID: String(repeating: "x", count: 129)),
            DeviceRequest(deviceID: "ünicode"),
            DeviceRequest(deviceID: "d", authentication: .sas(primaryKey: "not base64!", secondaryKey: keyB)),
            DeviceRequest(deviceID: "d", authentication: .selfSigned(primaryThumbprint: "1234")),
            DeviceRequest(deviceID: "d", authentication: .selfSigned(primaryThumbprint: nil)),
            DeviceRequest(deviceID: "d", statusReason: "nul\u{0}inside"),
            DeviceRequest(deviceID: "d", statusReason: String(repeating: "r", count: 129)),
        ] {
            await #expect(throws: HubError.self) { try await registry.createDevice(spec) }
        }
        #expect(registry.devices().isEmpty)
    }

    @Test("update checks If-Match (quoted, weak, *), bumps the etag and keeps the generation id")
    func updateWithETags() async throws {
        let registry = try await makeRegistry()
        let created = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        var spec = DeviceRequest(deviceID: "dev1", statusReason: "first")
        let first = try await registry.updateDevice(spec, ifMatch: "\"MQ==\"")
        #expect(first.etag == "Mg==")
        #expect(first.generationID == created.generationID)
        #expect(first.authentication.primaryKey == created.authentication.primaryKey, "an update without keys keeps them")
        spec.statusReason = "second"
        await #expect(throws: HubError.preconditionFailed()) {
            try await registry.updateDevice(spec, ifMatch: "\"MQ==\"")
        }
        let second = try await registry.updateDevice(spec, ifMatch: "W/\"Mg==\"")
        let third = try await registry.updateDevice(spec, ifMatch: "\"*\"")
        #expect(second.etag == "Mw==" && third.etag == "NA==")
        await #expect(throws: HubError.deviceNotFound(deviceID: "nope")) {
            try await registry.updateDevice(DeviceRequest(deviceID: "nope"), ifMatch: "*")
        }
    }

    @Test("disabling a device revokes its and its modules' connections; new keys revoke only its own")
    func revocation() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        _ = try await registry.putModule(ModuleRequest(deviceID: "dev1", moduleID: "m1"), ifMatch: nil)
        let deviceConnection = RecordingConnection()
        let moduleConnection = RecordingConnection()
        registry.connections.register(deviceConnection, as: IdentityKey(deviceID: "dev1"), at: clock.now())
        registry.connections.register(moduleConnection, as: IdentityKey(deviceID: "dev1", moduleID: "m1"), at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 1)

        _ = try await registry.updateDevice(DeviceRequest(deviceID: "dev1", authentication: .sas(primaryKey: keyA, secondaryKey: keyB)), ifMatch: "*")
        #expect(deviceConnection.revoked == [.credentialsChanged])
        #expect(moduleConnection.revoked.isEmpty)

        _ = try await registry.updateDevice(DeviceRequest(deviceID: "dev1", status: .disabled, authentication: .sas(primaryKey: keyA, secondaryKey: keyB)), ifMatch: "*")
        #expect(deviceConnection.revoked == [.credentialsChanged, .deviceDisabled])
        #expect(moduleConnection.revoked == [.deviceDisabled])

        try await registry.deleteDevice("dev1", ifMatch: nil)
        #expect(moduleConnection.revoked.last == .deviceDeleted)
        #expect(registry.module("dev1", "m1") == nil)
    }

    @Test("presence follows registrations: state, times and the connected count")
    func presence() async throws {
        let clock = ManualClock()
        let registry = try await makeRegistry(clock: clock)
        let key = IdentityKey(deviceID: "dev1")
        let a = RecordingConnection(), b = RecordingConnection()
        registry.connections.register(a, as: key, at: clock.now())
        clock.advance(seconds: 5)
        registry.connections.register(b, as: key, at: clock.now())
        registry.connections.unregister(a, as: key, at: clock.now())
        #expect(registry.connections.presence(of: key).isConnected)
        #expect(registry.connections.connectedDeviceCount == 1)
        clock.advance(seconds: 5)
        registry.connections.unregister(b, as: key, at: clock.now())
        let presence = registry.connections.presence(of: key)
        #expect(!presence.isConnected)
        #expect(presence.stateUpdatedTime == clock.now())
        #expect(registry.connections.connectedDeviceCount == 0)
        registry.connections.unregister(b, as: key, at: clock.now())
        #expect(registry.connections.connectedDeviceCount == 0, "a second unregister changes nothing")
    }

    @Test("a write the store refuses changes nothing, and the registry keeps working")
    func storeFailure() async throws {
        let store = FailingStore()
        let registry = try await makeRegistry(store: store)
        store.failNext.store(true, ordering: .relaxed)
        await #expect(throws: HubError.self) { try await registry.createDevice(DeviceRequest(deviceID: "dev1")) }
        #expect(registry.device("dev1") == nil)
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        #expect(try await store.loadRegistry().devices.map(\.deviceID) == ["dev1"])
    }

    @Test("concurrent conditional updates: exactly one of those sharing an etag wins")
    func concurrentUpdates() async throws {
        let registry = try await makeRegistry()
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        let wins = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    (try? await registry.updateDevice(DeviceRequest(deviceID: "dev1", statusReason: "\(index)"), ifMatch: "\"MQ==\"")) != nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
    }

    @Test("the registry reloads from its store")
    func reload() async throws {
        let store = InMemoryIdentityStore()
        let first = try await makeRegistry(store: store)
        let device = try await first.createDevice(DeviceRequest(deviceID: "dev1"))
        let policies = first.policies
        let second = try await makeRegistry(store: store)
        #expect(second.device("dev1") == device)
        #expect(second.policies == policies, "existing policies are not regenerated")
    }
}
