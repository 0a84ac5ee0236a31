import NaveCore
import NaveModel
import NaveStore
import Testing

typealias RoutingStoreFactory = PortFactory<any RoutingStore>

extension PortFactory where Store == any RoutingStore {
    static var all: [RoutingStoreFactory] { [.inMemory { InMemoryRoutingStore() }, .sqlite { SQLiteRoutingStore(database: $0) }] }
}

/// What every `RoutingStore` must do, checked the same way against each factory.
@Suite("RoutingStore conformance")
struct RoutingStoreConformance {
    static let configuration = RoutingConfiguration(
        routes: [Route(name: "hot", condition: "level = 'critical' AND $body.temp > 25", endpointNames: ["hotlog", "events"]),
                 Route(name: "twins", source: .twinChangeEvents, endpointNames: ["hook"], isEnabled: false),
                 Route(name: "a-first", endpointNames: ["events"])],
        endpoints: [RoutingEndpoint(name: "hotlog", kind: .eventHub, settings: ["partitionCount": "2"]),
                    RoutingEndpoint(name: "hook", kind: .webhook, settings: ["url": "http://127.0.0.1:9/x", "é": "ü"])],
        enrichments: [MessageEnrichment(key: "site", value: "$twin.tags.site", endpointNames: ["hook", "hotlog"])],
        fallbackEnabled: false)

    @Test("an empty store loads the default; a configuration round-trips in order; a save replaces it", arguments: RoutingStoreFactory.all)
    func roundTrip(factory: RoutingStoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.loadRouting() == RoutingConfiguration())
            try await store.saveRouting(Self.configuration)
            #expect(try await store.loadRouting() == Self.configuration)
            var smaller = Self.configuration
            smaller.routes.removeFirst()
            smaller.enrichments = []
            smaller.fallbackEnabled = true
            try await store.saveRouting(smaller)
            #expect(try await store.loadRouting() == smaller)
        }
    }
}

/// The SQLite routing store across a reopen of its file: a node restart keeps its routing.
@Suite("SQLite routing store")
struct SQLiteRoutingStoreTests {
    @Test("the configuration saved is the one a reopened file loads")
    func reopen() async throws {
        try await withScratchDirectory { scratch in
            let path = scratch + "/nave.sqlite"
            var database = try await SQLiteDatabase(path: path)
            try await SQLiteRoutingStore(database: database).saveRouting(RoutingStoreConformance.configuration)
            try database.close()
            database = try await SQLiteDatabase(path: path)
            #expect(try await SQLiteRoutingStore(database: database).loadRouting() == RoutingStoreConformance.configuration)
            try database.close()
        }
    }
}
