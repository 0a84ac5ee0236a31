import NaveCore
import NaveEncoding
import NaveMQTT
import NaveMQTTBinding
import NaveModel

/// A hub device's MQTT surface (contract §1.6–§1.10): its publishes go to the hub — telemetry
/// to the events endpoint, twin requests, method answers — never to the broker's routing, and
/// the hub's deliveries (method calls, desired patches, C2D) come to it directly. A device may
/// publish and subscribe only inside its own namespace; anything else ends the connection, as
/// IoT Hub does.
extension MQTTConnectionHandler {
    /// A PUBLISH from a hub device. `ack` is its PUBACK (QoS 1), sent when the hub is done:
    /// for telemetry, only once the event is durable.
    func hubPublish(_ publish: MQTTPublish, ack: MQTTPacket?, grant: HubGrant, hub: Hub) {
        let key = grant.identity
        guard let topic = IoTHubTopic(publishedTopic: publish.topic) else {
            return closeConnection(.protocolViolation(clause: "IoT Hub MQTT", reason: "publish outside the device's topics"))
        }
        switch topic {
        case .telemetry:
            let event: TelemetryEvent
            switch Self.telemetryEvent(topic: topic, payload: publish.payload, grant: grant, now: hub.clock.now()) {
            case .success(let built): event = built
            case .failure(let refusal): return closeConnection(.protocolViolation(clause: "IoT Hub MQTT", reason: refusal.reason))
            }
            runForDevice {
                do throws(HubError) {
                    try await hub.telemetry.append(event)
                    if let ack { self.send(ack) }
                } catch {
                    // No PUBACK for what is not stored: the device sends it again after reconnecting.
                    // The reason is the hub's message (ids and sizes, never the payload).
                    self.closeConnection(.hubRefused(code: error.code, reason: "telemetry not stored: \(error.message)"))
                }
            }
        case .twinGet(let requestID):
            if let ack { send(ack) }
            runForDevice {
                do throws(HubError) {
                    let body = try await hub.twins.deviceGetTwin(key)
                    self.publishToDevice(IoTHubTopic.twinResponse(status: 200, requestID: requestID), body)
                } catch {
                    self.publishToDevice(IoTHubTopic.twinResponse(status: error.status, requestID: requestID), [])
                }
            }
        case .twinReportedPatch(let requestID):
            if let ack { send(ack) }
            let patch = publish.payload
            runForDevice {
                do throws(HubError) {
                    let version = try await hub.twins.deviceUpdateReported(key, patch: patch)
                    self.publishToDevice(IoTHubTopic.twinResponse(status: 204, requestID: requestID, version: version), [])
                } catch {
                    self.publishToDevice(IoTHubTopic.twinResponse(status: error.status, requestID: requestID), [])
                }
            }
        case .methodResponse(let status, let requestID):
            if let ack { send(ack) }
            hub.methods.deviceAnswered(key, requestID: PercentEncoding.decode(requestID) ?? requestID, status: status, payload: publish.payload)
        }
    }

    /// Why a device's telemetry (or Will) cannot become an event; log-safe.
    struct TelemetryRefusal: Error {
        let reason: String
    }

    /// The telemetry event a device's publish to `topic` makes (contract §1.6): only to its own
    /// identity's events topic, with a body of at most 256 KB and a well-formed property bag.
    static func telemetryEvent(topic: IoTHubTopic, payload: [UInt8], grant: HubGrant, now: Timestamp,
                               extraApplicationProperties: [MessageProperty] = []) -> Result<TelemetryEvent, TelemetryRefusal> {
        let key = grant.identity
        guard case .telemetry(let deviceID, let moduleID, let bag) = topic else {
            return .failure(TelemetryRefusal(reason: "not the device's telemetry topic"))
        }
        guard deviceID == key.deviceID, moduleID.map(String.init) == key.moduleID else {
            return .failure(TelemetryRefusal(reason: "telemetry for another identity"))
        }
        guard payload.count <= DeviceMessage.telemetryBodyBytesMax else {
            return .failure(TelemetryRefusal(reason: "telemetry body over 256 KB"))
        }
        let properties: (system: [MessageProperty], application: [MessageProperty])
        do {
            properties = try PropertyBag.decode(bag)
        } catch {
            return .failure(TelemetryRefusal(reason: "malformed property bag: \(error.message)"))
        }
        return .success(TelemetryEvent(deviceID: key.deviceID, moduleID: key.moduleID, enqueuedTime: now, authMethod: grant.authMethod,
                                       message: DeviceMessage(body: payload, systemProperties: properties.system,
                                                              applicationProperties: properties.application + extraApplicationProperties)))
    }

