import NaveEncoding
import NaveMQTT
import NaveModel

/// IoT Hub's rules for one device's MQTT connection (contract §1.5–§1.10), sans-IO: packets
/// and hub deliveries in, `IoTHubDeviceAction`s out. It sits beside `MQTTConnectionStateMachine`
/// (which keeps MQTT's own rules) and owns what IoT Hub adds: a device publishes and
/// subscribes only inside its own namespace; its telemetry is admitted (topic, property bag)
/// before the hub sees it; twin and method requests map to hub calls and back; C2D deliveries
/// are QoS 1 publishes whose PUBACK completes the message (packet id ↔ lock token); a Will is a
/// telemetry message or refused. Nothing a device sends reaches the general broker's routing.
public struct IoTHubDeviceChannel: Sendable {
    public let identity: IdentityKey
    /// How it authenticated (`sas`, `x509`): the hub stamps it on the device's telemetry.
    public let authMethod: String
    /// The identity's generation id when the connection was admitted: also on its telemetry.
    public let authGenerationID: String?
    /// C2D deliveries awaiting the device's PUBACK: packet id → lock token.
    private var inFlight: [UInt16: String] = [:]
    private var lastPacketID: UInt16 = 0

    /// The application property that marks a Will among a device's telemetry.
    public static let willMessageType = MessageProperty("iothub-MessageType", "Will")

    public init(identity: IdentityKey, authMethod: String, authGenerationID: String? = nil) {
        self.identity = identity
        self.authMethod = authMethod
        self.authGenerationID = authGenerationID
    }

    /// C2D deliveries the device has not acknowledged yet.
    public var cloudToDeviceInFlight: Int { inFlight.count }

    // MARK: Device → hub

    /// A PUBLISH from the device; `ack` is its PUBACK (QoS 1), if any.
    public func published(_ publish: MQTTPublish, ack: MQTTPacket?) -> IoTHubDeviceAction {
        guard let topic = IoTHubTopic(publishedTopic: publish.topic) else {
            return .close(.protocolViolation(clause: "IoT Hub MQTT", reason: "publish outside the device's topics"))
        }
        switch topic {
        case .telemetry:
            switch telemetryMessage(topic: topic, payload: publish.payload) {
            case .success(let message): return .acceptTelemetry(message, ack: ack)
            case .failure(let refusal): return .close(.protocolViolation(clause: "IoT Hub MQTT", reason: refusal.reason))
            }
        case .twinGet(let requestID):
            return .getTwin(requestID: requestID, ack: ack)
        case .twinReportedPatch(let requestID):
            return .updateReported(requestID: requestID, patch: publish.payload, ack: ack)
        case .methodResponse(let status, let requestID):
            return .answerMethod(requestID: PercentEncoding.decode(requestID) ?? requestID, status: status,
                                 payload: publish.payload, ack: ack)
        }
    }

    /// Why a telemetry publish (or Will) cannot become a message; log-safe (ids and sizes only).
    public struct Refusal: Error, Equatable {
        public let reason: String
    }

    /// The message a publish to `topic` makes (contract §1.6): only the device's own events
    /// topic, with a well-formed property bag. The body's size is the hub's rule
    /// (`DeviceMessage.admitTelemetry`), checked where every protocol's telemetry arrives.
    func telemetryMessage(topic: IoTHubTopic, payload: [UInt8],
                          extraApplicationProperties: [MessageProperty] = []) -> Result<DeviceMessage, Refusal> {
        guard case .telemetry(let deviceID, let moduleID, let bag) = topic else {
            return .failure(Refusal(reason: "not the device's telemetry topic"))
        }
        guard deviceID == identity.deviceID, moduleID.map(String.init) == identity.moduleID else {
            return .failure(Refusal(reason: "telemetry for another identity"))
        }
        let properties: (system: [MessageProperty], application: [MessageProperty])
        do {
            properties = try PropertyBag.decode(bag)
        } catch {
            return .failure(Refusal(reason: "malformed property bag: \(error.message)"))
        }
        return .success(DeviceMessage(body: payload, systemProperties: properties.system,
                                      applicationProperties: properties.application + extraApplicationProperties))
    }

