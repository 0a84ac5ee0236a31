import NaveModel
import NaveQuery

/// The checks a routing setup passes before it is stored or applied (reference §2, §2.2, §2.5):
/// a configuration that fails one is refused whole, with a message naming the entry and, for a
/// condition, the parser's own message ("a syntactically invalid condition cannot be saved").
extension RoutingConfiguration {
    /// Throws 400 ArgumentInvalid for the first rule the configuration breaks.
    public func validate() throws(HubError) {
        guard routes.count <= RoutingLimits.routesMax else { throw .argumentInvalid("At most \(RoutingLimits.routesMax) routes may be configured.") }
        guard endpoints.count <= RoutingLimits.endpointsMax else {
            throw .argumentInvalid("At most \(RoutingLimits.endpointsMax) custom endpoints may be configured.")
        }
        guard enrichments.count <= RoutingLimits.enrichmentsMax else {
            throw .argumentInvalid("At most \(RoutingLimits.enrichmentsMax) enrichments may be configured.")
        }
        var endpointNames: Set<String> = [Self.builtInEndpointName]
        for endpoint in endpoints {
            try Self.checkName(endpoint.name, "endpoint")
            guard !Self.reservedEndpointNames.contains(endpoint.name.lowercased()) else {
                throw .argumentInvalid("The endpoint name '\(endpoint.name)' is reserved.")
            }
            guard endpointNames.insert(endpoint.name).inserted else { throw .routingEntryAlreadyExists("endpoint", endpoint.name) }
            try endpoint.validateSettings()
        }
        var routeNames: Set<String> = []
        for route in routes {
            try Self.checkName(route.name, "route")
            guard routeNames.insert(route.name).inserted else { throw .routingEntryAlreadyExists("route", route.name) }
            try Self.checkEndpoints(route.endpointNames, known: endpointNames, of: "Route '\(route.name)'")
            _ = try Self.parseCondition(route.condition, route: route.name)
        }
        var keys: Set<String> = []
        for enrichment in enrichments {
            try Self.checkName(enrichment.key, "enrichment key")
            guard keys.insert(enrichment.key).inserted else { throw .routingEntryAlreadyExists("enrichment", enrichment.key) }
            try Self.checkEndpoints(enrichment.endpointNames, known: endpointNames, of: "Enrichment '\(enrichment.key)'")
            _ = try EnrichmentValue(enrichment.value)
        }
    }

    /// Names no custom endpoint may take: the built-in endpoints (ARM refuses them).
    static let reservedEndpointNames: Set<String> = ["events", "filenotifications", "$default"]

    /// The condition of route `route`, parsed in the routing dialect; an empty text is `true`.
    static func parseCondition(_ text: String, route: String) throws(HubError) -> QueryExpression {
        let trimmed = text.trimmingASCIISpaces
        guard !trimmed.isEmpty else { return .literal(.bool(true)) }
        do {
            return try QueryParser.parseCondition(trimmed, dialect: .routing)
        } catch {
            throw .argumentInvalid("Route '\(route)': the condition does not parse: \(error.description).")
        }
    }

    private static func checkName(_ name: String, _ kind: String) throws(HubError) {
        guard RoutingLimits.isValidName(name) else {
            throw .argumentInvalid("The \(kind) '\(name)' must be 1 to \(RoutingLimits.nameCharactersMax) letters, digits, '.', '_' or '-'.")
        }
    }

    private static func checkEndpoints(_ names: [String], known: Set<String>, of owner: String) throws(HubError) {
        guard !names.isEmpty, names.count <= RoutingLimits.endpointSlotsMax else {
            throw .argumentInvalid("\(owner) must name 1 to \(RoutingLimits.endpointSlotsMax) endpoints.")
        }
        for name in names where !known.contains(name) {
            throw .argumentInvalid("\(owner) names the endpoint '\(name)', which does not exist.")
        }
    }
}

extension RoutingEndpoint {
    /// Checks the settings this endpoint's kind needs (a webhook's URL, a storage directory).
    func validateSettings() throws(HubError) {
        switch kind {
        case .webhook:
            guard let url = settings["url"], url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw .argumentInvalid("Endpoint '\(name)': a webhook endpoint needs an http:// or https:// url.")
            }
        case .storage:
            guard let directory = settings["directory"], !directory.isEmpty else {
                throw .argumentInvalid("Endpoint '\(name)': a storage endpoint needs a directory.")
            }
        case .eventHub, .mqtt:
            break
        }
        if let text = settings["maxDeliveryAttempts"] {
            guard let count = Int(text), (1...EndpointDeliverySettings.attemptsMaxLimit).contains(count) else {
                throw .argumentInvalid("Endpoint '\(name)': maxDeliveryAttempts must be 1 to \(EndpointDeliverySettings.attemptsMaxLimit).")
            }
        }
        if let text = settings["partitionCount"] {
            guard let count = Int(text), (1...RoutingEndpoint.partitionCountMax).contains(count) else {
                throw .argumentInvalid("Endpoint '\(name)': partitionCount must be 1 to \(RoutingEndpoint.partitionCountMax).")
            }
        }
    }

    /// Partitions an `eventhub` endpoint may have (Event Hubs' standard tier allows 32).
    public static let partitionCountMax = 32
}

extension String {
    /// The text without leading and trailing ASCII spaces, tabs and line breaks.
    var trimmingASCIISpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
