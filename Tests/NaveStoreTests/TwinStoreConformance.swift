import NaveCore
import NaveModel
import NaveStore
import Testing

typealias TwinStoreFactory = PortFactory<any TwinStore>

extension PortFactory where Store == any TwinStore {
    static var all: [TwinStoreFactory] { [.inMemory { InMemoryTwinStore() }, .sqlite { SQLiteTwinStore(database: $0) }] }
}

/// Twins that exercise every field: nested metadata, non-ASCII and escaped names, numbers of
/// both kinds, arrays with nulls, `never` times, big versions.
enum TwinSample {
    static let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_123)

    static func twin(_ deviceID: String, _ moduleID: String? = nil, generation: String = "gen") -> Twin {
        Twin(deviceID: deviceID, moduleID: moduleID, identityGenerationID: generation, createdAt: time)
    }

    static var rich: Twin {
        var twin = twin("dev1")
        _ = try? twin.update(TwinUpdate(tags: ["loc": ["building": "B", "floor": 3]],
                                        desired: ["interval": 5, "ratio": 0.25, "ünï \"q\"": ["list": [1, nil, "x", ["o": true]]]]),
                             at: time)
        _ = try? twin.updateReported(["fw": "1.2", "deep": ["a": ["b": ["c": .integer(-4_503_599_627_370_496)]]]],
                                     at: Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch + 1))
        twin.version = Int64.max - 1
        twin.desired.metadata.members["interval"]?.lastUpdated = .never
        return twin
    }
}

