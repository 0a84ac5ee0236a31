import NaveCore
import NaveHTTP
import NaveModel

/// `POST /devices/query` (reference §1.1, §1.7): body `{"query": "<text>"}`; the page size in
/// `x-ms-max-item-count`, the previous page's token in `x-ms-continuation`. The answer is a JSON
/// array of rows with `x-ms-item-type` (`twin`, `deviceJob`, `raw`) and, only when more rows
/// exist, `x-ms-continuation`. Needs RegistryRead, as every registry read.
extension ServiceAPI {
    func serveQuery(_ request: HTTPRequest) async throws(HubError) -> HTTPResponse {
        let headers = request.head.headers
        let text = try queryText(request)
        var pageRows: Int?
        if let value = headers["x-ms-max-item-count"] {
            guard let count = Int(value) else {
                throw .argumentInvalid("x-ms-max-item-count must be an integer, not '\(value.prefix(32))'.")
            }
            pageRows = count
        }
        let page = try await hub.query(text, pageRows: pageRows, continuation: headers["x-ms-continuation"])
        var response = json(.array(page.rows))
        response.headers.add(name: "x-ms-item-type", value: page.itemType)
        if let continuation = page.continuation { response.headers.add(name: "x-ms-continuation", value: continuation) }
        return response
    }

    /// The query text of the body; ArgumentInvalid for anything but `{"query": "<string>"}`.
    private func queryText(_ request: HTTPRequest) throws(HubError) -> String {
        let body: JSONValue
        do {
            body = try JSONValue(parsing: request.body, limits: JSONLimits(depthMax: 4))
        } catch {
            throw .invalidJSON(error)
        }
        guard let text = body["query"]?.stringValue else {
            throw .argumentInvalid("The body must be {\"query\": \"SELECT …\"}.")
        }
        return text
    }
}
