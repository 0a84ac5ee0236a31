import NaveCore
import NaveModel

/// The built-in events endpoint as the hub's telemetry sink: each device message becomes an
/// event in its device's partition, with IoT Hub's system properties (contract §1.7 bag keys
/// mapped to the Event Hub names of §6.6), and `append` returns once it is on disk.
public struct EventLogTelemetrySink: TelemetrySink {
    public let log: EventLog

    public init(log: EventLog) { self.log = log }

    public func append(_ event: TelemetryEvent) async throws(HubError) {
        do {
            _ = try await log.append(Self.eventData(event))
        } catch {
            throw Self.refusal(error)
        }
    }

    /// Queued on the log now; `completion` runs on the partition's writer thread after the
    /// group commit's fdatasync (or with the refusal).
    public func appendNow(_ event: TelemetryEvent, completion: @escaping TelemetryCompletion) -> Bool {
        do {
            try log.append([Self.eventData(event)]) { result in
                switch result {
                case .success: completion(nil)
                case .failure(let error): completion(Self.refusal(error))
                }
            }
        } catch {
            completion(Self.refusal(error))
        }
        return true
    }

    /// The log's error as the hub's: a full disk is `storageFull`, anything else a server error.
    static func refusal(_ error: any Error) -> HubError {
        if case EventLogError.storageFull(let partition, _) = error {
            // The cause names a path: it stays in the log's own words, not in the reply.
            return .storageFull("the event (partition \(partition))")
        }
        return .serverError("The event could not be stored: \(error)")
    }

    /// Bag keys (`$.mid`) → the names the events endpoint uses (`message-id`).
    static let systemNames: [String: String] = [
        "$.mid": EventSystemProperty.messageID, "$.cid": EventSystemProperty.correlationID,
        "$.uid": EventSystemProperty.userID, "$.ct": EventSystemProperty.contentType,
        "$.ce": EventSystemProperty.contentEncoding, "$.exp": EventSystemProperty.expiry,
        "$.on": EventSystemProperty.outputName, "$.ifid": EventSystemProperty.interfaceID,
    ]

    static func eventData(_ event: TelemetryEvent) -> EventData {
        var system: [EventProperty] = []
        for property in event.message.systemProperties {
            // Unknown `$.` keys are kept under their own name: nothing a device sent is lost.
            system.append(EventProperty(systemNames[property.name] ?? property.name, property.value ?? ""))
        }
        if let method = event.authMethod {
            system.append(EventProperty(EventSystemProperty.connectionAuthMethod,
                                        connectionAuthMethod(method, module: event.moduleID != nil)))
        }
        if let generationID = event.authGenerationID {
            system.append(EventProperty(EventSystemProperty.connectionAuthGenerationID, generationID))
        }
        system.append(EventProperty(EventSystemProperty.messageSource, messageSource(event.source)))
        let application = event.message.applicationProperties.map { EventProperty($0.name, $0.value ?? "") }
        return EventData(deviceID: event.deviceID, moduleID: event.moduleID, systemProperties: system,
                         applicationProperties: application, body: event.message.body)
    }

    /// `iothub-connection-auth-method`'s JSON. Every message carries it, and building it costs
    /// an interpolation per message, so the values for the methods devices authenticate with (`sas`, `x509`) are built once.
    static func connectionAuthMethod(_ method: String, module: Bool) -> String {
        switch (method, module) {
        case ("sas", false): sasDevice
        case ("sas", true): sasModule
        case ("x509", false): x509Device
        case ("x509", true): x509Module
        default: authMethodJSON(method, module: module)
        }
    }

    private static let sasDevice = authMethodJSON("sas", module: false)
    private static let sasModule = authMethodJSON("sas", module: true)
    private static let x509Device = authMethodJSON("x509", module: false)
    private static let x509Module = authMethodJSON("x509", module: true)

    private static func authMethodJSON(_ method: String, module: Bool) -> String {
        let scope = module ? "module" : "device"
        return #"{"scope":"\#(scope)","type":"\#(method)","issuer":"iothub","acceptingIpFilterRule":null}"#
    }

    /// IoT Hub's `iothub-message-source` values.
    static func messageSource(_ source: TelemetryEvent.Source) -> String {
        switch source {
        case .telemetry: "Telemetry"
        case .twinChangeEvents: "twinChangeEvents"
        case .deviceLifecycleEvents: "deviceLifecycleEvents"
        case .deviceConnectionStateEvents: "deviceConnectionStateEvents"
        }
    }
}
