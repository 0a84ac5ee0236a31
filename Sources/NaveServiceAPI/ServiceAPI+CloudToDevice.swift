import NaveCore
import NaveHTTP
import NaveModel

/// The back end's cloud-to-device resources (contract §4.2, §5.4): purge, the feedback queue,
/// and Nave's own send for back ends without AMQP (the CLI).
extension ServiceAPI {
    func serveCloudToDevice(_ route: CloudToDeviceRoute, _ request: HTTPRequest) async throws(HubError) -> HTTPResponse {
        let queues = hub.cloudToDevice
        switch route {
        case .purge(let deviceID):
            let purged = try await queues.purge(IdentityKey(deviceID: deviceID))
            // PurgeMessageQueueResult (§4.3); C2D queues are per device, so no module.
            return json(.object(JSONObject([
                ("totalMessagesPurged", .integer(Int64(purged))), ("deviceId", .string(deviceID)), ("moduleId", .null),
            ])))
        case .send(let deviceID):
            let send: CloudToDeviceSendRequest
            do {
                send = try CloudToDeviceSendRequest(json: try JSONValue(parsing: request.body))
            } catch let error as JSONParseError {
                throw .invalidJSON(error)
            } catch let error as HubError {
                throw error
            } catch {
                throw .argumentInvalid("The request body is not a cloud-to-device message.")
            }
            let key = IdentityKey(deviceID: deviceID)
            let sent = try await queues.sendCounted(to: key, message: send.message, ttlSeconds: send.ttlSeconds)
            return json(sent.json)
        case .receiveFeedback:
            guard let batch = queues.feedback.receive() else { return HTTPResponse(status: 204) }
            // The lock token goes in ETag, quoted, where the .NET SDK reads it (§5.4).
            let headers: HTTPHeaders = [
                "Content-Type": FeedbackRecord.batchContentType, "ETag": "\"\(batch.lockToken)\"",
                "iothub-enqueuedtime": batch.enqueuedTime.iso8601,
            ]
            return HTTPResponse(status: 200, headers: headers, body: JSONValue.array(batch.records.map(\.json)).serialized())
        case .completeFeedback(let lockToken):
            try await queues.feedback.complete(lockToken: Self.unquoted(lockToken))
            return HTTPResponse(status: 204)
        case .abandonFeedback(let lockToken):
            try queues.feedback.abandon(lockToken: Self.unquoted(lockToken))
            return HTTPResponse(status: 204)
        case .receiveFileNotification, .completeFileNotification, .abandonFileNotification:
            return try await serveFileNotifications(route)
        }
    }

    /// A lock token as sent: clients may echo the ETag with its quotes.
    static func unquoted(_ token: String) -> String {
        token.count >= 2 && token.hasPrefix("\"") && token.hasSuffix("\"") ? String(token.dropFirst().dropLast()) : token
    }
}
