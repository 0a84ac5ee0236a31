/// A message for the events endpoint, as the hub hands it over (contract §6.6): what it is
/// (telemetry or one of IoT Hub's other routing sources), who sent it and how it authenticated.
/// It carries no enqueued time: the events endpoint stamps that once, when it takes the event,
/// so times in a partition follow its order.
public struct TelemetryEvent: Sendable, Equatable {
    public enum Source: String, Sendable { case telemetry, deviceConnectionStateEvents, deviceLifecycleEvents, twinChangeEvents }

    public var source: Source
    public var deviceID: String
    public var moduleID: String?
    /// `sas`, `x509`, … (IoT Hub's `iothub-connection-auth-method` names the kind).
    public var authMethod: String?
    /// The sender's generation id (`iothub-connection-auth-generation-id`, contract §6.6):
    /// tells a reader which incarnation of a re-created device id sent the event.
    public var authGenerationID: String?
    public var message: DeviceMessage

    public init(source: Source = .telemetry, deviceID: String, moduleID: String? = nil, authMethod: String? = nil,
                authGenerationID: String? = nil, message: DeviceMessage) {
        self.source = source
        self.deviceID = deviceID
        self.moduleID = moduleID
        self.authMethod = authMethod
        self.authGenerationID = authGenerationID
        self.message = message
    }
}
