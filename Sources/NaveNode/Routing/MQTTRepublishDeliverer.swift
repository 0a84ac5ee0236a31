import NaveBroker
import NaveCore
import NaveModel
import NaveMQTT

/// An `mqtt` endpoint (issue #15): each routed message republished into the general broker as
/// `{topicPrefix}/{deviceId}[/modules/{moduleId}]/messages/events/{property bag}` — IoT Hub's
/// device-to-cloud topic under a prefix, application properties in the bag as the SDKs write
/// them — with the body as payload, at QoS 0 or 1. The hub only publishes there: it subscribes
/// to nothing on the general broker, so nothing published there comes back into the hub.
final class MQTTRepublishDeliverer: EndpointDeliverer {
    let prefix: String
    let qos: MQTTQoS
    private let broker: Broker

    init(endpoint: RoutingEndpoint, broker: Broker) throws(HubError) {
        let prefix = endpoint.settings["topicPrefix"] ?? "iothub"
        guard !prefix.isEmpty, !prefix.contains("+"), !prefix.contains("#"), !prefix.hasSuffix("/"),
              prefix.utf8.count <= Self.prefixBytesMax else {
            throw .argumentInvalid("Endpoint '\(endpoint.name)': topicPrefix must be 1 to \(Self.prefixBytesMax) bytes without '+', '#' or a trailing '/'.")
        }
        switch endpoint.settings["qos"] ?? "1" {
        case "0": qos = .atMostOnce
        case "1": qos = .atLeastOnce
        default: throw .argumentInvalid("Endpoint '\(endpoint.name)': qos must be 0 or 1.")
        }
        self.prefix = prefix
        self.broker = broker
    }

    /// Longest topic prefix, bytes (room for the rest within MQTT's 65,535-byte topics).
    static let prefixBytesMax = 1_024

    func deliver(_ record: EventRecord, partition: Int) async -> String? {
        await broker.publishFromHub(MQTTPublish(topic: Self.topic(prefix: prefix, record), payload: record.body, qos: qos))
        return nil
    }

    static func topic(prefix: String, _ record: EventRecord) -> String {
        let sender = record.moduleID.map { "\(record.deviceID)/modules/\($0)" } ?? record.deviceID
        let bag = PropertyBag.encode(system: [], application: record.applicationProperties.map { MessageProperty($0.key, $0.value) })
        return "\(prefix)/\(sender)/messages/events/\(bag)"
    }
}
