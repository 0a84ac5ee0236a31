import NaveCore
import NaveMQTT
import NaveMQTTBinding
import NaveModel

/// A hub device's connection: the transport side of `IoTHubDeviceChannel`. The channel decides
/// (namespace, admission, twin/method mapping, C2D lock tokens, Will); this file only performs
/// its actions against the `Hub` façade and writes the answers. Its publishes go to the hub,
/// never to the broker's routing, and the hub's deliveries come to it directly.
extension MQTTConnectionHandler {
    /// A PUBLISH from a hub device. `ack` is its PUBACK (QoS 1), sent when the hub is done:
    /// for telemetry, only once the event is durable.
    func hubPublish(_ publish: MQTTPublish, ack: MQTTPacket?, device: HubDevice, hub: Hub) {
        home.counters.received(publish.qos)
        performHub(device.channel.published(publish, ack: ack), device: device, hub: hub)
    }

    /// Carries out one of the channel's actions.
    func performHub(_ action: IoTHubDeviceAction, device: HubDevice, hub: Hub) {
        let identity = device.channel.identity
        let authMethod = device.channel.authMethod
        let authGenerationID = device.channel.authGenerationID
        switch action {
        case .none:
            break
        case .send(let packet):
            send(packet)
        case .close(let reason):
            closeConnection(reason)
        case .acceptTelemetry(let message, let ack):
            // Behind a task of this device's (a routed message, a twin call) a message waits its
            // turn as a task too: the callback path would overtake it.
            if device.tasksInFlight == 0, acceptTelemetryNow(message, ack: ack, device: device, hub: hub) { break }
            runForDevice { handler in
                do throws(HubError) {
                    try await hub.acceptTelemetry(message, from: identity, authMethod: authMethod, authGenerationID: authGenerationID)
                    if let ack { handler.send(ack) }
                } catch {
                    handler.closeConnection(IoTHubDeviceChannel.telemetryRefused(error))
                }
            }
        case .getTwin(let requestID, let ack):
            if let ack { send(ack) }
            runForDevice { handler in
                let result: Result<[UInt8], HubError>
                do throws(HubError) { result = .success(try await hub.twin(of: identity)) } catch { result = .failure(error) }
                handler.sendToDevice(IoTHubDeviceChannel.twinAnswer(requestID: requestID, result))
            }
        case .updateReported(let requestID, let patch, let ack):
            if let ack { send(ack) }
            runForDevice { handler in
                let result: Result<Int64, HubError>
                do throws(HubError) {
                    result = .success(try await hub.updateReportedProperties(of: identity, patch: patch))
                } catch {
                    result = .failure(error)
                }
                handler.sendToDevice(IoTHubDeviceChannel.reportedAnswer(requestID: requestID, result))
            }
        case .answerMethod(let requestID, let status, let payload, let ack):
            if let ack { send(ack) }
            hub.methodAnswered(by: identity, requestID: requestID, status: status, payload: payload)
        case .methodUnreachable(let requestID):
            hub.methodUnreachable(identity, requestID: requestID)
        case .completeCloudToDevice(let lockToken):
            hub.completeCloudToDevice(identity, lockToken: lockToken)
        case .returnCloudToDevice(let lockToken):
            hub.returnCloudToDevice(identity, lockToken: lockToken)
        }
    }

    /// A SUBSCRIBE from a hub device, filtered by the channel; what it holds is recorded as the
    /// device's durable session, and C2D starts once it holds the C2D topic.
    func hubSubscribe(ack: MQTTSubAck, granted: [MQTTSubscription], device: HubDevice, hub: Hub) {
        guard let session else { return }
        let channel = device.channel
        let outcome = channel.subscribed(ack, granted: granted, session: &session.state)
        if outcome.refused > 0 {
            logger.notice("subscriptions outside the device's topics refused", metadata: logContext(["count": "\(outcome.refused)"]))
        }
        send(.suback(outcome.ack))
        hub.recordDeviceSubscriptions(channel.identity, channel.subscriptions(in: session.state))
        if channel.takesCloudToDevice(session.state) { hub.cloudToDeviceReady(channel.identity) }
    }

    /// A hub device whose session this node does not hold in memory (a restart, a session
    /// that moved) gets its stored subscriptions back: the SDK never subscribes again (§1.5).
    /// True when something was restored.
    func restoreHubSession(_ session: BrokerSession) -> Bool {
        guard let channel = hubDevice?.channel, let hub = gate?.hub, session.state.subscriptions.isEmpty else { return false }
        let subscriptions = channel.restoredSubscriptions(hub.deviceSubscriptions(of: channel.identity))
        guard !subscriptions.isEmpty else { return false }
        _ = session.state.subscribe(MQTTSubscribe(packetID: 1, subscriptions: subscriptions))
        return true
    }

    /// A PUBACK for a C2D delivery completes the message; true when it was one.
    func hubAcknowledged(packetID: UInt16) -> Bool {
        guard let hub = gate?.hub, let device = hubDevice, let action = device.channel.acknowledged(packetID: packetID) else { return false }
        performHub(action, device: device, hub: hub)
        return true
    }

