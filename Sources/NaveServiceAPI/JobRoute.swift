/// The back end's scheduled-job resources (reference §3.1): `/jobs/v2/…`. `query` is matched
/// before `{id}`, as on IoT Hub, so no job can be read by the id `query`.
enum JobRoute: Equatable {
    /// `GET /jobs/v2/query?jobType=&jobStatus=`: list jobs.
    case query
    /// `PUT` (create) and `GET /jobs/v2/{id}`.
    case job(String)
    /// `POST /jobs/v2/{id}/cancel`.
    case cancel(String)

    init?(segments: [String]) {
        guard segments.count >= 3, segments[0] == "jobs", segments[1] == "v2" else { return nil }
        switch segments.count {
        case 3 where segments[2] == "query": self = .query
        case 3: self = .job(segments[2])
        case 4 where segments[3] == "cancel": self = .cancel(segments[2])
        default: return nil
        }
    }

    var methods: Set<String> {
        switch self {
        case .query: ["GET"]
        case .job: ["GET", "PUT"]
        case .cancel: ["POST"]
        }
    }
}
