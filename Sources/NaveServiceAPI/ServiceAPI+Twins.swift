import NaveCore
import NaveHTTP
import NaveModel

/// Device and module twins (contract §4.2, semantics §4.4): `GET` reads, `PATCH` deep-merges
/// tags and desired properties, `PUT` replaces them; both writes honour `If-Match` (quoted,
/// weak or `*`; 412 PreconditionFailed on another etag). Every answer is the `Twin` with its
/// etag also in an `ETag` header.
extension ServiceAPI {
    func serveTwin(_ route: ServiceRoute, _ request: HTTPRequest) async throws(HubError) -> HTTPResponse {
        let twins = hub.twins
        let key: IdentityKey
        switch route {
        case .twin(let deviceID): key = IdentityKey(deviceID: deviceID)
        case .moduleTwin(let deviceID, let moduleID): key = IdentityKey(deviceID: deviceID, moduleID: moduleID)
        default: throw .routeNotFound()
        }
        let ifMatch = request.head.headers["If-Match"]
        let twin: Twin
        switch request.head.method {
        case "GET":
            twin = try await twins.twin(key)
        case "PATCH":
            twin = try await twins.updateTwin(key, try TwinUpdate(json: try twinBody(request)), ifMatch: ifMatch)
        case "PUT":
            twin = try await twins.replaceTwin(key, try TwinUpdate(json: try twinBody(request)), ifMatch: ifMatch)
        default:
            throw .methodNotAllowed(request.head.method)
        }
        return json(try twins.json(of: twin), etag: twin.etag)
    }

    /// The body as JSON; empty or invalid is ArgumentInvalid. Nesting is bounded well above
    /// the twin's own depth limit, which then refuses with its clearer message.
    private func twinBody(_ request: HTTPRequest) throws(HubError) -> JSONValue {
        do {
            return try JSONValue(parsing: request.body, limits: JSONLimits(depthMax: 32))
        } catch {
            throw .invalidJSON(error)
        }
    }
}
