import NaveCore
import NaveMQTT
import NaveMQTTBinding
import NaveModel

/// A hub device's Will (MQTT 3.1.1 §3.1.2.5), as IoT Hub treats it: a Will on the device's own
/// telemetry topic (`devices/{id}/messages/events/{bag}`) becomes, on an ungraceful disconnect
/// only, a telemetry message in the events endpoint with the application property
/// `iothub-MessageType` = `Will`. Any other Will topic is refused at CONNECT. Nothing a device
/// sends reaches the general broker's routing or retained messages: a device's `alarms/fire`
/// Will must not fire at the broker's subscribers.
extension MQTTConnectionHandler {
    /// The application property that marks a Will among a device's telemetry.
    static let willMessageTypeProperty = MessageProperty("iothub-MessageType", "Will")

    /// Why a hub device's CONNECT with `will` is refused, or nil when it may connect.
    func hubWillRefusal(_ will: MQTTWill, grant: HubGrant) -> String? {
        guard let topic = IoTHubTopic(publishedTopic: will.topic) else {
            return "Will topic is not the device's telemetry topic"
        }
        if case .failure(let refusal) = Self.telemetryEvent(topic: topic, payload: will.payload, grant: grant, now: grant.clock.now()) {
            return "Will: \(refusal.reason)"
        }
        return nil
    }

    /// Appends the Will to the device's telemetry; nothing waits for it. A failure is logged:
    /// the connection is already gone, so there is nobody to tell.
    func publishHubWill(_ will: MQTTWill, grant: HubGrant, hub: Hub) {
        guard let topic = IoTHubTopic(publishedTopic: will.topic),
              case .success(let event) = Self.telemetryEvent(topic: topic, payload: will.payload, grant: grant, now: hub.clock.now(),
                                                             extraApplicationProperties: [Self.willMessageTypeProperty])
        else { return }
        let logger = self.logger
        let context = logContext()
        runForDevice {
            do throws(HubError) {
                try await hub.telemetry.append(event)
            } catch {
                logger.warning("Will not stored", metadata: context.merging(["reason": "\(error.message)"]) { $1 })
            }
        }
    }
}
