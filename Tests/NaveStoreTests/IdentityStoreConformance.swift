import NaveCore
import NaveModel
import Testing

/// What every `IdentityStore` must do, checked the same way against each `StoreFactory`: the
/// registry trusts these behaviours whichever store a node runs on.
@Suite("IdentityStore conformance")
struct IdentityStoreConformance {
    @Test("a new store loads empty", arguments: StoreFactory.all)
    func emptyLoad(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.loadRegistry() == RegistrySnapshot())
            try await store.apply([])
            #expect(try await store.loadRegistry() == RegistrySnapshot())
        }
    }

    @Test("a device keeps every field", arguments: StoreFactory.all, Sample.namedDevices)
    func deviceRoundTrip(factory: StoreFactory, device: Named<DeviceIdentity>) async throws {
        let device = device.value
        try await factory.withStore { store in
            try await store.apply([.putDevice(device)])
            #expect(try await store.loadRegistry().devices == [device])
        }
    }

    @Test("put replaces a device by id, and its modules stay", arguments: StoreFactory.all)
    func replaceDevice(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let first = Sample.devices[0]
            var second = Sample.devices[1]
            second.deviceID = first.deviceID
            try await store.apply([.putDevice(first), .putModule(Sample.module(first.deviceID, "m"))])
            try await store.apply([.putDevice(second)])
            let loaded = try await store.loadRegistry()
            #expect(loaded.devices == [second])
            #expect(loaded.modules == [Sample.module(first.deviceID, "m")])
        }
    }

    @Test("deleting a device deletes its modules and nothing else", arguments: StoreFactory.all)
    func deleteDeviceCascades(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply([
                .putDevice(Sample.device("a")), .putDevice(Sample.device("b")),
                .putModule(Sample.module("a", "m1")), .putModule(Sample.module("a", "m2")),
                .putModule(Sample.module("b", "m1")), .putPolicy(Sample.policy("p", [.registryRead])),
            ])
            try await store.apply([.deleteDevice(deviceID: "a"), .deleteDevice(deviceID: "not-there")])
            #expect(try await store.loadRegistry() == RegistrySnapshot(
                devices: [Sample.device("b")], modules: [Sample.module("b", "m1")],
                policies: [Sample.policy("p", [.registryRead])]))
            // A device re-created under the same id does not get the old modules back.
            try await store.apply([.putDevice(Sample.device("a"))])
            #expect(try await store.loadRegistry().modules == [Sample.module("b", "m1")])
        }
    }

    @Test("a module keeps every field", arguments: StoreFactory.all, Sample.namedModules)
    func moduleRoundTrip(factory: StoreFactory, module: Named<ModuleIdentity>) async throws {
        let module = module.value
        try await factory.withStore { store in
            try await store.apply([.putDevice(Sample.devices[0]), .putModule(module)])
            #expect(try await store.loadRegistry().modules == [module])
        }
    }

    @Test("put replaces a module by (device, module); delete removes one", arguments: StoreFactory.all)
    func replaceAndDeleteModule(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply([.putDevice(Sample.device("d")), .putModule(Sample.module("d", "m1")),
                                   .putModule(Sample.module("d", "m2"))])
            try await store.apply([.putModule(Sample.module("d", "m1", etag: "etag-2"))])
            #expect(try await store.loadRegistry().modules
                == [Sample.module("d", "m1", etag: "etag-2"), Sample.module("d", "m2")])
            try await store.apply([.deleteModule(deviceID: "d", moduleID: "m1"),
                                   .deleteModule(deviceID: "d", moduleID: "not-there")])
            #expect(try await store.loadRegistry().modules == [Sample.module("d", "m2")])
            #expect(try await store.loadRegistry().devices == [Sample.device("d")])
        }
    }

    @Test("policies round trip, replace by name and delete", arguments: StoreFactory.all)
    func policies(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply(Sample.policies.map { .putPolicy($0) })
            #expect(try await store.loadRegistry().policies == Sample.policies.sorted { $0.name < $1.name })
            let replaced = SharedAccessPolicy(name: "registryRead", rights: [.registryRead, .registryWrite],
                                              primaryKey: "new-primary", secondaryKey: "new-secondary")
            try await store.apply([.putPolicy(replaced), .deletePolicy(name: "none-at-all"),
                                   .deletePolicy(name: "not-there")])
            #expect(try await store.loadRegistry().policies.map(\.name) == ["clé-ü", "iothubowner", "registryRead"])
            #expect(try await store.loadRegistry().policies.last == replaced)
        }
    }

    @Test("a module may name a device put earlier in its batch, not one deleted earlier", arguments: StoreFactory.all)
    func moduleDeviceWithinBatch(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply([.putDevice(Sample.device("new")), .putModule(Sample.module("new", "m"))])
            #expect(try await store.loadRegistry().modules == [Sample.module("new", "m")])
            await #expect(throws: IdentityStoreError.unknownDevice(deviceID: "new")) {
                try await store.apply([.deleteDevice(deviceID: "new"), .putModule(Sample.module("new", "m"))])
            }
            await #expect(throws: IdentityStoreError.unknownDevice(deviceID: "never")) {
                try await store.apply([.putModule(Sample.module("never", "m"))])
            }
            #expect(try await store.loadRegistry().modules == [Sample.module("new", "m")])
        }
    }

    @Test("a batch whose last change fails leaves the store exactly as before", arguments: StoreFactory.all)
    func batchAtomicity(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply([
                .putDevice(Sample.devices[0]), .putModule(Sample.modules[0]), .putModule(Sample.modules[1]),
                .putDevice(Sample.device("other")), .putPolicy(Sample.policies[0]), .putPolicy(Sample.policies[1]),
            ])
            let before = try await store.loadRegistry()
            var changed = Sample.devices[0]
            changed.etag = "changed"
            changed.parentScopes = []
            let batch: [RegistryChange] = [
                .putDevice(changed), .putDevice(Sample.device("added")), .putModule(Sample.module("added", "m")),
                .deleteDevice(deviceID: "other"), .deleteModule(deviceID: Sample.modules[0].deviceID,
                                                                moduleID: Sample.modules[0].moduleID),
                .putPolicy(Sample.policy("added", [.deviceConnect])), .deletePolicy(name: Sample.policies[0].name),
                .putModule(Sample.module("ghost", "m")),
            ]
            await #expect(throws: IdentityStoreError.unknownDevice(deviceID: "ghost")) {
                try await store.apply(batch)
            }
            #expect(try await store.loadRegistry() == before)
            // The same batch without its failing change applies whole.
            try await store.apply(batch.dropLast())
            #expect(try await store.loadRegistry().devices.map(\.deviceID) == ["added", "every-field"])
        }
    }

    @Test("loads are sorted by id, whatever the order of writes", arguments: StoreFactory.all)
    func loadOrder(factory: StoreFactory) async throws {
        let deviceIDs = ["b", "A", "é", "a", "10", "B", "2", "a-b", "a.b", "日本"]
        try await factory.withStore { store in
            var changes: [RegistryChange] = deviceIDs.map { .putDevice(Sample.device($0)) }
            for (index, deviceID) in deviceIDs.reversed().enumerated() {
                changes.append(.putModule(Sample.module(deviceID, "m\(index % 3)")))
                changes.append(.putModule(Sample.module(deviceID, "M\(index % 2)")))
            }
            changes += ["z", "Z", "a", "ä"].map { .putPolicy(Sample.policy($0, [])) }
            try await store.apply(changes)
            let loaded = try await store.loadRegistry()
            #expect(loaded.devices.map(\.deviceID) == deviceIDs.sorted())
            let moduleKeys = loaded.modules.map { [$0.deviceID, $0.moduleID] }
            #expect(moduleKeys == moduleKeys.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) })
            #expect(moduleKeys.count == deviceIDs.count * 2)
            #expect(loaded.policies.map(\.name) == ["Z", "a", "z", "ä"])
            #expect(try await store.loadRegistry() == loaded)
        }
    }
}
