import NaveCore
import NaveHTTP
import NaveModel

/// The HTTPS device API (contract §2): telemetry in, cloud-to-device messages out, for
/// devices that do not keep an MQTT connection. Every request carries the device's SAS token
/// (the one it would send as its MQTT password); a token for another device, a disabled
/// device or an expired token is 401.
extension ServiceAPI {
    func serveDevice(_ route: DeviceRoute, _ request: HTTPRequest, query: [(name: String, value: String)]) async throws(HubError) -> HTTPResponse {
        let key = IdentityKey(deviceID: route.deviceID)
        if case .refused(let refusal) = deviceAuthenticator.authenticate(key, authorization: request.head.headers["Authorization"]) {
            throw .unauthorizedAccess("Device authentication failed: \(refusal.reason).")
        }
        switch route {
        case .telemetry:
            let message = DeviceMessageHeaders.telemetry(request.head.headers, body: request.body)
            // 204 only once the event is durable, as MQTT's PUBACK (DESIGN: durable acknowledgement).
            try await hub.acceptTelemetry(message, from: key, authMethod: "sas", authGenerationID: hub.registry.generationID(of: key))
            return HTTPResponse(status: 204)
        case .receive:
            guard let locked = await hub.cloudToDevice.receive(key) else { return HTTPResponse(status: 204) }
            return HTTPResponse(status: 200, headers: DeviceMessageHeaders.cloudToDevice(locked), body: locked.message.body)
        case .settle(_, let lockToken):
            // IoT Hub's reject is the same DELETE with a bare `reject` query item.
            if query.contains(where: { $0.name == "reject" }) {
                try await hub.cloudToDevice.reject(key, lockToken: Self.unquoted(lockToken))
            } else {
                try await hub.cloudToDevice.complete(key, lockToken: Self.unquoted(lockToken))
            }
            return HTTPResponse(status: 204)
        case .abandon(_, let lockToken):
            try await hub.cloudToDevice.abandon(key, lockToken: Self.unquoted(lockToken))
            return HTTPResponse(status: 204)
        case .startUpload, .notifyUpload:
            return try await serveFileUpload(route, key, request)
        }
    }
}