    /// A SUBSCRIBE from a hub device: filters outside its namespace get 0x80 and are not kept;
    /// the others stay in the session (which outlives the connection, contract §1.5) but never
    /// enter the broker's routing, so no plain MQTT client can publish into a device's topics.
    func hubSubscribe(ack: MQTTSubAck, granted: [MQTTSubscription], grant: HubGrant, hub: Hub) {
        guard let session else { return }
        var codes = ack.returnCodes
        var grantedIndex = 0
        var refused: [String] = []
        for index in codes.indices where codes[index] != .failure {
            let filter = granted[grantedIndex].filter
            grantedIndex += 1
            if !IoTHubTopic.allowsSubscription(filter, deviceID: grant.identity.deviceID, moduleID: grant.identity.moduleID) {
                codes[index] = .failure
                refused.append(filter)
            }
        }
        if !refused.isEmpty {
            _ = session.state.unsubscribe(refused)
            logger.notice("subscriptions outside the device's topics refused", metadata: logContext(["count": "\(refused.count)"]))
        }
        send(.suback(MQTTSubAck(packetID: ack.packetID, returnCodes: codes)))
        hub.sessions.update(grant.identity.description, to: hubSubscriptionSet(grant))
        if hubSubscribed(IoTHubTopic.cloudToDeviceFilter(deviceID: grant.identity.deviceID, moduleID: grant.identity.moduleID)) {
            hub.cloudToDevice.deviceReady(grant.identity)
        }
    }

    /// The IoT Hub topics the session holds, as the durable session records them.
    func hubSubscriptionSet(_ grant: HubGrant) -> DeviceSubscriptions {
        var set: DeviceSubscriptions = []
        for (flag, filter) in Self.hubFilters(grant) where hubSubscribed(filter) { set.insert(flag) }
        return set
    }

    static func hubFilters(_ grant: HubGrant) -> [(DeviceSubscriptions, String)] {
        [(.cloudToDevice, IoTHubTopic.cloudToDeviceFilter(deviceID: grant.identity.deviceID, moduleID: grant.identity.moduleID)),
         (.methods, IoTHubTopic.methodsFilter), (.twinResponses, IoTHubTopic.twinResponsesFilter),
         (.desiredPatches, IoTHubTopic.desiredPatchFilter)]
    }

    /// A hub device whose session this node does not hold in memory (a restart, a session
    /// that moved) gets its stored subscriptions back: the SDK never subscribes again (§1.5).
    /// True when something was restored.
    func restoreHubSession(_ session: BrokerSession) -> Bool {
        guard let grant, let hub = gate?.hub, session.state.subscriptions.isEmpty else { return false }
        let stored = hub.sessions.subscriptions(of: grant.identity.description)
        let subscriptions = Self.hubFilters(grant).filter { stored.contains($0.0) }.map { MQTTSubscription(filter: $0.1, qos: .atLeastOnce) }
        guard !subscriptions.isEmpty else { return false }
        _ = session.state.subscribe(MQTTSubscribe(packetID: 1, subscriptions: subscriptions))
        return true
    }

    /// Whether the session holds `filter`.
    func hubSubscribed(_ filter: String) -> Bool { session?.state.subscriptions[MQTTFilterKey(filter)] != nil }

