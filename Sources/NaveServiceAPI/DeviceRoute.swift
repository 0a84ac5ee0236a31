/// The HTTPS device API (contract §2: the same listener and base URL as the service API):
/// telemetry and cloud-to-device receive. Authenticated by the device's own SAS token in
/// `Authorization` (`sr` = `{host}/devices/{id}`), never by a policy, so a device reaches only
/// its own resources. Path words are matched without regard to case (`deviceBound`).
enum DeviceRoute: Equatable {
    /// `POST /devices/{id}/messages/events`: telemetry, body = message body.
    case telemetry(deviceID: String)
    /// `GET /devices/{id}/messages/deviceBound`: the next C2D message, locked.
    case receive(deviceID: String)
    /// `DELETE /devices/{id}/messages/deviceBound/{lockToken}` completes; with `?reject`, rejects.
    case settle(deviceID: String, lockToken: String)
    /// `POST /devices/{id}/messages/deviceBound/{lockToken}/abandon`.
    case abandon(deviceID: String, lockToken: String)
    /// `POST /devices/{id}/files`: start a file upload (contract §2.1).
    case startUpload(deviceID: String)
    /// `POST /devices/{id}/files/notifications`: its outcome (contract §2.2).
    case notifyUpload(deviceID: String)

    init?(segments: [String]) {
        let words = segments.map { $0.lowercased() }
        if words.count >= 3, words[0] == "devices", words[2] == "files" {
            switch words.count {
            case 3: self = .startUpload(deviceID: segments[1])
            case 4 where words[3] == "notifications": self = .notifyUpload(deviceID: segments[1])
            default: return nil
            }
            return
        }
        guard words.count >= 4, words[0] == "devices", words[2] == "messages" else { return nil }
        let deviceID = segments[1]
        switch words.count {
        case 4 where words[3] == "events": self = .telemetry(deviceID: deviceID)
        case 4 where words[3] == "devicebound": self = .receive(deviceID: deviceID)
        case 5 where words[3] == "devicebound": self = .settle(deviceID: deviceID, lockToken: segments[4])
        case 6 where words[3] == "devicebound" && words[5] == "abandon": self = .abandon(deviceID: deviceID, lockToken: segments[4])
        default: return nil
        }
    }

    var deviceID: String {
        switch self {
        case .telemetry(let id), .receive(let id), .settle(let id, _), .abandon(let id, _), .startUpload(let id),
             .notifyUpload(let id): id
        }
    }

    /// The methods each resource serves (others get 405).
    var methods: Set<String> {
        switch self {
        case .telemetry, .abandon, .startUpload, .notifyUpload: ["POST"]
        case .receive: ["GET"]
        case .settle: ["DELETE"]
        }
    }
}
