import NaveModel

/// C2D through a running node: Nave's own send route (`POST /messages/devicebound/{id}`; the
/// service SDKs send over AMQP) and IoT Hub's purge.
extension RemoteHub {
    func sendCloudToDevice(_ request: CloudToDeviceSendRequest, deviceID: String) async throws -> JSONValue {
        try call("POST", "/messages/devicebound/\(escaped(deviceID))", body: request.json)
    }

    func purgeCloudToDevice(deviceID: String) async throws -> JSONValue {
        try call("DELETE", "/devices/\(escaped(deviceID))/commands")
    }
}
