import NaveCore
import NaveModel
import Synchronization
import Testing

/// Versioned writes, re-reads and other writers: what lets several nodes share one store
/// (issue #12). Every store checks the versions itself, in the batch's transaction.
extension IdentityStoreConformance {
    @Test("a device update with a stale etag is a conflict and stores nothing; with the stored one it applies",
          arguments: StoreFactory.all)
    func staleDeviceUpdate(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply([.putDevice(Sample.device("d", etag: "MQ=="))], expecting: [.device(deviceID: "d"): .none])
            try await store.apply([.putDevice(Sample.device("d", etag: "Mg=="))], expecting: [.device(deviceID: "d"): .etag("MQ==")])
            // A second writer still holding "MQ==" plans on it.
            await #expect(throws: IdentityStoreError.conflict(.device(deviceID: "d"))) {
                try await store.apply([.putDevice(Sample.device("d", etag: "Mg=="))], expecting: [.device(deviceID: "d"): .etag("MQ==")])
            }
            #expect(try await store.loadRegistry().devices == [Sample.device("d", etag: "Mg==")])
            try await store.apply([.putDevice(Sample.device("d", etag: "Mw=="))], expecting: [.device(deviceID: "d"): .etag("Mg==")])
            #expect(try await store.loadRegistry().devices == [Sample.device("d", etag: "Mw==")])
        }
    }

    @Test("a create of an id already stored is a conflict, for devices, modules and policies", arguments: StoreFactory.all)
    func createOfExisting(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply([.putDevice(Sample.device("d")), .putModule(Sample.module("d", "m")),
                                   .putPolicy(Sample.policy("p", [.registryRead]))])
            let before = try await store.loadRegistry()
            var other = Sample.device("d")
            other.generationID = "another-node"
            await #expect(throws: IdentityStoreError.conflict(.device(deviceID: "d"))) {
                try await store.apply([.putDevice(other)], expecting: [.device(deviceID: "d"): .none])
            }
            await #expect(throws: IdentityStoreError.conflict(.module(deviceID: "d", moduleID: "m"))) {
                try await store.apply([.putModule(Sample.module("d", "m", etag: "x"))],
                                      expecting: [.module(deviceID: "d", moduleID: "m"): .none])
            }
            await #expect(throws: IdentityStoreError.conflict(.policy(name: "p"))) {
                try await store.apply([.putPolicy(Sample.policy("p", [.serviceConnect]))], expecting: [.policy(name: "p"): .none])
            }
            #expect(try await store.loadRegistry() == before)
        }
    }

    @Test("a delete of a row another writer changed is a conflict; a policy is compared whole", arguments: StoreFactory.all)
    func deleteOfChanged(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let policy = Sample.policy("p", [.registryRead])
            var renewed = policy
            renewed.primaryKey = "renewed-primary"
            try await store.apply([.putDevice(Sample.device("d", etag: "Mg==")), .putModule(Sample.module("d", "m", etag: "Mg==")),
                                   .putPolicy(renewed)])
            let before = try await store.loadRegistry()
            await #expect(throws: IdentityStoreError.conflict(.device(deviceID: "d"))) {
                try await store.apply([.deleteDevice(deviceID: "d")], expecting: [.device(deviceID: "d"): .etag("MQ==")])
            }
            await #expect(throws: IdentityStoreError.conflict(.module(deviceID: "d", moduleID: "m"))) {
                try await store.apply([.deleteModule(deviceID: "d", moduleID: "m")],
                                      expecting: [.module(deviceID: "d", moduleID: "m"): .etag("MQ==")])
            }
            // The writer read the policy before its key was renewed.
            await #expect(throws: IdentityStoreError.conflict(.policy(name: "p"))) {
                try await store.apply([.deletePolicy(name: "p")], expecting: [.policy(name: "p"): .policy(policy)])
            }
            // A row deleted by another writer: what was read is no longer there either.
            await #expect(throws: IdentityStoreError.conflict(.device(deviceID: "gone"))) {
                try await store.apply([.deleteDevice(deviceID: "gone")], expecting: [.device(deviceID: "gone"): .etag("MQ==")])
            }
            #expect(try await store.loadRegistry() == before)
            try await store.apply([.deleteModule(deviceID: "d", moduleID: "m"), .deletePolicy(name: "p")],
                                  expecting: [.module(deviceID: "d", moduleID: "m"): .etag("Mg=="), .policy(name: "p"): .policy(renewed)])
            #expect(try await store.loadRegistry() == RegistrySnapshot(devices: [Sample.device("d", etag: "Mg==")]))
        }
    }

    @Test("a batch where one expected row changed stores nothing of the batch", arguments: StoreFactory.all)
    func conflictInBatch(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply([.putDevice(Sample.device("a")), .putDevice(Sample.device("b", etag: "changed")),
                                   .putPolicy(Sample.policy("p", []))])
            let before = try await store.loadRegistry()
            let batch: [RegistryChange] = [
                .putDevice(Sample.device("a", etag: "etag-2")), .putModule(Sample.module("a", "m")),
                .putDevice(Sample.device("new")), .deletePolicy(name: "p"), .deleteDevice(deviceID: "b"),
            ]
            let read: [RegistryRowKey: StoredRegistryVersion] = [
                .device(deviceID: "a"): .etag("etag-1"), .module(deviceID: "a", moduleID: "m"): .none,
                .device(deviceID: "new"): .none, .policy(name: "p"): .policy(Sample.policy("p", [])),
                .device(deviceID: "b"): .etag("etag-1"),
            ]
            await #expect(throws: IdentityStoreError.conflict(.device(deviceID: "b"))) {
                try await store.apply(batch, expecting: read)
            }
            #expect(try await store.loadRegistry() == before)
            var fresh = read
            fresh[.device(deviceID: "b")] = .etag("changed")
            try await store.apply(batch, expecting: fresh)
            #expect(try await store.loadRegistry() == RegistrySnapshot(
                devices: [Sample.device("a", etag: "etag-2"), Sample.device("new")], modules: [Sample.module("a", "m")]))
        }
    }

    @Test("loadRows reads what the keys name: a device with its modules, a module, a policy; nothing for a missing key",
          arguments: StoreFactory.all)
    func loadRows(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.apply([.putDevice(Sample.devices[0]), .putDevice(Sample.device("other"))]
                                  + Sample.modules.map { .putModule($0) }
                                  + [.putModule(Sample.module("other", "m")), .putPolicy(Sample.policies[0]), .putPolicy(Sample.policies[1])])
            let rows = try await store.loadRows([.device(deviceID: Sample.devices[0].deviceID), .module(deviceID: "other", moduleID: "m"),
                                                 .policy(name: Sample.policies[1].name), .device(deviceID: "missing"),
                                                 .module(deviceID: "other", moduleID: "missing"), .policy(name: "missing")])
            #expect(rows.devices == [Sample.devices[0]], "every field, parent scopes in order included")
            #expect(Set(rows.modules.map(\.moduleID)) == Set(Sample.modules.map(\.moduleID) + ["m"]))
            #expect(rows.modules.count == Sample.modules.count + 1)
            #expect(rows.policies == [Sample.policies[1]])
            #expect(try await store.loadRows([]) == RegistrySnapshot())
        }
    }

    @Test("a writer never hears of its own batches", arguments: StoreFactory.all)
    func ownBatchesUnheard(factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let heard = HeardBatches()
            store.observeOtherWriters { heard.append($0) }
            try await store.apply([.putDevice(Sample.device("d"))], expecting: [.device(deviceID: "d"): .none])
            try await store.apply([.deleteDevice(deviceID: "d")])
            #expect(heard.batches.isEmpty)
        }
    }
}

/// What a store's `observeOtherWriters` observer was called with.
final class HeardBatches: Sendable {
    private let heard = Mutex<[RegistryStoreChange]>([])

    func append(_ batch: RegistryStoreChange) { heard.withLock { $0.append(batch) } }
    var batches: [RegistryStoreChange] { heard.withLock { $0 } }
}
