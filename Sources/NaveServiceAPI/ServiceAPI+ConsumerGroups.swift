import NaveCore
import NaveHTTP
import NaveModel

/// The events endpoint's consumer groups (Nave's own routes, issue #13): list, create, delete,
/// each group as `{"name","createdAt"}`. The rules (name, `$Default`, the bound) are the hub's.
extension ServiceAPI {
    func serveConsumerGroups(_ route: ServiceRoute, method: String) async throws(HubError) -> HTTPResponse {
        let groups = hub.consumerGroups
        switch (route, method) {
        case (.consumerGroups, _):
            return json(.array(groups.list().map(\.json)))
        case (.consumerGroup(let name), "PUT"):
            // 200 with the group, as Azure Resource Manager's create answers (and this API's
            // other creates); the body, if any, has nothing to set.
            return json(try await groups.create(name).json)
        case (.consumerGroup(let name), "DELETE"):
            try await groups.delete(name)
            return HTTPResponse(status: 204)
        default:
            throw .methodNotAllowed(method)
        }
    }
}
