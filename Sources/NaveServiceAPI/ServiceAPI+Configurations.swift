import NaveCore
import NaveHTTP
import NaveModel

/// Automatic device configurations (reference §4.1, §4.2): create/update, read, list, delete,
/// `testQueries` and IoT Edge's `applyConfigurationContent`. The rules live in
/// `DeviceConfigurations`; this reads bodies, `If-Match` (unquoted, as
/// `IoTHubConfigurationManager` sends it) and `top`, and adds each configuration's metrics,
/// computed when it is read.
extension ServiceAPI {
    func serveConfigurations(_ route: ConfigurationRoute, _ request: HTTPRequest,
                             query: [(name: String, value: String)]) async throws(HubError) -> HTTPResponse {
        let configurations = hub.configurations
        let ifMatch = request.head.headers["If-Match"]
        switch (route, request.head.method) {
        case (.configuration(let id), "PUT"):
            let parsed = try ConfigurationRequest(json: try body(request), pathID: id)
            let (stored, created) = try await configurations.put(parsed, ifMatch: ifMatch)
            return json(try await configurationJSON(stored), status: created ? 201 : 200, etag: stored.etag)
        case (.configuration(let id), "GET"):
            let stored = try configurations.configuration(id)
            return json(try await configurationJSON(stored), etag: stored.etag)
        case (.configuration(let id), "DELETE"):
            try await configurations.delete(id, ifMatch: ifMatch)
            return HTTPResponse(status: 204)
        case (.list, _):
            let top = try query.first { $0.name == "top" }.map { item throws(HubError) in
                guard let value = Int(item.value), value >= 0 else { throw HubError.argumentInvalid("top must be a non-negative integer.") }
                return value
            }
            var items: [JSONValue] = []
            for configuration in configurations.configurations(top: top) { items.append(try await configurationJSON(configuration)) }
            return json(.array(items))
        case (.testQueries, _):
            let fields = try JSONFieldReader(try body(request))
            let result = DeviceConfigurations.testQueries(targetCondition: try fields.string("targetCondition"),
                                                          metricQueries: try fields.object("customMetricQueries") ?? JSONObject())
            return json(.object(JSONObject([
                ("targetConditionError", .string(result.targetConditionError)),
                ("customMetricQueryErrors", .object(result.metricQueryErrors)),
            ])))
        case (.applyContent(let deviceID), _):
            try await configurations.applyEdgeContent(deviceID: deviceID, body: try body(request))
            return HTTPResponse(status: 204)
        default:
            throw .methodNotAllowed(request.head.method)
        }
    }

    private func configurationJSON(_ configuration: DeviceConfiguration) async throws(HubError) -> JSONValue {
        configuration.json(metrics: try await hub.configurations.metrics(of: configuration))
    }
}