/// What every `TwinStore` must do, checked the same way against each factory.
@Suite("TwinStore conformance")
struct TwinStoreConformance {
    @Test("an unknown twin loads as nil; deleting it is no error", arguments: TwinStoreFactory.all)
    func empty(factory: TwinStoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.loadTwin(IdentityKey(deviceID: "none")) == nil)
            try await store.deleteTwin(IdentityKey(deviceID: "none", moduleID: "m"))
            try await store.deleteTwins(deviceID: "none")
        }
    }

    @Test("a twin keeps every field, metadata and member order included", arguments: TwinStoreFactory.all)
    func roundTrip(factory: TwinStoreFactory) async throws {
        try await factory.withStore { store in
            let twin = TwinSample.rich
            try await store.saveTwin(twin)
            let loaded = try #require(try await store.loadTwin(IdentityKey(deviceID: "dev1")))
            let equal = loaded == twin
            #expect(equal)
            // Order matters for how the twin is shown: compare the rendered text too.
            #expect(loaded.desired.values.keys == twin.desired.values.keys)
            #expect(JSONValue.object(loaded.tags).serializedString() == JSONValue.object(twin.tags).serializedString())
        }
    }

    @Test("what configurations did to a twin (statuses, applied paths) round-trips; none leaves the twin as it was",
          arguments: TwinStoreFactory.all)
    func configurationsRoundTrip(factory: TwinStoreFactory) async throws {
        try await factory.withStore { store in
            var twin = TwinSample.rich
            twin.configurations = TwinConfigurations(statuses: ["fw-v2": .applied, "low": .targeted],
                                                     appliedPaths: ["fw": "fw-v2", "a.b": "fw-v2"])
            try await store.saveTwin(twin)
            #expect(try await store.loadTwin(IdentityKey(deviceID: "dev1")) == twin)
            twin.configurations = TwinConfigurations()
            try await store.saveTwin(twin)
            #expect(try await store.loadTwin(IdentityKey(deviceID: "dev1"))?.configurations.isEmpty == true)
        }
    }

    @Test("loadAllTwins returns every stored twin, devices' and modules', once", arguments: TwinStoreFactory.all)
    func loadAll(factory: TwinStoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.loadAllTwins().isEmpty)
            try await store.saveTwin(TwinSample.rich)
            try await store.saveTwin(TwinSample.twin("dev1", "m1"))
            try await store.saveTwin(TwinSample.twin("dev2"))
            try await store.deleteTwin(IdentityKey(deviceID: "dev2"))
            try await store.saveTwin(TwinSample.twin("dev3", generation: "g2"))
            let all = try await store.loadAllTwins().sorted { ($0.deviceID, $0.moduleID ?? "") < ($1.deviceID, $1.moduleID ?? "") }
            #expect(all.map { IdentityKey(deviceID: $0.deviceID, moduleID: $0.moduleID) }
                    == [IdentityKey(deviceID: "dev1"), IdentityKey(deviceID: "dev1", moduleID: "m1"), IdentityKey(deviceID: "dev3")])
            #expect(all.first == TwinSample.rich)
            #expect(all.last?.identityGenerationID == "g2")
        }
    }

    @Test("device and module twins are apart; save replaces by (device, module)", arguments: TwinStoreFactory.all)
    func keys(factory: TwinStoreFactory) async throws {
        try await factory.withStore { store in
            var device = TwinSample.twin("d")
            let module = TwinSample.twin("d", "m")
            try await store.saveTwin(device)
            try await store.saveTwin(module)
            _ = try device.update(TwinUpdate(desired: ["v": 2]), at: TwinSample.time)
            try await store.saveTwin(device)
            #expect(try await store.loadTwin(IdentityKey(deviceID: "d"))?.version == 2)
            #expect(try await store.loadTwin(IdentityKey(deviceID: "d", moduleID: "m"))?.version == 1)
            #expect(try await store.loadTwin(IdentityKey(deviceID: "d", moduleID: "other")) == nil)
        }
    }

    @Test("concurrent versioned saves of many twins: each conflict fails alone, every other save is stored",
          arguments: TwinStoreFactory.all)
    func concurrentSaves(factory: TwinStoreFactory) async throws {
        try await factory.withStore { store in
            let count = 40
            for n in 0..<count { try await store.saveTwin(TwinSample.twin("c\(n)"), expecting: StoredTwinVersion.none) }
            // Saves posted together (SQLite writes such a burst in one transaction); every third
            // expects a version that is not stored.
            let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
                for n in 0..<count {
                    group.addTask {
                        var twin = TwinSample.twin("c\(n)")
                        _ = try? twin.updateReported(["n": .integer(Int64(n))], at: TwinSample.time)
                        do {
                            try await store.saveTwin(twin, expecting: .version(n % 3 == 0 ? 7 : 1))
                            return (n, true)
                        } catch {
                            return (n, false)
                        }
                    }
                }
                return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            for n in 0..<count {
                #expect(outcomes[n] == (n % 3 != 0), "save \(n)")
                let stored = try #require(try await store.loadTwin(IdentityKey(deviceID: "c\(n)")))
                #expect(stored.reported.values["n"] == (n % 3 == 0 ? nil : .integer(Int64(n))), "twin \(n)")
            }
        }
    }

    @Test("versioned saves: stored only over the expected version (or none); another writer's change is a conflict that stores nothing",
          arguments: TwinStoreFactory.all)
    func versionedSaves(factory: TwinStoreFactory) async throws {
        try await factory.withStore { store in
            let key = IdentityKey(deviceID: "v")
            var twin = TwinSample.twin("v")
            try await store.saveTwin(twin, expecting: StoredTwinVersion.none)
            await #expect(throws: TwinStoreError.conflict(deviceID: "v", moduleID: nil)) {
                try await store.saveTwin(TwinSample.twin("v", generation: "other"), expecting: StoredTwinVersion.none)
            }
            _ = try twin.update(TwinUpdate(desired: ["v": 2]), at: TwinSample.time)
            try await store.saveTwin(twin, expecting: .version(1))
            var stale = twin
            _ = try stale.update(TwinUpdate(desired: ["v": 3]), at: TwinSample.time)
            await #expect(throws: TwinStoreError.conflict(deviceID: "v", moduleID: nil)) {
                try await store.saveTwin(stale, expecting: .version(1))
            }
            let stored = try #require(try await store.loadTwin(key))
            #expect(stored.version == 2 && stored.desired.values["v"] == .integer(2), "the refused save stored nothing")
            try await store.saveTwin(stale, expecting: .version(2))
            #expect(try await store.loadTwin(key)?.version == 3)
        }
    }

    @Test("deleteTwin removes one twin; deleteTwins a device's and its modules', nothing else", arguments: TwinStoreFactory.all)
    func deletions(factory: TwinStoreFactory) async throws {
        try await factory.withStore { store in
            for twin in [TwinSample.twin("a"), TwinSample.twin("a", "m1"), TwinSample.twin("a", "m2"),
                         TwinSample.twin("ab"), TwinSample.twin("b", "m1")] {
                try await store.saveTwin(twin)
            }
            try await store.deleteTwin(IdentityKey(deviceID: "a", moduleID: "m1"))
            #expect(try await store.loadTwin(IdentityKey(deviceID: "a", moduleID: "m1")) == nil)
            #expect(try await store.loadTwin(IdentityKey(deviceID: "a")) != nil)
            try await store.deleteTwin(IdentityKey(deviceID: "a"))
            #expect(try await store.loadTwin(IdentityKey(deviceID: "a", moduleID: "m2")) != nil, "a device's own twin only")
            try await store.saveTwin(TwinSample.twin("a"))
            try await store.deleteTwins(deviceID: "a")
            #expect(try await store.loadTwin(IdentityKey(deviceID: "a")) == nil)
            #expect(try await store.loadTwin(IdentityKey(deviceID: "a", moduleID: "m2")) == nil)
            #expect(try await store.loadTwin(IdentityKey(deviceID: "ab")) != nil, "no prefix match")
            #expect(try await store.loadTwin(IdentityKey(deviceID: "b", moduleID: "m1")) != nil)
        }
    }

    @Test("a twin at the size limits round-trips", arguments: TwinStoreFactory.all)
    func largeTwin(factory: TwinStoreFactory) async throws {
        try await factory.withStore { store in
            var twin = TwinSample.twin("big")
            var desired = JSONObject()
            for index in 0..<2_000 { desired["p\(index)"] = .integer(Int64(index)) }
            _ = try twin.update(TwinUpdate(desired: desired), at: TwinSample.time)
            try await store.saveTwin(twin)
            let loaded = try await store.loadTwin(IdentityKey(deviceID: "big"))
            #expect(loaded?.desired.values.count == 2_000)
            let equal = loaded == twin
            #expect(equal)
        }
    }
}
