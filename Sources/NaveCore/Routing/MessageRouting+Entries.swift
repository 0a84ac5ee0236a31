import NaveModel

/// One entry at a time, as the REST API and CLI change routing (`az iot hub route create`,
/// `message-endpoint create`, `message-enrichment create` and their deletes).
extension MessageRouting {
    /// Creates route `route.name`, or replaces it when `replacing` (PUT with an existing name).
    public func putRoute(_ route: Route, replacing: Bool = true) async throws(HubError) {
        try await put(route, in: \.routes, named: \.name, kind: "route", replacing: replacing)
    }

    public func deleteRoute(named name: String) async throws(HubError) {
        try await delete(name, in: \.routes, named: \.name, kind: "route")
    }

    /// Creates or replaces an endpoint; its type cannot change (delete it first).
    public func putEndpoint(_ endpoint: RoutingEndpoint, replacing: Bool = true) async throws(HubError) {
        try await put(endpoint, in: \.endpoints, named: \.name, kind: "endpoint", replacing: replacing) { old throws(HubError) in
            guard old.kind == endpoint.kind else {
                throw .argumentInvalid("Endpoint '\(endpoint.name)' is a \(old.kind.rawValue) endpoint; delete it to change its type.")
            }
        }
    }

    /// Deletes endpoint `name`; refused while a route or an enrichment names it (ARM refuses too).
    public func deleteEndpoint(named name: String) async throws(HubError) {
        try await delete(name, in: \.endpoints, named: \.name, kind: "endpoint") { configuration throws(HubError) in
            if let route = configuration.routes.first(where: { $0.endpointNames.contains(name) }) {
                throw .argumentInvalid("Endpoint '\(name)' is used by route '\(route.name)'.")
            }
            if let enrichment = configuration.enrichments.first(where: { $0.endpointNames.contains(name) }) {
                throw .argumentInvalid("Endpoint '\(name)' is used by enrichment '\(enrichment.key)'.")
            }
        }
    }

    public func putEnrichment(_ enrichment: MessageEnrichment, replacing: Bool = true) async throws(HubError) {
        try await put(enrichment, in: \.enrichments, named: \.key, kind: "enrichment", replacing: replacing)
    }

    public func deleteEnrichment(key: String) async throws(HubError) {
        try await delete(key, in: \.enrichments, named: \.key, kind: "enrichment")
    }

    public func setFallback(enabled: Bool) async throws(HubError) {
        try await change { $0.fallbackEnabled = enabled }
    }

    /// Appends `entry`, or replaces the one of its name when `replacing` (after `check` of the
    /// one replaced); 409 when it exists and may not be replaced.
    private func put<Entry>(_ entry: Entry, in list: WritableKeyPath<RoutingConfiguration, [Entry]>, named name: KeyPath<Entry, String>,
                            kind: String, replacing: Bool,
                            check: (Entry) throws(HubError) -> Void = { _ in }) async throws(HubError) {
        try await change { configuration throws(HubError) in
            guard let index = configuration[keyPath: list].firstIndex(where: { $0[keyPath: name] == entry[keyPath: name] }) else {
                configuration[keyPath: list].append(entry)
                return
            }
            guard replacing else { throw .routingEntryAlreadyExists(kind, entry[keyPath: name]) }
            try check(configuration[keyPath: list][index])
            configuration[keyPath: list][index] = entry
        }
    }

    /// Removes the entry named `key` (after `check` of the configuration); 404 when there is none.
    private func delete<Entry>(_ key: String, in list: WritableKeyPath<RoutingConfiguration, [Entry]>, named name: KeyPath<Entry, String>,
                               kind: String, check: (RoutingConfiguration) throws(HubError) -> Void = { _ in }) async throws(HubError) {
        try await change { configuration throws(HubError) in
            guard let index = configuration[keyPath: list].firstIndex(where: { $0[keyPath: name] == key }) else {
                throw .routingEntryNotFound(kind, key)
            }
            try check(configuration)
            configuration[keyPath: list].remove(at: index)
        }
    }
}
