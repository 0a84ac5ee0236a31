/// The back end's job resources (reference §3.1): scheduled jobs under `/jobs/v2/…`, and
/// import/export jobs under `/jobs/create`, `/jobs` and `/jobs/{id}`. `query` is matched before
/// `{id}`, as on IoT Hub, so no scheduled job can be read by the id `query`; `create` and `v2`
/// are never import/export job ids (those are UUIDs the hub assigns).
enum JobRoute: Equatable {
    /// `GET /jobs/v2/query?jobType=&jobStatus=`: list jobs.
    case query
    /// `PUT` (create) and `GET /jobs/v2/{id}`.
    case job(String)
    /// `POST /jobs/v2/{id}/cancel`.
    case cancel(String)
    /// `POST /jobs/create`: a new import/export job (§3.5).
    case createImportExport
    /// `GET /jobs`: every import/export job.
    case importExportJobs
    /// `GET` and `DELETE` (cancel) `/jobs/{id}`.
    case importExportJob(String)

    init?(segments: [String]) {
        guard segments.first == "jobs" else { return nil }
        if segments.count >= 3, segments[1] == "v2" {
            switch segments.count {
            case 3 where segments[2] == "query": self = .query
            case 3: self = .job(segments[2])
            case 4 where segments[3] == "cancel": self = .cancel(segments[2])
            default: return nil
            }
            return
        }
        switch segments.count {
        case 1: self = .importExportJobs
        case 2 where segments[1] == "create": self = .createImportExport
        case 2 where segments[1] != "v2": self = .importExportJob(segments[1])
        default: return nil
        }
    }

    var methods: Set<String> {
        switch self {
        case .query, .importExportJobs: ["GET"]
        case .job: ["GET", "PUT"]
        case .cancel, .createImportExport: ["POST"]
        case .importExportJob: ["GET", "DELETE"]
        }
    }
}
