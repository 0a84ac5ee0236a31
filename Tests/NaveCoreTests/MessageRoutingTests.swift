import NaveCore
import NaveModel
import Testing

/// The routing service: changes are validated, stored, then applied to the running sink at
/// once; a refused change leaves the store and the running table as they were.
@Suite("Message routing service")
struct MessageRoutingTests {
    static func open(_ store: InMemoryRoutingStore = InMemoryRoutingStore()) async throws
        -> (MessageRouting, InMemoryTelemetrySink, InMemoryRoutingEndpointSinks) {
        let builtIn = InMemoryTelemetrySink()
        let endpoints = InMemoryRoutingEndpointSinks()
        let sink = RoutingTelemetrySink(builtIn: builtIn, hubName: "myhub", clock: ManualClock())
        let routing = try await MessageRouting.open(store: store, sink: sink, endpointSinks: endpoints, clock: ManualClock())
        return (routing, builtIn, endpoints)
    }

    @Test("a change applies at once and is stored; a reopened service routes the same way")
    func changeAppliesAndPersists() async throws {
        let store = InMemoryRoutingStore()
        let (routing, builtIn, endpoints) = try await Self.open(store)
        try await routing.putEndpoint(RoutingEndpoint(name: "hot", kind: .eventHub))
        try await routing.putRoute(Route(name: "r", condition: "level = 'critical'", endpointNames: ["hot"]), replacing: false)
        try await routing.sink.append(RoutingTableTests.message())
        #expect(builtIn.appended.isEmpty)
        #expect(endpoints.sink(named: "hot")?.appended.count == 1)
        #expect(try await store.loadRouting() == routing.configuration)

        let (reopened, _, _) = try await Self.open(store)
        #expect(reopened.configuration.routes.map(\.name) == ["r"])
        #expect(!reopened.sink.table.isPassThrough)
    }

    @Test("refusals: duplicate create, unknown entries, an endpoint in use, a bad condition; nothing changes")
    func refusals() async throws {
        let (routing, _, _) = try await Self.open()
        try await routing.putEndpoint(RoutingEndpoint(name: "hot", kind: .eventHub))
        try await routing.putRoute(Route(name: "r", endpointNames: ["hot"]))
        let before = routing.configuration
        await #expect(throws: HubError.routingEntryAlreadyExists("route", "r")) {
            try await routing.putRoute(Route(name: "r", endpointNames: ["events"]), replacing: false)
        }
        await #expect(throws: HubError.routingEntryNotFound("route", "nope")) { try await routing.deleteRoute(named: "nope") }
        await #expect(throws: HubError.self) { try await routing.deleteEndpoint(named: "hot") }
        await #expect(throws: HubError.self) { try await routing.putRoute(Route(name: "bad", condition: "a = = b", endpointNames: ["hot"])) }
        await #expect(throws: HubError.self) { try await routing.putEndpoint(RoutingEndpoint(name: "hot", kind: .mqtt)) }
        #expect(routing.configuration == before)
        try await routing.deleteRoute(named: "r")
        try await routing.deleteEndpoint(named: "hot")
        try await routing.setFallback(enabled: false)
        #expect(routing.configuration == RoutingConfiguration(fallbackEnabled: false))
    }

    @Test("route test reports each route against the table in force")
    func routeTest() async throws {
        let (routing, _, _) = try await Self.open()
        try await routing.putRoute(Route(name: "crit", condition: "level = 'critical'", endpointNames: ["events"]))
        let result = routing.test(RoutingTableTests.message(), twin: nil)
        #expect(result.outcomes == [RouteTestOutcome(route: "crit", result: .matched)])
        #expect(result.endpoints == ["events"])
    }
}
