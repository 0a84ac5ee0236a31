import Logging
import NaveHTTP
import NaveModel

/// The REST API's operator logs (issue #16): one access line per request under `nave.access`
/// (method, route template, status, duration, policy — never the token, a key or the query), a
/// refusal's reason with it, and one audit line under `nave.audit` per change of the registry,
/// of a shared access policy or of message routing (who: the policy; what: method and path).
extension ServiceAPI {
    /// What the request's handling learnt that the logs name.
    struct Exchange {
        /// The shared access policy that authorised the request (nil: none did).
        var policy: String?
        /// `registry`, `policy` or `routing` for a change that is audited.
        var audited: String?
    }

    func logAccess(_ request: HTTPRequest, status: Int, started: Timestamp, _ exchange: Exchange, refusal: String?) {
        var metadata: Logger.Metadata = [
            "method": "\(request.head.method)",
            "route": "\(RouteTemplate.of(request.head.path))",
            "status": "\(status)",
            "durationMillis": "\(max(0, clock.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch))",
            "policy": "\(exchange.policy ?? "-")",
        ]
        if let refusal { metadata["reason"] = "\(refusal)" }
        accessLog.info("request", metadata: metadata)
    }

    func audit(_ request: HTTPRequest, _ exchange: Exchange) {
        guard let audited = exchange.audited else { return }
        auditLog.notice("\(audited) change", metadata: [
            "policy": "\(exchange.policy ?? "-")", "method": "\(request.head.method)", "resource": "\(request.head.path)",
        ])
    }

    /// Which kind of audited change `method` on `route` is, if any (reads are not audited).
    static func auditedChange(_ route: ServiceRoute, method: String) -> String? {
        guard method != "GET" else { return nil }
        switch route {
        case .devices where method == "POST", .device, .module: return "registry"
        case .policy, .policyKey: return "policy"
        case .routing(let routing) where routing != .test: return "routing"
        default: return nil
        }
    }
}

/// A request path as a route template for logs and metrics (`/devices/{id}/modules/{id}`):
/// the words the REST API's routes are made of stay, every other segment (a device id, a
/// lock token, a job id) becomes `{id}`, so a line never carries an identifier it need not
/// and the routes stay few.
enum RouteTemplate {
    /// Fixed segments of the routes (`ServiceRoute` and its sub-routes, `DeviceRoute`), lower-cased.
    static let words: Set<String> = Set([
        "abandon", "applyConfigurationContent", "cancel", "commands", "configurations", "consumergroups", "consumerGroups",
        "create", "devicebound", "devices", "endpoints", "enrichments", "eventHub", "eventhub", "events", "fallback",
        "feedback", "filenotifications", "files", "jobs", "messages", "methods", "modules", "notifications", "policies",
        "query", "regenerateKey", "routes", "routing", "service", "servicebound", "statistics", "test", "testQueries",
        "twins", "v2",
    ].map { $0.lowercased() })
    /// Segments rendered at most; a longer path ends in `/…`.
    static let segmentsMax = 8

    static func of(_ path: Substring) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        // Routes match their words case-insensitively (the device SDK writes `deviceBound`).
        var template = segments.prefix(segmentsMax).map { words.contains($0.lowercased()) ? String($0) : "{id}" }
        if segments.count > segmentsMax { template.append("…") }
        return "/" + template.joined(separator: "/")
    }
}
