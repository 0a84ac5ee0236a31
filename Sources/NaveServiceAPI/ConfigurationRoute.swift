/// The back end's automatic device configuration resources (reference §4.1). `testQueries` is
/// matched before `{id}`: a configuration id is lowercase, so none can be named so.
enum ConfigurationRoute: Equatable {
    /// `GET /configurations[?top=N]`.
    case list
    /// `POST /configurations/testQueries`.
    case testQueries
    /// `GET`, `PUT`, `DELETE /configurations/{id}`.
    case configuration(String)
    /// `POST /devices/{id}/applyConfigurationContent` (IoT Edge modules' content).
    case applyContent(deviceID: String)

    init?(segments: [String]) {
        if segments.count == 3, segments[0] == "devices", segments[2] == "applyConfigurationContent" {
            self = .applyContent(deviceID: segments[1])
            return
        }
        guard segments.first == "configurations" else { return nil }
        switch segments.count {
        case 1: self = .list
        case 2 where segments[1] == "testQueries": self = .testQueries
        case 2: self = .configuration(segments[1])
        default: return nil
        }
    }

    var methods: Set<String> {
        switch self {
        case .list: ["GET"]
        case .testQueries, .applyContent: ["POST"]
        case .configuration: ["GET", "PUT", "DELETE"]
        }
    }
}