    /// A PUBACK for a C2D delivery completes the message; true when it was one.
    func hubAcknowledged(packetID: UInt16) -> Bool {
        guard let grant, let hub = gate?.hub, let lockToken = hubInFlight.removeValue(forKey: packetID) else { return false }
        hub.cloudToDevice.deviceCompleted(grant.identity, lockToken: lockToken)
        return true
    }

    /// A delivery from the hub, on this connection's loop.
    func deliverToDevice(_ delivery: DeviceDelivery) {
        guard let grant, let hub = gate?.hub else { return }
        let connected = !finished && session != nil
        switch delivery {
        case .methodRequest(let request):
            guard connected, hubSubscribed(IoTHubTopic.methodsFilter) else {
                return hub.methods.deviceUnreachable(grant.identity, requestID: request.requestID)
            }
            let topic = IoTHubTopic.methodRequest(name: PercentEncoding.encode(request.name, safe: ""),
                                                  requestID: PercentEncoding.encode(request.requestID, safe: ""))
            publishToDevice(topic, request.payload)
        case .desiredPropertiesPatch(let version, let body):
            guard connected, hubSubscribed(IoTHubTopic.desiredPatchFilter) else { return }
            publishToDevice(IoTHubTopic.desiredPatch(version: version), body)
        case .cloudToDevice(let c2d):
            let filter = IoTHubTopic.cloudToDeviceFilter(deviceID: grant.identity.deviceID, moduleID: grant.identity.moduleID)
            // Not taken (unsubscribed, or ended): hand it back at once, or its lock would hold
            // it for a minute and the attempt would count against its delivery limit.
            guard connected, hubSubscribed(filter) else { return hub.cloudToDevice.deviceNotReady(grant.identity, lockToken: c2d.lockToken) }
            let bag = PropertyBag.encode(system: c2d.message.systemProperties, application: c2d.message.applicationProperties)
            let packetID = nextHubPacketID()
            hubInFlight[packetID] = c2d.lockToken
            send(.publish(MQTTPublish(topic: IoTHubTopic.cloudToDevice(deviceID: grant.identity.deviceID, propertyBag: bag),
                                      payload: c2d.message.body, qos: .atLeastOnce, packetID: packetID)))
        }
    }

    /// A QoS 0 publish to the device (twin responses, method calls, desired patches). Twin
    /// responses go to the requesting connection whether or not it subscribed (contract §1.5).
    func publishToDevice(_ topic: String, _ payload: [UInt8]) {
        guard !finished else { return }
        send(.publish(MQTTPublish(topic: topic, payload: payload, qos: .atMostOnce)))
    }

    /// Runs hub work for this device; it resumes on this connection's loop. At most
    /// `deviceOperationsInFlightMax` run at once: at the limit the connection stops reading
    /// (TCP then pushes back on the device) and handles no more packets until one finishes.
    func runForDevice(_ work: @escaping @Sendable () async -> Void) {
        deviceOperationsInFlight += 1
        if deviceOperationsInFlight == broker.configuration.deviceOperationsInFlightMax {
            home.counters.publisherPauses.bump()
            connection.pauseReading()
        }
        let loop = connection.loop
        Task(executorPreference: loop.taskExecutor) {
            await work()
            if loop.inLoop { self.deviceOperationFinished() } else { loop.execute { self.deviceOperationFinished() } }
        }
    }

    /// One of this device's hub operations finished (on its loop): below the limit again, the
    /// connection reads and handles packets again.
    private func deviceOperationFinished() {
        let wasFull = deviceOperationsInFlight == broker.configuration.deviceOperationsInFlightMax
        deviceOperationsInFlight -= 1
        if wasFull { resumeIfUnblocked() }
    }

    /// Packet ids for the hub's QoS 1 deliveries. A hub device never receives broker-routed
    /// messages, so its session's own ids are unused and these cannot collide.
    private func nextHubPacketID() -> UInt16 {
        repeat {
            hubPacketIDCounter = hubPacketIDCounter &+ 1
        } while hubPacketIDCounter == 0 || hubInFlight[hubPacketIDCounter] != nil
        return hubPacketIDCounter
    }
}