    /// A delivery from the hub, on this connection's loop.
    func deliverToDevice(_ delivery: DeviceDelivery) {
        guard let hub = gate?.hub, let device = hubDevice else { return }
        let action = device.channel.deliver(delivery, session: finished ? nil : session?.state)
        performHub(action, device: device, hub: hub)
    }

    /// A packet to the device unless the connection ended (answers that arrive late are dropped).
    func sendToDevice(_ packet: MQTTPacket) {
        guard !finished else { return }
        if case .publish(let publish) = packet { home.counters.delivered(publish.qos) }
        send(packet)
    }

    /// The Will of a device that went away ungracefully, appended to its telemetry; nothing
    /// waits for it. A failure is logged: the connection is already gone, so nobody is told.
    func publishHubWill(_ will: MQTTWill, device: HubDevice, hub: Hub) {
        let channel = device.channel
        guard let message = channel.willMessage(will) else { return }
        let logger = self.logger
        let context = logContext()
        runForDevice { _ in
            do throws(HubError) {
                try await hub.acceptTelemetry(message, from: channel.identity, authMethod: channel.authMethod,
                                              authGenerationID: channel.authGenerationID)
            } catch {
                logger.warning("Will not stored", metadata: context.merging(["reason": "\(error.message)"]) { $1 })
            }
        }
    }

    /// Telemetry without a task (`Hub.acceptTelemetryNow`): queued on the event log from this
    /// loop, the PUBACK sent from the completion, back on this loop, after the group commit's
    /// fdatasync. Counts against `deviceOperationsInFlightMax` like a task. False when the hub
    /// cannot take it so (routes are configured): nothing was queued.
    private func acceptTelemetryNow(_ message: DeviceMessage, ack: MQTTPacket?, device: HubDevice, hub: Hub) -> Bool {
        beginDeviceOperation()
        let loop = connection.loop
        let channel = device.channel
        do throws(HubError) {
            let taken = try hub.acceptTelemetryNow(message, from: channel.identity, authMethod: channel.authMethod,
                                                   authGenerationID: channel.authGenerationID) { [self] refusal in
                loop.execute { loop.runIsolated(self, refusal) { $0.telemetryStored(ack: ack, refusal: $1) } }
            }
            if !taken { deviceOperationFinished() }
            return taken
        } catch {
            deviceOperationFinished()
            closeConnection(IoTHubDeviceChannel.telemetryRefused(error))
            return true
        }
    }

    /// A callback-path message is durable (`refusal` nil) or was refused.
    private func telemetryStored(ack: MQTTPacket?, refusal: HubError?) {
        if let refusal {
            closeConnection(IoTHubDeviceChannel.telemetryRefused(refusal))
        } else if let ack {
            send(ack)
        }
        deviceOperationFinished()
    }

    /// Runs hub work for this device as a task isolated to this actor, preferring the loop as its
    /// task executor: the hub's own (nonisolated) async code then runs on the loop thread too,
    /// instead of hopping to the cooperative pool and back for every call. At most
    /// `deviceOperationsInFlightMax` run at once: at the limit the connection stops reading
    /// (TCP then pushes back on the device) and handles no more packets until one finishes.
    func runForDevice(_ work: @escaping @Sendable (isolated MQTTConnectionHandler) async -> Void) {
        beginDeviceOperation()
        hubDevice?.tasksInFlight += 1
        Task(executorPreference: connection.loop.taskExecutor) { [self] in await runDeviceOperation(work) }
    }

    private func runDeviceOperation(_ work: @Sendable (isolated MQTTConnectionHandler) async -> Void) async {
        await work(self)
        hubDevice?.tasksInFlight -= 1  // set once at CONNACK, before any operation
        deviceOperationFinished()
    }

    /// One more of this device's hub operations: at the limit the connection stops reading.
    private func beginDeviceOperation() {
        hubDevice?.operationsInFlight += 1
        if deviceOperationsInFlight == broker.configuration.deviceOperationsInFlightMax {
            home.counters.publisherPauses.bump()
            connection.pauseReading()
        }
    }

    /// One of this device's hub operations finished: below the limit again, the connection
    /// reads and handles packets again.
    private func deviceOperationFinished() {
        let wasFull = deviceOperationsInFlight == broker.configuration.deviceOperationsInFlightMax
        hubDevice?.operationsInFlight -= 1
        if wasFull { resumeIfUnblocked() }
    }
}

/// A hub device's part of a connection: the grant it connected with and its IoT Hub channel.
/// Boxed, so a general broker client pays one nil pointer for it.
final class HubDevice {
    let grant: HubGrant
    var channel: IoTHubDeviceChannel
    /// When its SAS token expires, on the loop's monotonic clock (`Int64.max`: never).
    var tokenDeadlineNanos = Int64.max
    /// Hub operations of this device under way (tasks of `runForDevice` and telemetry on the
    /// callback path), at most `deviceOperationsInFlightMax`.
    var operationsInFlight = 0
    /// Those of them running as tasks: while any is, telemetry goes as a task too, behind
    /// them, so the device's messages keep their order.
    var tasksInFlight = 0

    init(grant: HubGrant) {
        self.grant = grant
        channel = IoTHubDeviceChannel(identity: grant.identity, authMethod: grant.authMethod, authGenerationID: grant.authGenerationID)
    }
}
