import NaveMQTT

/// Packets as an IoT Hub device sends them (MQTT 3.1.1), encoded by the codec itself: its byte
/// exactness is NaveMQTTTests' job, these only need realistic sizes and field counts.
enum MQTTFixtures {
    /// A D2C telemetry topic with an empty property bag: 33 bytes, too long for a small string,
    /// so decoding it costs one allocation, as a real device id does.
    static let telemetryTopic = "devices/dev-0001/messages/events/"
    /// The default workload's payload (PERF.md: 64 bytes).
    static let payload = [UInt8](repeating: 0x5A, count: 64)

    static func publish(qos: MQTTQoS, packetID: UInt16?) -> MQTTPublish {
        MQTTPublish(topic: telemetryTopic, payload: payload, qos: qos, packetID: packetID)
    }

    /// `count` telemetry PUBLISHes back to back; QoS 1 ones carry identifiers 1, 2, ….
    static func publishStream(qos: MQTTQoS, count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for index in 0..<count {
            let packetID = qos == .atMostOnce ? nil : UInt16(index % 65_535 + 1)
            MQTTPacket.publish(publish(qos: qos, packetID: packetID)).encode(into: &bytes)
        }
        return bytes
    }

    /// A device's CONNECT with a SAS token, as the Azure IoT SDKs send it (contract §1.6):
    /// client id = device id, username `{hub}/{device}/?api-version=…`, password the token.
    static let connect: [UInt8] = {
        let token = "SharedAccessSignature sr=nave.local%2Fdevices%2Fdev-0001"
            + "&sig=Qk5vdGFSZWFsU2lnbmF0dXJlQnV0VGhlUmlnaHRMZW5ndGg%3D&se=1893456000"
        let connect = MQTTConnect(
            clientID: "dev-0001",
            cleanSession: false,
            keepAliveSeconds: 60,
            username: "nave.local/dev-0001/?api-version=2021-04-12",
            password: Array(token.utf8)
        )
        var bytes: [UInt8] = []
        MQTTPacket.connect(connect).encode(into: &bytes)
        return bytes
    }()

    /// The three subscriptions a device SDK makes: C2D, direct methods, twin responses.
    static let subscribe: [UInt8] = {
        let subscribe = MQTTSubscribe(packetID: 1, subscriptions: [
            MQTTSubscription(filter: "devices/dev-0001/messages/devicebound/#", qos: .atLeastOnce),
            MQTTSubscription(filter: "$iothub/methods/POST/#", qos: .atMostOnce),
            MQTTSubscription(filter: "$iothub/twin/res/#", qos: .atMostOnce),
        ])
        var bytes: [UInt8] = []
        MQTTPacket.subscribe(subscribe).encode(into: &bytes)
        return bytes
    }()
}
