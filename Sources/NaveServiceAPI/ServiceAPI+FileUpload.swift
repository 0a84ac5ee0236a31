import NaveCore
import NaveHTTP
import NaveModel

/// File upload over HTTPS: the device's two calls (contract §2.1, §2.2) and the back end's
/// notification queue (`/messages/serviceBound/filenotifications`, reference §5.2).
extension ServiceAPI {
    /// Largest notification or start body read, in bytes (both are a few fields).
    static let fileUploadBodyBytesMax = 16 << 10

    func serveFileUpload(_ route: DeviceRoute, _ key: IdentityKey, _ request: HTTPRequest) async throws(HubError) -> HTTPResponse {
        guard let uploads = hub.fileUploads else { throw .routeNotFound() }
        let fields = try Self.jsonObject(request.body)
        switch route {
        case .startUpload:
            guard let name = fields["blobName"]?.stringValue else { throw .argumentInvalid("blobName is required.") }
            return json(try uploads.begin(deviceID: key.deviceID, requestedName: name).json)
        default:
            guard let correlationID = fields["correlationId"]?.stringValue else { throw .argumentInvalid("correlationId is required.") }
            try await uploads.notify(deviceID: key.deviceID, correlationID: correlationID, isSuccess: fields["isSuccess"]?.boolValue ?? false)
            return HTTPResponse(status: 204)
        }
    }

    func serveFileNotifications(_ route: CloudToDeviceRoute) async throws(HubError) -> HTTPResponse {
        guard let queue = hub.fileUploads?.notifications else {
            if case .receiveFileNotification = route { return HTTPResponse(status: 204) }
            throw .deviceMessageLockLost()
        }
        switch route {
        case .completeFileNotification(let token):
            try await queue.complete(lockToken: Self.unquoted(token))
            return HTTPResponse(status: 204)
        case .abandonFileNotification(let token):
            try queue.abandon(lockToken: Self.unquoted(token))
            await queue.flush()
            return HTTPResponse(status: 204)
        default:
            let delivery = queue.receive()
            await queue.flush()
            guard let delivery else { return HTTPResponse(status: 204) }
            // The lock token in ETag, quoted, as for feedback (contract §5.4).
            let headers: HTTPHeaders = [
                "Content-Type": FileNotification.contentType, "ETag": "\"\(delivery.lockToken)\"",
                "iothub-enqueuedtime": delivery.notification.enqueuedTime.iso8601,
            ]
            return HTTPResponse(status: 200, headers: headers, body: delivery.notification.json.serialized())
        }
    }

    private static func jsonObject(_ body: [UInt8]) throws(HubError) -> JSONObject {
        guard body.count <= fileUploadBodyBytesMax else { throw .argumentInvalid("The request body is too large.") }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: body)
        } catch {
            throw .invalidJSON(error)
        }
        guard let object = value.objectValue else { throw .argumentInvalid("The request body must be a JSON object.") }
        return object
    }
}
