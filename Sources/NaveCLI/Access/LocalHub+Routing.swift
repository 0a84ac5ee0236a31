import NaveCore
import NaveModel
import NaveNode
import NaveStore

/// Message routing straight in the store when no node runs: the node that starts next loads
/// the configuration, opens its endpoints' logs and checks what only a running node can (a
/// webhook's address, a storage directory it can write).
extension LocalHub {
    func routingEntries(_ kind: RoutingEntryKind) async throws -> JSONValue {
        let configuration = try await openRouting().configuration
        return switch kind {
        case .routes: .array(configuration.routes.map(\.json))
        case .endpoints: .array(configuration.endpoints.map(\.json))
        case .enrichments: .array(configuration.enrichments.map(\.json))
        }
    }

    func routingEntry(_ kind: RoutingEntryKind, name: String) async throws -> JSONValue {
        let configuration = try await openRouting().configuration
        let found: JSONValue? = switch kind {
        case .routes: configuration.route(named: name)?.json
        case .endpoints: configuration.endpoint(named: name)?.json
        case .enrichments: configuration.enrichment(key: name)?.json
        }
        guard let found else { throw HubError.routingEntryNotFound(String(kind.rawValue.dropLast()), name) }
        return found
    }

    func putRoutingEntry(_ entry: RoutingEntry, replacing: Bool) async throws -> JSONValue {
        let routing = try await openRouting()
        switch entry {
        case .route(let route): try await routing.putRoute(route, replacing: replacing)
        case .endpoint(let endpoint): try await routing.putEndpoint(endpoint, replacing: replacing)
        case .enrichment(let enrichment): try await routing.putEnrichment(enrichment, replacing: replacing)
        }
        return entry.json
    }

    func deleteRoutingEntry(_ kind: RoutingEntryKind, name: String) async throws {
        let routing = try await openRouting()
        switch kind {
        case .routes: try await routing.deleteRoute(named: name)
        case .endpoints: try await routing.deleteEndpoint(named: name)
        case .enrichments: try await routing.deleteEnrichment(key: name)
        }
    }

    func setRoutingFallback(enabled: Bool) async throws -> JSONValue {
        try await openRouting().setFallback(enabled: enabled)
        return .object(JSONObject([("name", .string("$fallback")), ("isEnabled", .bool(enabled))]))
    }

    func testRoutes(_ sample: JSONValue) async throws -> JSONValue {
        let event = try TelemetryEvent(routingSample: sample)
        let twin = await twins.routingTwin(of: IdentityKey(deviceID: event.deviceID, moduleID: event.moduleID))
        return try await openRouting().test(event, twin: twin).json
    }

    private func openRouting() async throws -> MessageRouting {
        let sink = RoutingTelemetrySink(builtIn: InMemoryTelemetrySink(), hubName: "", clock: SystemClock())
        return try await MessageRouting.open(store: SQLiteRoutingStore(database: database), sink: sink,
                                             endpointSinks: InMemoryRoutingEndpointSinks(), clock: SystemClock())
    }
}
