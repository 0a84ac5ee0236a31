import NaveCore
import NaveHTTP
import NaveModel

/// Message routing's configuration over REST (issue #15): entries in ARM's JSON shapes
/// (`RoutingConfiguration+JSON`). As for devices, a `PUT` without `If-Match` creates (409 when
/// the name exists) and one with `If-Match` (even `*`) replaces. Every change is applied to the
/// running hub before the answer (`MessageRouting`).
extension ServiceAPI {
    func serveRouting(_ route: RoutingRoute, _ request: HTTPRequest) async throws(HubError) -> HTTPResponse {
        guard let routing = hub.routing else { throw .invalidOperation("This hub has no message routing.") }
        let method = request.head.method
        let replacing = request.head.headers["If-Match"] != nil
        switch (route, method) {
        case (.configuration, "GET"):
            return json(routing.configuration.json)
        case (.configuration, "PUT"):
            return json(try await routing.replace(with: RoutingConfiguration(json: try body(request))).json)
        case (.list(let kind), _):
            return json(.array(Self.entries(kind, of: routing.configuration)))
        case (.entry(let kind, let name), "GET"):
            guard let entry = Self.entries(kind, of: routing.configuration, named: name).first else { throw .routingEntryNotFound(kind.noun, name) }
            return json(entry)
        case (.entry(.routes, let name), "PUT"):
            let route = try Route(json: try body(request), name: name)
            try await routing.putRoute(route, replacing: replacing)
            return json(route.json)
        case (.entry(.endpoints, let name), "PUT"):
            let endpoint = try RoutingEndpoint(json: try body(request), name: name)
            try await routing.putEndpoint(endpoint, replacing: replacing)
            return json(endpoint.json)
        case (.entry(.enrichments, let key), "PUT"):
            let enrichment = try MessageEnrichment(json: try body(request), key: key)
            try await routing.putEnrichment(enrichment, replacing: replacing)
            return json(enrichment.json)
        case (.entry(.routes, let name), "DELETE"):
            try await routing.deleteRoute(named: name)
            return HTTPResponse(status: 204)
        case (.entry(.endpoints, let name), "DELETE"):
            try await routing.deleteEndpoint(named: name)
            return HTTPResponse(status: 204)
        case (.entry(.enrichments, let key), "DELETE"):
            try await routing.deleteEnrichment(key: key)
            return HTTPResponse(status: 204)
        case (.fallback, "GET"):
            return json(Self.fallbackJSON(routing.configuration.fallbackEnabled))
        case (.fallback, "PUT"):
            guard let enabled = try JSONFieldReader(try body(request)).bool("isEnabled") else { throw .argumentInvalid("isEnabled is required.") }
            try await routing.setFallback(enabled: enabled)
            return json(Self.fallbackJSON(enabled))
        case (.test, _):
            return try await testRoutes(routing, request)
        default:
            throw .methodNotAllowed(method)
        }
    }

    private static func entries(_ kind: RoutingEntryKind, of configuration: RoutingConfiguration, named name: String? = nil) -> [JSONValue] {
        switch kind {
        case .routes: configuration.routes.filter { name == nil || $0.name == name }.map(\.json)
        case .endpoints: configuration.endpoints.filter { name == nil || $0.name == name }.map(\.json)
        case .enrichments: configuration.enrichments.filter { name == nil || $0.key == name }.map(\.json)
        }
    }

    private static func fallbackJSON(_ enabled: Bool) -> JSONValue {
        .object(JSONObject([("name", .string("$fallback")), ("isEnabled", .bool(enabled))]))
    }

    /// `POST /routing/test` with a sample message (`TelemetryEvent(routingSample:)`): each
    /// route's outcome and the endpoints reached, against the sender's current twin.
    private func testRoutes(_ routing: MessageRouting, _ request: HTTPRequest) async throws(HubError) -> HTTPResponse {
        let event = try TelemetryEvent(routingSample: try body(request))
        let twin = await hub.twins.routingTwin(of: IdentityKey(deviceID: event.deviceID, moduleID: event.moduleID))
        return json(routing.test(event, twin: twin).json)
    }
}
