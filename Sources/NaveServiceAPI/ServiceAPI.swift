import Logging
import NaveCore
import NaveHTTP
import NaveModel
import Synchronization

/// IoT Hub's REST service API over the hub (contract §4): the registry of devices and modules,
/// bulk operations, statistics and direct methods, as azure-iot-hub's registry manager calls
/// them. Every
/// request is authorised by a shared access policy token; every failure is answered with
/// IoT Hub's status, `iothub-errorcode` header and error body (§4.5).
public struct ServiceAPI: HTTPResponder {
    /// The hub façade: everything this API does goes through it.
    let hub: Hub
    let authorizer: ServiceAuthorizer
    let logger: Logger
    /// Checks the device SAS of the HTTPS device API (contract §2).
    let deviceAuthenticator: DeviceAuthenticator
    let requestCounter = RequestCounter()
    /// The blob store's REST surface, when the hub has one.
    let blobAPI: BlobAPI?
    /// One line per request (`nave.access`) and per audited change (`nave.audit`).
    let accessLog: Logger
    let auditLog: Logger

    public init(hub: Hub, logger: Logger, accessLog: Logger = Logger(label: "nave.access"),
                auditLog: Logger = Logger(label: "nave.audit")) {
        self.accessLog = accessLog
        self.auditLog = auditLog
        self.hub = hub
        self.blobAPI = hub.fileUploads.map { BlobAPI(blobs: $0.blobs, logger: logger, requestCounter: RequestCounter()) }
        self.deviceAuthenticator = DeviceAuthenticator(registry: hub.registry, hostName: hub.hostName, clock: hub.clock)
        self.authorizer = ServiceAuthorizer(registry: hub.registry, hostName: hub.hostName, clock: hub.clock)
        self.logger = logger
    }

    var registry: IdentityRegistry { hub.registry }
    var clock: any HubClock { hub.clock }

    public func respond(to request: HTTPRequest, from peer: HTTPPeer) async -> HTTPResponse {
        await answer(request, segments: HTTPTarget.pathSegments(request.head.path), from: peer).response
    }

    /// `respond` with the path already split into decoded segments (nil: it does not decode),
    /// as `reply` splits it once for the blob store's routes and the hub's; the answer carries
    /// the `nave_rest_requests_total` label of the route the request was parsed into.
    private func answer(_ request: HTTPRequest, segments: [String]?, from peer: HTTPPeer) async -> HTTPReply {
        let started = clock.now()
        var exchange = Exchange()
        let response = await respond(to: request, segments: segments, from: peer, started: started, &exchange)
        var reply = HTTPReply(response)
        reply.metricRoute = exchange.metricRoute
        return reply
    }

    private func respond(to request: HTTPRequest, segments: [String]?, from peer: HTTPPeer, started: Timestamp,
                         _ exchange: inout Exchange) async -> HTTPResponse {
        do {
            let response = try await route(request, segments, peer, &exchange)
            logAccess(request, status: response.status, started: started, exchange, refusal: nil)
            if (200..<300).contains(response.status) { audit(request, exchange) }
            return response
        } catch {
            logAccess(request, status: error.status, started: started, exchange, refusal: error.message)
            if error.status >= 500 {
                // The hub's own failure (a full disk, a store error): worth an operator's look.
                // The message names ids, sizes and reasons, never keys or bodies.
                logger.warning("service request failed", metadata: [
                    "method": "\(request.head.method)", "status": "\(error.status)", "code": "\(error.code)",
                    "reason": "\(error.message)",
                ])
            } else {
                logger.debug("service request refused", metadata: [
                    "method": "\(request.head.method)", "status": "\(error.status)", "code": "\(error.code)",
                ])
            }
            return failure(error)
        }
    }

    /// The answer, labelled with its `nave_rest_requests_total` route from the path split once here.
    public func reply(to request: HTTPRequest, from peer: HTTPPeer) async -> HTTPReply {
        let segments = HTTPTarget.pathSegments(request.head.path)
        if let blobAPI {
            var reply: HTTPReply?
            do throws(BlobError) {
                if let route = try BlobRoute(head: request.head, segments: segments) { reply = await blobAPI.reply(to: request, route) }
            } catch {
                reply = blobAPI.failure(error, request.head)
            }
            if var reply {
                reply.metricRoute = Self.blobMetricRoute
                return reply
            }
        }
        return await answer(request, segments: segments, from: peer)
    }

    public func streamedBodyBytesMax(for head: HTTPRequestHead) -> Int? {
        blobAPI?.streamedBodyBytesMax(for: head)
    }

    public func beginStream(_ head: HTTPRequestHead, from peer: HTTPPeer) -> HTTPBodyStreamStart {
        blobAPI?.beginStream(head) ?? .refuse(HTTPResponse(status: 404))
    }

    public func refusal(for error: HTTPDecodeError) -> HTTPResponse {
        failure(HTTPRefusals.hubError(for: error))
    }

    private func route(_ request: HTTPRequest, _ segments: [String]?, _ peer: HTTPPeer,
                       _ exchange: inout Exchange) async throws(HubError) -> HTTPResponse {
        let head = request.head
        guard let segments else { throw .routeNotFound() }
        let query = head.query.flatMap { HTTPTarget.queryItems($0) } ?? []
        // Device routes authenticate the device itself, never a policy (contract §2).
        if let route = DeviceRoute(segments: segments) {
            exchange.metricRoute = route.metricName
            guard route.methods.contains(head.method) else { throw .methodNotAllowed(head.method) }
            try requireAPIVersion(query)
            return try await serveDevice(route, request, query: query)
        }
        guard var route = ServiceRoute(segments: segments) else { throw .routeNotFound() }
        exchange.metricRoute = route.metricName
        // `devices/query` is the query language for POST; a device named "query" keeps the rest.
        if route == .query, head.method != "POST" { route = .device("query") }
        guard route.methods.contains(head.method) else { throw .methodNotAllowed(head.method) }
        try requireAPIVersion(query)
        exchange.policy = try authorizer.authorize(head.headers["Authorization"], requiring: route.requiredRights(for: head.method),
                                                   cache: peer.serviceTokens).name
        exchange.audited = Self.auditedChange(route, method: head.method)
        if case .methods(let key) = route { return try await invokeMethod(on: key, request) }
        if route == .query { return try await serveQuery(request) }
        return try await serve(route, request, query: query)
    }

    private func requireAPIVersion(_ query: [(name: String, value: String)]) throws(HubError) {
        guard query.contains(where: { $0.name == "api-version" }) else {
            throw .argumentInvalid("The api-version query parameter is required.")
        }
    }

    /// A JSON answer; `etag` also goes in an `ETag` header, quoted (contract §4.4).
    func json(_ value: JSONValue, status: Int = 200, etag: String? = nil) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/json; charset=utf-8"]
        if let etag { headers.add(name: "ETag", value: "\"\(etag)\"") }
        return HTTPResponse(status: status, headers: headers, body: value.serialized())
    }

    func failure(_ error: HubError) -> HTTPResponse {
        let trackingID = "nave-\(requestCounter.next())"
        return HTTPResponse(status: error.status, headers: [
            "Content-Type": "application/json; charset=utf-8",
            HubError.errorCodeHeaderName: error.errorCodeHeaderValue,
        ], body: error.responseBody(trackingID: trackingID, timestamp: clock.now()))
    }
}

/// Numbers error bodies' tracking ids (unique per process).
final class RequestCounter: Sendable {
    private let value = Atomic<UInt64>(0)
    func next() -> UInt64 { value.add(1, ordering: .relaxed).newValue }
}
