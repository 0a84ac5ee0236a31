import NaveModel

/// The JSON shapes of the routing configuration, after ARM's `routing` object (reference §2):
/// `{"routes":[…],"endpoints":[…],"enrichments":[…],"fallbackRoute":{"isEnabled":true}}`.
/// Nave's REST API and the YAML configuration speak these.
extension Route {
    public var json: JSONValue {
        .object(JSONObject([
            ("name", .string(name)), ("source", .string(source.rawValue)), ("condition", .string(condition)),
            ("endpointNames", .array(endpointNames.map(JSONValue.string))), ("isEnabled", .bool(isEnabled)),
        ]))
    }

    /// A route from its JSON; `name` from the path when the body has none. `source` defaults
    /// to `DeviceMessages`, `condition` to `true`, `isEnabled` to true.
    public init(json: JSONValue, name pathName: String? = nil) throws(HubError) {
        let reader = try JSONFieldReader(json)
        guard let name = try reader.string("name") ?? pathName else { throw reader.missing("name") }
        if let pathName, pathName != name { throw .argumentInvalid("The route name in the body does not match the path.") }
        let source = try reader.string("source").map { text throws(HubError) in
            guard let source = RouteSource(named: text) else {
                throw .argumentInvalid("source must be one of \(RouteSource.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return source
        } ?? .deviceMessages
        guard let endpoints = try reader.strings("endpointNames") else { throw reader.missing("endpointNames") }
        self.init(name: name, source: source, condition: try reader.string("condition") ?? "true", endpointNames: endpoints,
                  isEnabled: try reader.bool("isEnabled") ?? true)
    }
}

extension RoutingEndpoint {
    public var json: JSONValue {
        let settings = JSONObject(self.settings.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })
        return .object(JSONObject([("name", .string(name)), ("endpointType", .string(kind.rawValue)), ("settings", .object(settings))]))
    }

    public init(json: JSONValue, name pathName: String? = nil) throws(HubError) {
        let reader = try JSONFieldReader(json)
        guard let name = try reader.string("name") ?? pathName else { throw reader.missing("name") }
        if let pathName, pathName != name { throw .argumentInvalid("The endpoint name in the body does not match the path.") }
        guard let kindText = try reader.string("endpointType") else { throw reader.missing("endpointType") }
        guard let kind = RoutingEndpointKind(rawValue: kindText.lowercased()) else {
            throw .argumentInvalid("endpointType must be one of \(RoutingEndpointKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        var settings: [String: String] = [:]
        for (key, value) in zip(try reader.object("settings")?.keys ?? [], try reader.object("settings")?.values ?? []) {
            switch value {
            case .string(let text): settings[key] = text
            case .integer(let number): settings[key] = String(number)
            case .bool(let flag): settings[key] = String(flag)
            default: throw .argumentInvalid("Endpoint setting '\(key)' must be a string, integer or boolean.")
            }
        }
        self.init(name: name, kind: kind, settings: settings)
    }
}

extension MessageEnrichment {
    public var json: JSONValue {
        .object(JSONObject([("key", .string(key)), ("value", .string(value)), ("endpointNames", .array(endpointNames.map(JSONValue.string)))]))
    }

    public init(json: JSONValue, key pathKey: String? = nil) throws(HubError) {
        let reader = try JSONFieldReader(json)
        guard let key = try reader.string("key") ?? pathKey else { throw reader.missing("key") }
        if let pathKey, pathKey != key { throw .argumentInvalid("The enrichment key in the body does not match the path.") }
        guard let value = try reader.string("value") else { throw reader.missing("value") }
        guard let endpoints = try reader.strings("endpointNames") else { throw reader.missing("endpointNames") }
        self.init(key: key, value: value, endpointNames: endpoints)
    }
}

extension RoutingConfiguration {
    public var json: JSONValue {
        .object(JSONObject([
            ("routes", .array(routes.map(\.json))), ("endpoints", .array(endpoints.map(\.json))),
            ("enrichments", .array(enrichments.map(\.json))),
            ("fallbackRoute", .object(JSONObject([("name", .string("$fallback")), ("source", .string(RouteSource.deviceMessages.rawValue)),
                                                  ("condition", .string("true")),
                                                  ("endpointNames", .array([.string(Self.builtInEndpointName)])),
                                                  ("isEnabled", .bool(fallbackEnabled))]))),
        ]))
    }

    /// A whole configuration from its JSON (not validated: `validate()` or `RoutingTable` do).
    public init(json: JSONValue) throws(HubError) {
        let reader = try JSONFieldReader(json)
        func array(_ key: String) throws(HubError) -> [JSONValue] {
            switch reader.value(key) {
            case nil, .null?: return []
            case .array(let items)?: return items
            default: throw .argumentInvalid("'\(key)' must be an array.")
            }
        }
        var routes: [Route] = []
        for item in try array("routes") { routes.append(try Route(json: item)) }
        var endpoints: [RoutingEndpoint] = []
        for item in try array("endpoints") { endpoints.append(try RoutingEndpoint(json: item)) }
        var enrichments: [MessageEnrichment] = []
        for item in try array("enrichments") { enrichments.append(try MessageEnrichment(json: item)) }
        let fallback = try reader.reader("fallbackRoute")?.bool("isEnabled") ?? true
        self.init(routes: routes, endpoints: endpoints, enrichments: enrichments, fallbackEnabled: fallback)
    }
}
