import NaveModel

/// One entry at a time, as the REST API and CLI change routing (`az iot hub route create`,
/// `message-endpoint create`, `message-enrichment create` and their deletes).
extension MessageRouting {
    /// Creates route `route.name`, or replaces it when `replacing` (PUT with an existing name).
    public func putRoute(_ route: Route, replacing: Bool = true) async throws(HubError) {
        try await change { configuration throws(HubError) in
            if let index = configuration.routes.firstIndex(where: { $0.name == route.name }) {
                guard replacing else { throw .routingEntryAlreadyExists("route", route.name) }
                configuration.routes[index] = route
            } else {
                configuration.routes.append(route)
            }
        }
    }

    public func deleteRoute(named name: String) async throws(HubError) {
        try await change { configuration throws(HubError) in
            guard let index = configuration.routes.firstIndex(where: { $0.name == name }) else { throw .routingEntryNotFound("route", name) }
            configuration.routes.remove(at: index)
        }
    }

    public func putEndpoint(_ endpoint: RoutingEndpoint, replacing: Bool = true) async throws(HubError) {
        try await change { configuration throws(HubError) in
            if let index = configuration.endpoints.firstIndex(where: { $0.name == endpoint.name }) {
                guard replacing else { throw .routingEntryAlreadyExists("endpoint", endpoint.name) }
                guard configuration.endpoints[index].kind == endpoint.kind else {
                    throw .argumentInvalid("Endpoint '\(endpoint.name)' is a \(configuration.endpoints[index].kind.rawValue) endpoint; delete it to change its type.")
                }
                configuration.endpoints[index] = endpoint
            } else {
                configuration.endpoints.append(endpoint)
            }
        }
    }

    /// Deletes endpoint `name`; refused while a route or an enrichment names it (ARM refuses too).
    public func deleteEndpoint(named name: String) async throws(HubError) {
        try await change { configuration throws(HubError) in
            guard let index = configuration.endpoints.firstIndex(where: { $0.name == name }) else { throw .routingEntryNotFound("endpoint", name) }
            if let route = configuration.routes.first(where: { $0.endpointNames.contains(name) }) {
                throw .argumentInvalid("Endpoint '\(name)' is used by route '\(route.name)'.")
            }
            if let enrichment = configuration.enrichments.first(where: { $0.endpointNames.contains(name) }) {
                throw .argumentInvalid("Endpoint '\(name)' is used by enrichment '\(enrichment.key)'.")
            }
            configuration.endpoints.remove(at: index)
        }
    }

    public func putEnrichment(_ enrichment: MessageEnrichment) async throws(HubError) {
        try await change { configuration in
            if let index = configuration.enrichments.firstIndex(where: { $0.key == enrichment.key }) {
                configuration.enrichments[index] = enrichment
            } else {
                configuration.enrichments.append(enrichment)
            }
        }
    }

    public func deleteEnrichment(key: String) async throws(HubError) {
        try await change { configuration throws(HubError) in
            guard let index = configuration.enrichments.firstIndex(where: { $0.key == key }) else { throw .routingEntryNotFound("enrichment", key) }
            configuration.enrichments.remove(at: index)
        }
    }

    public func setFallback(enabled: Bool) async throws(HubError) {
        try await change { $0.fallbackEnabled = enabled }
    }
}
