import NaveHTTP
import NaveServiceAPI

/// The admin listener's three resources (issue #16), unauthenticated:
/// - `GET /health/live`: 200 while the node runs (`NodeHealth.isLive`), 503 once stopped;
/// - `GET /health/ready`: 200 only while ready (listeners bound, stores open, not draining),
///   503 otherwise; both with `{"status":"starting|ready|draining|stopped"}`;
/// - `GET /metrics`: the Prometheus text format, or OpenMetrics when `Accept` asks for it;
///   503 when the loops' counters could not be gathered (the node is stopping).
/// Anything else is 404; another method on those paths 405 (RFC 9110 §15.5.6).
struct AdminResponder: HTTPResponder {
    let health: NodeHealth
    /// Gathers and publishes a snapshot, then renders it; nil when the loops did not answer.
    let scrape: @Sendable (_ openMetrics: Bool) async -> [UInt8]?

    static let paths: Set<String> = ["/health/live", "/health/ready", "/metrics"]

    func respond(to request: HTTPRequest, from peer: HTTPPeer) async -> HTTPResponse {
        let path = String(request.head.path)
        guard Self.paths.contains(path) else { return HTTPResponse(status: 404) }
        guard request.head.method == "GET" || request.head.method == "HEAD" else {
            return HTTPResponse(status: 405, headers: ["Allow": "GET, HEAD"])
        }
        switch path {
        case "/health/live": return healthResponse(ok: health.isLive)
        case "/health/ready": return healthResponse(ok: health.isReady)
        default: return await metrics(accept: request.head.headers["Accept"])
        }
    }

    func refusal(for error: HTTPDecodeError) -> HTTPResponse {
        HTTPResponse(status: 400)
    }

    private func healthResponse(ok: Bool) -> HTTPResponse {
        HTTPResponse(status: ok ? 200 : 503, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
                     body: Array("{\"status\":\"\(health.phase.rawValue)\"}".utf8))
    }

    private func metrics(accept: String?) async -> HTTPResponse {
        let openMetrics = PrometheusExposition.prefersOpenMetrics(accept)
        guard let body = await scrape(openMetrics) else {
            return HTTPResponse(status: 503, headers: ["Content-Type": "text/plain"], body: Array("metrics unavailable: the node is stopping\n".utf8))
        }
        let type = openMetrics ? PrometheusExposition.openMetricsContentType : PrometheusExposition.prometheusContentType
        return HTTPResponse(status: 200, headers: ["Content-Type": type], body: body)
    }
}
