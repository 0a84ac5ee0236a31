import NaveMQTT
import NaveMQTTBinding
import NaveModel
import Testing

/// IoT Hub's rules for a device's MQTT connection, without sockets: what each publish,
/// subscription, acknowledgement and hub delivery becomes (contract §1.5–§1.10).
@Suite("IoT Hub device channel")
struct IoTHubDeviceChannelTests {
    static let device = IdentityKey(deviceID: "dev1")
    static let module = IdentityKey(deviceID: "dev1", moduleID: "m1")
    static let ack = MQTTPacket.puback(packetID: 9)

    func channel(_ identity: IdentityKey = device) -> IoTHubDeviceChannel {
        IoTHubDeviceChannel(identity: identity, authMethod: "sas")
    }

    /// A session holding `filters` (as the MQTT session state keeps them).
    func session(_ filters: [String]) -> MQTTSessionState {
        var state = MQTTSessionState(limits: MQTTBindingLimits())
        _ = state.subscribe(MQTTSubscribe(packetID: 1, subscriptions: filters.map { MQTTSubscription(filter: $0, qos: .atLeastOnce) }))
        return state
    }

    static func outside(_ reason: String) -> IoTHubDeviceAction {
        .close(.protocolViolation(clause: "IoT Hub MQTT", reason: reason))
    }

    @Test("device publishes: telemetry, twin and method topics map to hub calls; anything else closes",
          arguments: [
              ("devices/dev1/messages/events/", IoTHubDeviceAction.acceptTelemetry(DeviceMessage(body: [1, 2]), ack: ack)),
              ("devices/dev1/messages/events/%24.mid=m1&%24.ct=application%2Fjson&temp=hot",
               .acceptTelemetry(DeviceMessage(body: [1, 2], systemProperties: [MessageProperty("$.mid", "m1"),
                                                                              MessageProperty("$.ct", "application/json")],
                                              applicationProperties: [MessageProperty("temp", "hot")]), ack: ack)),
              ("devices/dev2/messages/events/", outside("telemetry for another identity")),
              ("devices/dev1/modules/m1/messages/events/", outside("telemetry for another identity")),
              ("alarms/fire", outside("publish outside the device's topics")),
              ("devices/dev1/messages/devicebound/", outside("publish outside the device's topics")),
              ("$iothub/twin/GET/?$rid=7", .getTwin(requestID: "7", ack: ack)),
              ("$iothub/twin/PATCH/properties/reported/?$rid=8", .updateReported(requestID: "8", patch: [1, 2], ack: ack)),
              ("$iothub/methods/res/201/?$rid=a%20b", .answerMethod(requestID: "a b", status: 201, payload: [1, 2], ack: ack)),
          ])
    func published(topic: String, expected: IoTHubDeviceAction) {
        #expect(channel().published(MQTTPublish(topic: topic, payload: [1, 2], qos: .atLeastOnce, packetID: 9), ack: Self.ack) == expected)
    }

    @Test("a malformed property bag closes the connection with the bag's reason")
    func malformedBag() {
        guard case .close(.protocolViolation(_, let reason)) = channel().published(
            MQTTPublish(topic: "devices/dev1/messages/events/a=%zz", payload: []), ack: nil) else {
            Issue.record("expected a close"); return
        }
        #expect(reason.hasPrefix("malformed property bag"))
    }

