@testable import NaveAMQP
import Testing

/// A C2D message's `to` (contract §5.3): `/devices/{id}/messages/devicebound`, its fixed words in
/// any case, as IoT Hub reads them.
@Suite("AMQP C2D: the device a message is addressed to")
struct CloudToDeviceAddressTests {
    @Test("the device id of /devices/{id}/messages/devicebound, words in any case; anything else is no device",
          arguments: [
              ("/devices/dev1/messages/devicebound", "dev1"),
              ("devices/dev1/messages/devicebound", "dev1"),
              ("/Devices/Dev-1/Messages/DeviceBound", "Dev-1"),
              ("/devices/dév/messages/devicebound/", "dév"),
              ("/devices/a%20b/messages/devicebound", "a%20b"),
              ("/devices//messages/devicebound", nil),
              ("/devices/a/b/messages/devicebound", nil),
              ("/devices/a/messages/deviceboundx", nil),
              ("/devicez/a/messages/devicebound", nil),
              ("/devices/a/messages", nil),
              ("", nil),
          ] as [(String, String?)])
    func deviceID(to: String, expected: String?) {
        #expect(AMQPHubConnection.deviceID(to: to) == expected)
    }
}