    /// A SUBSCRIBE the MQTT session granted: filters outside the device's namespace get 0x80
    /// and are taken out of `session` again; the others stay in the session (which outlives
    /// the connection, contract §1.5) but never enter the broker's routing, so no plain MQTT
    /// client can publish into a device's topics.
    public func subscribed(_ ack: MQTTSubAck, granted: [MQTTSubscription],
                           session: inout MQTTSessionState) -> (ack: MQTTSubAck, refused: Int) {
        var codes = ack.returnCodes
        var grantedIndex = 0
        var refused: [String] = []
        for index in codes.indices where codes[index] != .failure {
            let filter = granted[grantedIndex].filter
            grantedIndex += 1
            if !IoTHubTopic.allowsSubscription(filter, deviceID: identity.deviceID, moduleID: identity.moduleID) {
                codes[index] = .failure
                refused.append(filter)
            }
        }
        if !refused.isEmpty { _ = session.unsubscribe(refused) }
        return (MQTTSubAck(packetID: ack.packetID, returnCodes: codes), refused.count)
    }

    /// The IoT Hub topics `session` holds, as the hub's durable device session records them.
    public func subscriptions(in session: MQTTSessionState) -> DeviceSubscriptions {
        var set: DeviceSubscriptions = []
        for (flag, filter) in filters where session.subscriptions[MQTTFilterKey(filter)] != nil { set.insert(flag) }
        return set
    }

    /// The subscriptions to give back to a session this node does not hold (a restart, a
    /// session that moved): the SDK never subscribes again after a reconnect (§1.5).
    public func restoredSubscriptions(_ stored: DeviceSubscriptions) -> [MQTTSubscription] {
        filters.filter { stored.contains($0.0) }.map { MQTTSubscription(filter: $0.1, qos: .atLeastOnce) }
    }

    /// Whether `session` takes C2D messages now.
    public func takesCloudToDevice(_ session: MQTTSessionState) -> Bool {
        session.subscriptions[MQTTFilterKey(cloudToDeviceFilter)] != nil
    }

    /// A PUBACK from the device: the C2D delivery it completes, or nil when it is not one of
    /// the hub's (then it is the MQTT session's).
    public mutating func acknowledged(packetID: UInt16) -> IoTHubDeviceAction? {
        guard let lockToken = inFlight.removeValue(forKey: packetID) else { return nil }
        return .completeCloudToDevice(lockToken: lockToken)
    }

    // MARK: Hub → device

    /// A delivery from the hub. `session` is nil once the connection ended (or before it has
    /// its session): nothing is sent then, and what needed an answer is handed back.
    public mutating func deliver(_ delivery: DeviceDelivery, session: MQTTSessionState?) -> IoTHubDeviceAction {
        func holds(_ filter: String) -> Bool { session?.subscriptions[MQTTFilterKey(filter)] != nil }
        switch delivery {
        case .methodRequest(let request):
            guard holds(IoTHubTopic.methodsFilter) else { return .methodUnreachable(requestID: request.requestID) }
            let topic = IoTHubTopic.methodRequest(name: PercentEncoding.encode(request.name, safe: ""),
                                                  requestID: PercentEncoding.encode(request.requestID, safe: ""))
            return .send(.publish(MQTTPublish(topic: topic, payload: request.payload, qos: .atMostOnce)))
        case .desiredPropertiesPatch(let version, let body):
            guard holds(IoTHubTopic.desiredPatchFilter) else { return .none }
            return .send(.publish(MQTTPublish(topic: IoTHubTopic.desiredPatch(version: version), payload: body, qos: .atMostOnce)))
        case .cloudToDevice(let c2d):
            // Not taken (unsubscribed, or ended): hand it back at once, or its lock would hold
            // it for a minute and the attempt would count against its delivery limit.
            guard holds(cloudToDeviceFilter) else { return .returnCloudToDevice(lockToken: c2d.lockToken) }
            let bag = PropertyBag.encode(system: c2d.message.systemProperties, application: c2d.message.applicationProperties)
            let packetID = nextPacketID()
            inFlight[packetID] = c2d.lockToken
            return .send(.publish(MQTTPublish(topic: IoTHubTopic.cloudToDevice(deviceID: identity.deviceID, propertyBag: bag),
                                              payload: c2d.message.body, qos: .atLeastOnce, packetID: packetID)))
        }
    }

