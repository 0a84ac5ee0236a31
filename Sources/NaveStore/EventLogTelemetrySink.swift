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
        } catch EventLogError.storageFull(let partition, _) {
            // The cause names a path: it stays in the log's own words, not in the reply.
            throw .storageFull("the event (partition \(partition))")
        } catch {
            throw .serverError("The event could not be stored: \(error)")
        }
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
            let scope = event.moduleID == nil ? "device" : "module"
            system.append(EventProperty(EventSystemProperty.connectionAuthMethod,
                                        #"{"scope":"\#(scope)","type":"\#(method)","issuer":"iothub","acceptingIpFilterRule":null}"#))
        }
        if let generationID = event.authGenerationID {
            system.append(EventProperty(EventSystemProperty.connectionAuthGenerationID, generationID))
        }
        system.append(EventProperty(EventSystemProperty.messageSource, messageSource(event.source)))
        let application = event.message.applicationProperties.map { EventProperty($0.name, $0.value ?? "") }
        return EventData(deviceID: event.deviceID, moduleID: event.moduleID, systemProperties: system,
                         applicationProperties: application, body: event.message.body)
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
