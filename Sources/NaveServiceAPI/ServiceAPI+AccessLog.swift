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
        /// The request's `nave_rest_requests_total` label, from the route it was parsed into.
        var metricRoute = ServiceAPI.unknownMetricRoute
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
    /// Fixed segments of the routes (`ServiceRoute` and its sub-routes, `DeviceRoute`), as
    /// lower-case bytes: a segment matches one whatever its case (the device SDK writes `deviceBound`).
    static let words: [[UInt8]] = [
        "abandon", "applyconfigurationcontent", "cancel", "commands", "configurations", "consumergroups",
        "create", "devicebound", "devices", "endpoints", "enrichments", "eventhub", "events", "fallback",
        "feedback", "filenotifications", "files", "jobs", "messages", "methods", "modules", "notifications", "policies",
        "query", "regeneratekey", "routes", "routing", "service", "servicebound", "statistics", "test", "testqueries",
        "twins", "v2",
    ].map { Array($0.utf8) }
    /// Segments rendered at most; a longer path ends in `/…`.
    static let segmentsMax = 8

    /// Walks the path's bytes once (one line per request: splitting and lower-casing copies of
    /// every segment cost more than the rest of the line's fields).
    static func of(_ path: Substring) -> String {
        let utf8 = path.utf8
        var template = ""
        template.reserveCapacity(utf8.count + 8)
        var rendered = 0
        var start = utf8.startIndex
        while start != utf8.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
            if start != end {
                guard rendered < segmentsMax else {
                    template += "/…"
                    break
                }
                let segment = path[start..<end]
                template += "/"
                template += isWord(segment.utf8) ? segment : "{id}"
                rendered += 1
            }
            start = end == utf8.endIndex ? end : utf8.index(after: end)
        }
        return template.isEmpty ? "/" : template
    }

    private static func isWord(_ segment: Substring.UTF8View) -> Bool {
        words.contains { word in
            word.count == segment.count && zip(word, segment).allSatisfy { $0 == asciiLowercased($1) }
        }
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }
}