    /// The answer to twin GET `requestID` (contract §1.10): the twin, or the error's status.
    /// Twin responses go to the requesting connection whether or not it subscribed (§1.5).
    public static func twinAnswer(requestID: String, _ result: Result<[UInt8], HubError>) -> MQTTPacket {
        switch result {
        case .success(let body): twinResponse(IoTHubTopic.twinResponse(status: 200, requestID: requestID), body)
        case .failure(let error): twinResponse(IoTHubTopic.twinResponse(status: error.status, requestID: requestID), [])
        }
    }

    /// The answer to reported-properties PATCH `requestID`: 204 with the new version, or the
    /// error's status.
    public static func reportedAnswer(requestID: String, _ result: Result<Int64, HubError>) -> MQTTPacket {
        switch result {
        case .success(let version): twinResponse(IoTHubTopic.twinResponse(status: 204, requestID: requestID, version: version), [])
        case .failure(let error): twinResponse(IoTHubTopic.twinResponse(status: error.status, requestID: requestID), [])
        }
    }

    /// Why the connection ends when the hub did not store telemetry: no PUBACK for what is not
    /// stored, so the device sends it again after reconnecting. The reason is the hub's message
    /// (ids and sizes, never the payload).
    public static func telemetryRefused(_ error: HubError) -> MQTTCloseReason {
        .hubRefused(code: error.code, reason: "telemetry not stored: \(error.message)")
    }

    private static func twinResponse(_ topic: String, _ body: [UInt8]) -> MQTTPacket {
        .publish(MQTTPublish(topic: topic, payload: body, qos: .atMostOnce))
    }

    // MARK: Will (MQTT 3.1.1 §3.1.2.5, as IoT Hub treats it)

    /// Why a CONNECT with `will` is refused, or nil. Only the device's own telemetry topic is
    /// a Will IoT Hub accepts; anything else must not fire at the general broker's subscribers.
    public func willRefusal(_ will: MQTTWill) -> String? {
        guard let topic = IoTHubTopic(publishedTopic: will.topic) else { return "Will topic is not the device's telemetry topic" }
        if case .failure(let refusal) = telemetryMessage(topic: topic, payload: will.payload) { return "Will: \(refusal.reason)" }
        do throws(HubError) {
            try DeviceMessage.admitTelemetry(bodyBytes: will.payload.count)
        } catch {
            return "Will: \(error.message)"
        }
        return nil
    }

    /// The telemetry message a Will becomes on an ungraceful disconnect: its body and bag,
    /// marked with `iothub-MessageType` = `Will`. Nil for a Will `willRefusal` refused.
    public func willMessage(_ will: MQTTWill) -> DeviceMessage? {
        guard let topic = IoTHubTopic(publishedTopic: will.topic),
              case .success(let message) = telemetryMessage(topic: topic, payload: will.payload,
                                                            extraApplicationProperties: [Self.willMessageType])
        else { return nil }
        return message
    }

    // MARK: Helpers

    private var cloudToDeviceFilter: String {
        IoTHubTopic.cloudToDeviceFilter(deviceID: identity.deviceID, moduleID: identity.moduleID)
    }

    private var filters: [(DeviceSubscriptions, String)] {
        [(.cloudToDevice, cloudToDeviceFilter), (.methods, IoTHubTopic.methodsFilter),
         (.twinResponses, IoTHubTopic.twinResponsesFilter), (.desiredPatches, IoTHubTopic.desiredPatchFilter)]
    }

    /// Packet ids for the hub's QoS 1 deliveries. A hub device never receives broker-routed
    /// messages, so its session's own ids are unused and these cannot collide.
    private mutating func nextPacketID() -> UInt16 {
        repeat {
            lastPacketID = lastPacketID &+ 1
        } while lastPacketID == 0 || inFlight[lastPacketID] != nil
        return lastPacketID
    }
}