    @Test("a module publishes only to its own events topic")
    func moduleTelemetry() {
        let module = channel(Self.module)
        #expect(module.published(MQTTPublish(topic: "devices/dev1/modules/m1/messages/events/", payload: []), ack: nil)
            == .acceptTelemetry(DeviceMessage(body: []), ack: nil))
        #expect(module.published(MQTTPublish(topic: "devices/dev1/messages/events/", payload: []), ack: nil)
            == Self.outside("telemetry for another identity"))
    }

    @Test("SUBSCRIBE: filters outside the namespace get 0x80 and leave the session; the rest are recorded")
    func subscribe() {
        let channel = channel()
        let filters = ["devices/dev1/messages/devicebound/#", "#", "$iothub/methods/POST/#", "devices/dev2/messages/devicebound/#"]
        var state = session(filters)
        let granted = filters.map { MQTTSubscription(filter: $0, qos: .atLeastOnce) }
        let outcome = channel.subscribed(MQTTSubAck(packetID: 3, returnCodes: [.grantedQoS1, .grantedQoS1, .grantedQoS1, .grantedQoS1]),
                                         granted: granted, session: &state)
        #expect(outcome.ack == MQTTSubAck(packetID: 3, returnCodes: [.grantedQoS1, .failure, .grantedQoS1, .failure]))
        #expect(outcome.refused == 2)
        #expect(Set(state.subscriptions.keys) == [MQTTFilterKey("devices/dev1/messages/devicebound/#"), MQTTFilterKey("$iothub/methods/POST/#")])
        #expect(channel.subscriptions(in: state) == [.cloudToDevice, .methods])
        #expect(channel.takesCloudToDevice(state))
        #expect(!channel.takesCloudToDevice(session(["$iothub/methods/POST/#"])))
    }

    @Test("a session restored from the hub's record gets back exactly the recorded topics (§1.5)")
    func restore() {
        #expect(channel().restoredSubscriptions([.twinResponses, .desiredPatches]).map(\.filter)
            == ["$iothub/twin/res/#", "$iothub/twin/PATCH/properties/desired/#"])
        #expect(channel(Self.module).restoredSubscriptions([.cloudToDevice]).map(\.filter) == ["devices/dev1/modules/m1/inputs/#"])
        #expect(channel().restoredSubscriptions([]).isEmpty)
    }

    @Test("method calls and desired patches reach a subscribed device as QoS 0; otherwise the call is unreachable")
    func methodsAndPatches() {
        var channel = channel()
        let subscribed = session([IoTHubTopic.methodsFilter, IoTHubTopic.desiredPatchFilter])
        let call = DeviceDelivery.methodRequest(MethodRequest(name: "re/boot", requestID: "r 1", payload: Array("{}".utf8)))
        #expect(channel.deliver(call, session: subscribed)
            == .send(.publish(MQTTPublish(topic: "$iothub/methods/POST/re%2Fboot/?$rid=r%201", payload: Array("{}".utf8), qos: .atMostOnce))))
        #expect(channel.deliver(call, session: session([])) == .methodUnreachable(requestID: "r 1"))
        #expect(channel.deliver(call, session: nil) == .methodUnreachable(requestID: "r 1"))
        let patch = DeviceDelivery.desiredPropertiesPatch(version: 4, body: Array(#"{"a":1}"#.utf8))
        #expect(channel.deliver(patch, session: subscribed)
            == .send(.publish(MQTTPublish(topic: "$iothub/twin/PATCH/properties/desired/?$version=4", payload: Array(#"{"a":1}"#.utf8)))))
        #expect(channel.deliver(patch, session: nil) == .none)
    }

    @Test("C2D: a QoS 1 publish whose PUBACK completes its lock token; not taken, it goes back at once")
    func cloudToDevice() {
        var channel = channel()
        let subscribed = session(["devices/dev1/messages/devicebound/#"])
        let message = DeviceMessage(body: [7], systemProperties: [MessageProperty("$.mid", "m")], applicationProperties: [MessageProperty("k", "v")])
        let first = channel.deliver(.cloudToDevice(CloudToDeviceDelivery(lockToken: "L1", message: message)), session: subscribed)
        #expect(first == .send(.publish(MQTTPublish(topic: "devices/dev1/messages/devicebound/%24.mid=m&k=v", payload: [7],
                                                    qos: .atLeastOnce, packetID: 1))))
        _ = channel.deliver(.cloudToDevice(CloudToDeviceDelivery(lockToken: "L2", message: message)), session: subscribed)
        #expect(channel.cloudToDeviceInFlight == 2)
        #expect(channel.acknowledged(packetID: 2) == .completeCloudToDevice(lockToken: "L2"))
        #expect(channel.acknowledged(packetID: 2) == nil, "a second PUBACK for the id is not the hub's")
        #expect(channel.acknowledged(packetID: 77) == nil)
        #expect(channel.deliver(.cloudToDevice(CloudToDeviceDelivery(lockToken: "L3", message: message)), session: session([]))
            == .returnCloudToDevice(lockToken: "L3"))
        #expect(channel.deliver(.cloudToDevice(CloudToDeviceDelivery(lockToken: "L4", message: message)), session: nil)
            == .returnCloudToDevice(lockToken: "L4"))
        #expect(channel.cloudToDeviceInFlight == 1)
    }

    @Test("C2D packet ids wrap past 65,535, skip 0 and never reuse one still in flight")
    func packetIDsWrap() {
        var channel = channel()
        let subscribed = session(["devices/dev1/messages/devicebound/#"])
        func deliver(_ token: String) -> UInt16? {
            guard case .send(.publish(let publish)) = channel.deliver(.cloudToDevice(CloudToDeviceDelivery(lockToken: token, message: DeviceMessage(body: []))),
                                                                      session: subscribed) else { return nil }
            return publish.packetID
        }
        #expect(deliver("held") == 1)
        for index in 2...UInt16.max {
            let id = deliver("t\(index)")
            #expect(id == index)
            _ = channel.acknowledged(packetID: index)
        }
        #expect(deliver("wrapped") == 2, "0 is skipped and 1 is still in flight")
        #expect(channel.acknowledged(packetID: 1) == .completeCloudToDevice(lockToken: "held"))
    }

    @Test("twin answers: 200 with the twin, 204 with the new version, the error's status with no body")
    func twinAnswers() {
        #expect(IoTHubDeviceChannel.twinAnswer(requestID: "7", .success([1]))
            == .publish(MQTTPublish(topic: "$iothub/twin/res/200/?$rid=7", payload: [1])))
        #expect(IoTHubDeviceChannel.twinAnswer(requestID: "7", .failure(.deviceNotFound(deviceID: "dev1")))
            == .publish(MQTTPublish(topic: "$iothub/twin/res/404/?$rid=7", payload: [])))
        #expect(IoTHubDeviceChannel.reportedAnswer(requestID: "8", .success(12))
            == .publish(MQTTPublish(topic: "$iothub/twin/res/204/?$rid=8&$version=12", payload: [])))
        #expect(IoTHubDeviceChannel.reportedAnswer(requestID: "8", .failure(.badRequest("no")))
            == .publish(MQTTPublish(topic: "$iothub/twin/res/400/?$rid=8", payload: [])))
    }

    @Test("telemetry the hub refused ends the connection with the hub's code, not a PUBACK")
    func telemetryRefused() {
        let error = HubError.messageTooLarge(sizeBytes: 300_000, sizeBytesMax: DeviceMessage.telemetryBodyBytesMax)
        #expect(IoTHubDeviceChannel.telemetryRefused(error) == .hubRefused(code: error.code, reason: "telemetry not stored: \(error.message)"))
    }

    @Test("Will: only the device's own telemetry topic, within IoT Hub's size; it becomes telemetry marked Will",
          arguments: [
              ("devices/dev1/messages/events/", 10, nil),
              ("devices/dev1/messages/events/a=b", 10, nil),
              ("alarms/fire", 10, "Will topic is not the device's telemetry topic"),
              ("devices/dev2/messages/events/", 10, "Will: telemetry for another identity"),
              ("$iothub/twin/GET/?$rid=1", 10, "Will: not the device's telemetry topic"),
              ("devices/dev1/messages/events/", DeviceMessage.telemetryBodyBytesMax + 1,
               "Will: " + HubError.messageTooLarge(sizeBytes: DeviceMessage.telemetryBodyBytesMax + 1,
                                                   sizeBytesMax: DeviceMessage.telemetryBodyBytesMax).message),
          ] as [(String, Int, String?)])
    func will(topic: String, bytes: Int, refusal: String?) {
        let will = MQTTWill(topic: topic, payload: [UInt8](repeating: 1, count: bytes), qos: .atLeastOnce, retain: true)
        #expect(channel().willRefusal(will) == refusal)
        if refusal == nil {
            let message = channel().willMessage(will)
            #expect(message?.applicationProperties.last == IoTHubDeviceChannel.willMessageType)
            #expect(message?.body.count == bytes)
        }
    }
}
