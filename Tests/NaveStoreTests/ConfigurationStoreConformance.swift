import NaveCore
import NaveModel
import NaveStore
import Testing

typealias ConfigurationStoreFactory = PortFactory<any ConfigurationStore>

extension PortFactory where Store == any ConfigurationStore {
    static var all: [ConfigurationStoreFactory] {
        [.inMemory { InMemoryConfigurationStore() }, .sqlite { SQLiteConfigurationStore(database: $0) }]
    }
}

/// What every `ConfigurationStore` must do, checked the same way against each factory.
@Suite("ConfigurationStore conformance")
struct ConfigurationStoreConformance {
    static let created = Timestamp(millisecondsSinceEpoch: 1_700_000_000_123)

    static func configuration(_ id: String, priority: Int = 10) -> DeviceConfiguration {
        DeviceConfiguration(id: id, labels: ["team": "a", "ünï": "x"],
                            content: ConfigurationContent(scope: .devices, settings: [
                                ConfigurationSetting(path: ["fw"], value: ["version": "2.0", "list": [1, nil]]),
                                ConfigurationSetting(path: ["a", "b"], value: nil),
                            ]),
                            targetCondition: "tags.env='test'", priority: priority,
                            metricQueries: ["done": "SELECT deviceId FROM devices WHERE properties.reported.fw.version='2.0'"],
                            createdTime: created, lastUpdatedTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_999), version: 3)
    }

    @Test("an empty store loads nothing; a configuration round-trips with its content, labels, metrics and times",
          arguments: ConfigurationStoreFactory.all)
    func roundTrip(factory: ConfigurationStoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.loadConfigurations().isEmpty)
            let stored = Self.configuration("fw-v2")
            try await store.saveConfiguration(stored)
            #expect(try await store.loadConfigurations() == [stored])
            var modules = Self.configuration("mods")
            modules.content = ConfigurationContent(scope: .modules, settings: [ConfigurationSetting(path: ["rate"], value: 5)])
            modules.targetCondition = "FROM devices.modules WHERE tags.role = 'sensor'"
            try await store.saveConfiguration(modules)
            #expect(try await store.loadConfigurations().first { $0.id == "mods" } == modules)
        }
    }

    @Test("save replaces by id; delete removes one, an unknown id is no error", arguments: ConfigurationStoreFactory.all)
    func replaceAndDelete(factory: ConfigurationStoreFactory) async throws {
        try await factory.withStore { store in
            try await store.saveConfiguration(Self.configuration("a"))
            try await store.saveConfiguration(Self.configuration("b"))
            let raised = Self.configuration("a", priority: 99)
            try await store.saveConfiguration(raised)
            #expect(try await store.loadConfigurations().first { $0.id == "a" } == raised)
            try await store.deleteConfiguration(id: "a")
            try await store.deleteConfiguration(id: "unknown")
            #expect(try await store.loadConfigurations().map(\.id) == ["b"])
        }
    }
}
