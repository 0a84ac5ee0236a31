import NaveCore
import NaveModel
import NaveStore
import Testing

typealias ConsumerGroupStoreFactory = PortFactory<any ConsumerGroupStore>

extension PortFactory where Store == any ConsumerGroupStore {
    static var all: [ConsumerGroupStoreFactory] { [.inMemory { InMemoryConsumerGroupStore() }, .sqlite { SQLiteConsumerGroupStore(database: $0) }] }
}

/// What every `ConsumerGroupStore` must do, checked the same way against each factory.
@Suite("ConsumerGroupStore conformance")
struct ConsumerGroupStoreConformance {
    static let created = Timestamp(millisecondsSinceEpoch: 1_700_000_000_123)

    @Test("an empty store loads nothing; deleting an unknown group is no error", arguments: ConsumerGroupStoreFactory.all)
    func empty(factory: ConsumerGroupStoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.loadConsumerGroups().isEmpty)
            try await store.deleteConsumerGroup(named: "none")
        }
    }

    @Test("groups keep their spelling and creation time to the millisecond", arguments: ConsumerGroupStoreFactory.all)
    func roundTrip(factory: ConsumerGroupStoreFactory) async throws {
        try await factory.withStore { store in
            let groups = [ConsumerGroupInfo(name: "$Default", createdAt: Self.created),
                          ConsumerGroupInfo(name: "Analytics.EU_west-2", createdAt: .never),
                          ConsumerGroupInfo(name: String(repeating: "g", count: 50), createdAt: Timestamp(millisecondsSinceEpoch: .max))]
            for group in groups { try await store.createConsumerGroup(group) }
            #expect(try await store.loadConsumerGroups().sorted { $0.name < $1.name } == groups.sorted { $0.name < $1.name })
        }
    }

    @Test("create is create-only without regard to case; delete matches in any case", arguments: ConsumerGroupStoreFactory.all)
    func caseInsensitive(factory: ConsumerGroupStoreFactory) async throws {
        try await factory.withStore { store in
            let original = ConsumerGroupInfo(name: "Analytics", createdAt: Self.created)
            try await store.createConsumerGroup(original)
            let error = await #expect(throws: ConsumerGroupStoreError.self) {
                try await store.createConsumerGroup(ConsumerGroupInfo(name: "analytics", createdAt: .never))
            }
            #expect(error == .alreadyExists("analytics"))
            #expect(try await store.loadConsumerGroups() == [original], "the refused create changed nothing")
            try await store.deleteConsumerGroup(named: "ANALYTICS")
            #expect(try await store.loadConsumerGroups().isEmpty)
            try await store.createConsumerGroup(ConsumerGroupInfo(name: "analytics", createdAt: .never))
            #expect(try await store.loadConsumerGroups().map(\.name) == ["analytics"])
        }
    }
}
