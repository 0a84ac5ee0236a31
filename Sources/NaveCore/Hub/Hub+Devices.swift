import NaveModel

/// What devices do, whatever protocol carries it: the device side of the façade. Adapters
/// call these with the identity the connection authenticated as; the rules (sizes, who may
/// answer what, how C2D locks settle) are the services'.
extension Hub {
    /// A device's telemetry message: admitted (IoT Hub's size rule), then appended to the
    /// events endpoint, which stamps its enqueued time. Returns once it is durable: only then
    /// may the adapter acknowledge it (MQTT PUBACK, HTTP 204). `authMethod` and
    /// `authGenerationID` describe the connection it came over (`IdentityRegistry.generationID`,
    /// read when the connection was admitted, not per message).
    public func acceptTelemetry(_ message: DeviceMessage, from identity: IdentityKey, authMethod: String?,
                                authGenerationID: String? = nil) async throws(HubError) {
        try DeviceMessage.admitTelemetry(bodyBytes: message.body.count)
        try await telemetry.append(TelemetryEvent(deviceID: identity.deviceID, moduleID: identity.moduleID,
                                                  authMethod: authMethod, authGenerationID: authGenerationID, message: message))
    }

    /// `acceptTelemetry` without a task, when the sink can take it so (no routes configured):
    /// admitted now, then `completion` is called once the event is durable (nil) or refused,
    /// from the sink's thread. False when the caller must use `acceptTelemetry` instead (nothing
    /// was queued); throws the admission refusal before anything is queued.
    public func acceptTelemetryNow(_ message: DeviceMessage, from identity: IdentityKey, authMethod: String?,
                                   authGenerationID: String? = nil,
                                   completion: @escaping TelemetryCompletion) throws(HubError) -> Bool {
        try DeviceMessage.admitTelemetry(bodyBytes: message.body.count)
        return telemetry.appendNow(TelemetryEvent(deviceID: identity.deviceID, moduleID: identity.moduleID,
                                                  authMethod: authMethod, authGenerationID: authGenerationID, message: message),
                                   completion: completion)
    }

    /// The twin's properties section as the device sees it (contract §1.10):
    /// `{"desired":{…,"$version":n},"reported":{…,"$version":m}}`.
    public func twin(of identity: IdentityKey) async throws(HubError) -> [UInt8] {
        try await twins.deviceGetTwin(identity)
    }

    /// Applies a device's reported-properties patch (JSON text); returns the new `$version`.
    public func updateReportedProperties(of identity: IdentityKey, patch: [UInt8]) async throws(HubError) -> Int64 {
        try await twins.deviceUpdateReported(identity, patch: patch)
    }

    /// The device answered direct-method call `requestID` (contract §1.9).
    public func methodAnswered(by identity: IdentityKey, requestID: String, status: Int, payload: [UInt8]) {
        methods.deviceAnswered(identity, requestID: requestID, status: status, payload: payload)
    }

    /// The call `requestID` could not be given to the device (not subscribed to methods, gone).
    public func methodUnreachable(_ identity: IdentityKey, requestID: String) {
        methods.deviceUnreachable(identity, requestID: requestID)
    }

    /// The device can take C2D messages now (it subscribed, or came back with its session).
    public func cloudToDeviceReady(_ identity: IdentityKey) {
        cloudToDevice.deviceReady(identity)
    }

    /// The device acknowledged C2D delivery `lockToken`: the message is complete.
    public func completeCloudToDevice(_ identity: IdentityKey, lockToken: String) {
        cloudToDevice.deviceCompleted(identity, lockToken: lockToken)
    }

    /// The connection could not take C2D delivery `lockToken` (no longer subscribed, or
    /// ended): the message goes back to the queue without counting the attempt, and nothing
    /// more is pushed to that connection until it is ready again.
    public func returnCloudToDevice(_ identity: IdentityKey, lockToken: String) {
        cloudToDevice.deviceNotReady(identity, lockToken: lockToken)
    }

    /// The device's connection ended; its unacknowledged C2D messages are redelivered later.
    public func deviceDisconnected(_ identity: IdentityKey) {
        cloudToDevice.deviceGone(identity)
    }

    /// What the device subscribed to in earlier connections (its durable session, §1.5).
    public func deviceSubscriptions(of identity: IdentityKey) -> DeviceSubscriptions {
        sessions.subscriptions(of: identity.description)
    }

    /// Records the IoT Hub topics the device's session holds (empty: the session ends, as on
    /// CONNECT with CleanSession=1).
    public func recordDeviceSubscriptions(_ identity: IdentityKey, _ subscriptions: DeviceSubscriptions) {
        sessions.update(identity.description, to: subscriptions)
    }
}
