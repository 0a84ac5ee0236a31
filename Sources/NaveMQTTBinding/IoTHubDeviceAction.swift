import NaveMQTT
import NaveModel

/// What the IoT Hub device channel asks its adapter to do: write a packet, end the connection,
/// or call the hub. Hub calls that answer the device (twin requests) come back to the channel
/// as `twinAnswer` / `reportedAnswer` packets.
public enum IoTHubDeviceAction: Sendable, Equatable {
    case none
    /// Write this packet.
    case send(MQTTPacket)
    /// End the connection without an answer (IoT Hub closes on a publish it refuses).
    case close(MQTTCloseReason)
    /// Give the message to the hub as the device's telemetry; write `ack` (its PUBACK) only
    /// once the hub stored it, and close with `IoTHubDeviceChannel.telemetryRefused` if not.
    case acceptTelemetry(DeviceMessage, ack: MQTTPacket?)
    /// Write `ack`, then ask the hub for the device's twin; answer with `twinAnswer`.
    case getTwin(requestID: String, ack: MQTTPacket?)
    /// Write `ack`, then apply a reported-properties patch; answer with `reportedAnswer`.
    case updateReported(requestID: String, patch: [UInt8], ack: MQTTPacket?)
    /// Write `ack`, then tell the hub the device answered method call `requestID`.
    case answerMethod(requestID: String, status: Int, payload: [UInt8], ack: MQTTPacket?)
    /// The method call could not be given to the device (not subscribed, gone).
    case methodUnreachable(requestID: String)
    /// The device acknowledged C2D delivery `lockToken`: the message is complete.
    case completeCloudToDevice(lockToken: String)
    /// The connection cannot take C2D delivery `lockToken`: back to the queue, attempt not counted.
    case returnCloudToDevice(lockToken: String)
}
