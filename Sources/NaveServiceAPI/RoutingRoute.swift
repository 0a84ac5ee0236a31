/// Nave's own routing resources (issue #15; IoT Hub configures routing through Azure Resource
/// Manager, which Nave does not have): `/routing/…` for `nave route|endpoint|message-enrichment`.
enum RoutingRoute: Equatable {
    /// `GET` the whole configuration, `PUT` to replace it.
    case configuration
    /// `GET /routing/routes`, `/routing/endpoints`, `/routing/enrichments`: one kind, listed.
    case list(RoutingEntryKind)
    /// `GET`, `PUT` (create; with `If-Match` replace), `DELETE` one entry.
    case entry(RoutingEntryKind, String)
    /// `GET`, `PUT {"isEnabled":…}` the fallback route.
    case fallback
    /// `POST /routing/test`: which routes a sample message matches.
    case test

    init?(segments: [String]) {
        guard segments.first == "routing" else { return nil }
        switch segments.count {
        case 1: self = .configuration
        case 2 where segments[1] == "fallback": self = .fallback
        case 2 where segments[1] == "test": self = .test
        case 2: guard let kind = RoutingEntryKind(rawValue: segments[1]) else { return nil }; self = .list(kind)
        case 3: guard let kind = RoutingEntryKind(rawValue: segments[1]) else { return nil }; self = .entry(kind, segments[2])
        default: return nil
        }
    }

    var methods: Set<String> {
        switch self {
        case .configuration, .fallback: ["GET", "PUT"]
        case .list: ["GET"]
        case .entry: ["GET", "PUT", "DELETE"]
        case .test: ["POST"]
        }
    }
}

/// The three kinds of routing entry, by their path segment.
enum RoutingEntryKind: String, Equatable {
    case routes, endpoints, enrichments

    /// The singular, for messages.
    var noun: String {
        switch self {
        case .routes: "route"
        case .endpoints: "endpoint"
        case .enrichments: "enrichment"
        }
    }
}
