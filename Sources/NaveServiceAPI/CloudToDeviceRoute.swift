/// The back end's cloud-to-device resources (contract §4.2), authorised by a policy with
/// ServiceConnect. Path words are matched without regard to case, as IoT Hub does
/// (`serviceBound`, `devicebound`).
enum CloudToDeviceRoute: Equatable {
    /// `DELETE /devices/{id}/commands`: purge the device's queue.
    case purge(deviceID: String)
    /// `GET /messages/serviceBound/feedback`: the next feedback batch.
    case receiveFeedback
    /// `DELETE /messages/serviceBound/feedback/{lockToken}`: complete a batch.
    case completeFeedback(lockToken: String)
    /// `POST /messages/serviceBound/feedback/{lockToken}/abandon`: abandon a batch.
    case abandonFeedback(lockToken: String)
    /// `POST /messages/devicebound/{id}`: Nave's own send, body `CloudToDeviceSendRequest`.
    /// IoT Hub's back ends send over AMQP (§5.3), whose target is `/messages/devicebound`;
    /// the device id goes in the path here because the REST body has no `to`. Not
    /// `/devices/{id}/messages/deviceBound`: that is the device's own receive path (§2).
    case send(deviceID: String)
    /// `GET /messages/serviceBound/filenotifications`: the next file-upload notification.
    case receiveFileNotification
    /// `DELETE /messages/serviceBound/filenotifications/{lockToken}`: complete it.
    case completeFileNotification(lockToken: String)
    /// `POST /messages/serviceBound/filenotifications/{lockToken}/abandon`.
    case abandonFileNotification(lockToken: String)

    init?(segments: [String]) {
        let words = segments.map { $0.lowercased() }
        if words.count >= 3, words[0...2] == ["messages", "servicebound", "filenotifications"] {
            switch words.count {
            case 3: self = .receiveFileNotification
            case 4: self = .completeFileNotification(lockToken: segments[3])
            case 5 where words[4] == "abandon": self = .abandonFileNotification(lockToken: segments[3])
            default: return nil
            }
            return
        }
        switch words.count {
        case 3 where words[0] == "devices" && words[2] == "commands":
            self = .purge(deviceID: segments[1])
        case 3 where words[0] == "messages" && words[1] == "devicebound":
            self = .send(deviceID: segments[2])
        case 3 where words == ["messages", "servicebound", "feedback"]:
            self = .receiveFeedback
        case 4 where words[0...2] == ["messages", "servicebound", "feedback"]:
            self = .completeFeedback(lockToken: segments[3])
        case 5 where words[0...2] == ["messages", "servicebound", "feedback"] && words[4] == "abandon":
            self = .abandonFeedback(lockToken: segments[3])
        default:
            return nil
        }
    }

    /// The one method each resource serves (others get 405).
    var method: String {
        switch self {
        case .purge, .completeFeedback, .completeFileNotification: "DELETE"
        case .receiveFeedback, .receiveFileNotification: "GET"
        case .abandonFeedback, .send, .abandonFileNotification: "POST"
        }
    }
}
