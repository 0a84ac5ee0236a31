import NaveCore
import NaveHTTP
import NaveModel

/// Scheduled jobs (reference §3.1, §3.2): create, read, cancel and list, each answered with the
/// full `JobResponse` (the SDK accepts it for the create, whose documented answer has three of
/// its fields). The rules live in `ScheduledJobs`; this only reads bodies and query parameters.
extension ServiceAPI {
    /// `pageSize` when `GET /jobs/v2/query` has none, and the most one page holds (IoT Hub
    /// documents neither; 100 is its default page for device queries, contract §4.4).
    static let jobPageSizeDefault = 100
    static let jobPageSizeMax = 1_000

    func serveJobs(_ route: JobRoute, _ request: HTTPRequest, query: [(name: String, value: String)]) async throws(HubError) -> HTTPResponse {
        let jobs = hub.jobs
        switch (route, request.head.method) {
        case (.job(let id), "PUT"):
            let body: JSONValue
            do {
                body = try JSONValue(parsing: request.body)
            } catch {
                throw .invalidJSON(error)
            }
            let job = try JobRequest(json: body, pathJobID: id, now: clock.now())
            return json(try await jobs.create(job).json)
        case (.job(let id), "GET"):
            return json(try await jobs.job(id).json)
        case (.cancel(let id), _):
            return json(try await jobs.cancel(id).json)
        case (.query, _):
            return try await listJobs(query)
        case (.createImportExport, _), (.importExportJobs, _), (.importExportJob, _):
            return try await serveImportExportJobs(route, request)
        default:
            throw .methodNotAllowed(request.head.method)
        }
    }

    /// `{"type":"jobResponse","items":[…],"continuationToken":…}` (§3.1): azure-iot-hub reads
    /// the token from the body, and sends neither `pageSize` nor `continuationToken`.
    private func listJobs(_ query: [(name: String, value: String)]) async throws(HubError) -> HTTPResponse {
        func parameter(_ name: String) -> String? { query.first { $0.name == name }?.value }
        let type = try parameter("jobType").map { text throws(HubError) in
            guard let type = JobType(rawValue: text) else { throw .argumentInvalid("jobType must be scheduleUpdateTwin or scheduleDeviceMethod.") }
            return type
        }
        let status = try parameter("jobStatus").map { text throws(HubError) in
            guard let status = JobStatus(rawValue: text) else {
                throw .argumentInvalid("jobStatus must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return status
        }
        let pageSize = try parameter("pageSize").map { text throws(HubError) in
            guard let size = Int(text), (1...Self.jobPageSizeMax).contains(size) else {
                throw .argumentInvalid("pageSize must be 1...\(Self.jobPageSizeMax).")
            }
            return size
        } ?? Self.jobPageSizeDefault
        let token = parameter("continuationToken").flatMap { $0.isEmpty ? nil : $0 }
        let page = try await hub.jobs.query(type: type, status: status, pageSize: pageSize, continuationToken: token)
        return json(.object(JSONObject([
            ("type", .string("jobResponse")), ("items", .array(page.items)),
            ("continuationToken", page.continuationToken.map(JSONValue.string) ?? .null),
        ])))
    }
}
