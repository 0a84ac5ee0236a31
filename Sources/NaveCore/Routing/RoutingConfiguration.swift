import NaveModel

/// Where a routed message comes from (reference §2.1, the ARM `source` values). Each maps to
/// one kind of event the hub produces (`TelemetryEvent.Source`).
public enum RouteSource: String, Sendable, Hashable, CaseIterable {
    case deviceMessages = "DeviceMessages"
    case twinChangeEvents = "TwinChangeEvents"
    case deviceLifecycleEvents = "DeviceLifecycleEvents"
    case deviceConnectionStateEvents = "DeviceConnectionStateEvents"

    /// The source of events of `kind`.
    public init(_ kind: TelemetryEvent.Source) {
        switch kind {
        case .telemetry: self = .deviceMessages
        case .twinChangeEvents: self = .twinChangeEvents
        case .deviceLifecycleEvents: self = .deviceLifecycleEvents
        case .deviceConnectionStateEvents: self = .deviceConnectionStateEvents
        }
    }

    /// The kind of event this source is made of.
    public var eventSource: TelemetryEvent.Source {
        switch self {
        case .deviceMessages: .telemetry
        case .twinChangeEvents: .twinChangeEvents
        case .deviceLifecycleEvents: .deviceLifecycleEvents
        case .deviceConnectionStateEvents: .deviceConnectionStateEvents
        }
    }

    /// The source named `text`, case-insensitively (the CLI takes `devicemessages`, ARM spells
    /// `DeviceMessages`).
    public init?(named text: String) {
        let wanted = text.lowercased()
        guard let source = Self.allCases.first(where: { $0.rawValue.lowercased() == wanted }) else { return nil }
        self = source
    }
}

/// One route (reference §2.2): messages of `source` for which `condition` is true go to every
/// endpoint in `endpointNames`. A disabled route matches nothing.
public struct Route: Sendable, Hashable {
    public var name: String
    public var source: RouteSource
    /// Routing query text (§1.3, routing dialect); `true` when the route was made without one.
    public var condition: String
    public var endpointNames: [String]
    public var isEnabled: Bool

    public init(name: String, source: RouteSource = .deviceMessages, condition: String = "true",
                endpointNames: [String], isEnabled: Bool = true) {
        self.name = name
        self.source = source
        self.condition = condition
        self.endpointNames = endpointNames
        self.isEnabled = isEnabled
    }
}

/// What kind of place an endpoint delivers to (issue #15, Endpoints).
public enum RoutingEndpointKind: String, Sendable, Hashable, CaseIterable {
    /// Another durable partitioned log, read like the built-in `events` endpoint.
    case eventHub = "eventhub"
    /// Files in a directory, batched by time and size.
    case storage
    /// HTTP(S) POST of each message as JSON.
    case webhook
    /// Republished into the general MQTT broker under a topic prefix.
    case mqtt
}

/// A custom endpoint (reference §2: ARM's `routingEndpoints`): a name routes refer to, its kind
/// and the kind's settings (`url`, `directory`, `topicPrefix`, `partitionCount`, …, as text).
public struct RoutingEndpoint: Sendable, Hashable {
    public var name: String
    public var kind: RoutingEndpointKind
    public var settings: [String: String]

    public init(name: String, kind: RoutingEndpointKind, settings: [String: String] = [:]) {
        self.name = name
        self.kind = kind
        self.settings = settings
    }

    /// The log an external endpoint's delivery puts what it gave up on: beside the endpoint's
    /// own log (a route name cannot hold `/`, so no endpoint can be named so).
    public static func deadLetterLogName(of endpoint: String) -> String { endpoint + "/deadletter" }
}

/// A message enrichment (reference §2.5): application property `key` set to `value` — static
/// text, `$iothubname`, or a `$twin.tags.…` / `$twin.properties.desired|reported.…` path —
/// on every message delivered to one of `endpointNames`.
public struct MessageEnrichment: Sendable, Hashable {
    public var key: String
    public var value: String
    public var endpointNames: [String]

    public init(key: String, value: String, endpointNames: [String]) {
        self.key = key
        self.value = value
        self.endpointNames = endpointNames
    }
}

/// The hub's whole routing setup (ARM's `routing` object): routes, custom endpoints,
/// enrichments and whether the fallback route (to the built-in `events` endpoint) is on.
/// The default — nothing configured, fallback on — is a hub without routing: every message
/// reaches `events` (§2.2).
public struct RoutingConfiguration: Sendable, Hashable {
    public var routes: [Route]
    public var endpoints: [RoutingEndpoint]
    public var enrichments: [MessageEnrichment]
    public var fallbackEnabled: Bool

    public init(routes: [Route] = [], endpoints: [RoutingEndpoint] = [], enrichments: [MessageEnrichment] = [],
                fallbackEnabled: Bool = true) {
        self.routes = routes
        self.endpoints = endpoints
        self.enrichments = enrichments
        self.fallbackEnabled = fallbackEnabled
    }

    /// The name of the built-in endpoint (ARM examples; C# `DefaultEventHubEndpointName`).
    public static let builtInEndpointName = "events"

    public func route(named name: String) -> Route? { routes.first { $0.name == name } }
    public func endpoint(named name: String) -> RoutingEndpoint? { endpoints.first { $0.name == name } }
    public func enrichment(key: String) -> MessageEnrichment? { enrichments.first { $0.key == key } }
}
