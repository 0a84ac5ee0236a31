import NaveCore
import NaveHTTP
import NaveModel

/// Import/export jobs (reference §3.1, §3.5): create, list, read and cancel, each answered with
/// `JobProperties`. The rules live in `ImportExportJobs`; this only reads the body. A hub
/// without a blob store has no such jobs: it lists none, finds none (404002), and its
/// `/jobs/create` is 400 with the reason.
extension ServiceAPI {
    func serveImportExportJobs(_ route: JobRoute, _ request: HTTPRequest) async throws(HubError) -> HTTPResponse {
        guard let jobs = hub.importExport else {
            switch route {
            case .importExportJobs: return json(.array([]))
            case .importExportJob(let id): throw .jobNotFound(jobID: id)
            default: throw .argumentInvalid("This hub has no blob store, so it runs no import/export jobs.")
            }
        }
        switch route {
        case .createImportExport:
            let body: JSONValue
            do {
                body = try JSONValue(parsing: request.body)
            } catch {
                throw .invalidJSON(error)
            }
            return json(try await jobs.create(ImportExportJobRequest(json: body)).json)
        case .importExportJobs:
            return json(.array(await jobs.list().map(\.json)))
        case .importExportJob(let id) where request.head.method == "DELETE":
            return json(try await jobs.cancel(id).json)
        case .importExportJob(let id):
            return json(try await jobs.job(id).json)
        default:
            throw .routeNotFound()
        }
    }
}
