import NaveModel

extension TelemetryEvent {
    /// A non-telemetry event (reference §2.7) as its producer makes it: a JSON body in UTF-8,
    /// `opType` and `operationTimestamp` after any `leading` application properties. What every
    /// such event shares besides (`hubName`, `deviceId`, the schema, `correlation-id`,
    /// `user-id`) is stamped where all events pass (`HubEventStamp`).
    static func hubEvent(_ source: Source, of key: IdentityKey, operation: String, body: JSONValue, at time: Timestamp,
                         leading: [MessageProperty] = []) -> TelemetryEvent {
        let message = DeviceMessage(body: body.serialized(),
                                    systemProperties: [MessageProperty("$.ct", "application/json"), MessageProperty("$.ce", "utf-8")],
                                    applicationProperties: leading + [MessageProperty("opType", operation),
                                                                      MessageProperty("operationTimestamp", time.iso8601)])
        return TelemetryEvent(source: source, deviceID: key.deviceID, moduleID: key.moduleID, message: message)
    }
}
