import NaveModel
@testable import NaveStore
import Testing

/// A device message as the events endpoint stores it (contract §6.6 names).
@Suite("Event log telemetry sink: system properties")
struct EventLogTelemetrySinkTests {
    @Test("bag keys become Event Hubs names; auth method, generation id and message source are added")
    func systemProperties() {
        let message = DeviceMessage(body: Array("{}".utf8), systemProperties: [MessageProperty("$.mid", "m1"), MessageProperty("$.ct", "application/json")],
                                    applicationProperties: [MessageProperty("alert", "true")])
        let data = EventLogTelemetrySink.eventData(TelemetryEvent(deviceID: "dev1", authMethod: "sas", authGenerationID: "638000000000000001",
                                                                  message: message))
        #expect(data.systemProperties == [
            EventProperty("message-id", "m1"), EventProperty("content-type", "application/json"),
            EventProperty("iothub-connection-auth-method", #"{"scope":"device","type":"sas","issuer":"iothub","acceptingIpFilterRule":null}"#),
            EventProperty("iothub-connection-auth-generation-id", "638000000000000001"),
            EventProperty("iothub-message-source", "Telemetry"),
        ])
        #expect(data.applicationProperties == [EventProperty("alert", "true")])
    }

    @Test("a recorded change (no sender) carries only its message source")
    func recordedChange() {
        let data = EventLogTelemetrySink.eventData(TelemetryEvent(source: .twinChangeEvents, deviceID: "dev1", message: DeviceMessage(body: [])))
        #expect(data.systemProperties == [EventProperty("iothub-message-source", "twinChangeEvents")])
    }

    @Test("the auth method's JSON names the scope and method, for the prebuilt methods and any other",
          arguments: [("sas", false), ("sas", true), ("x509", false), ("x509", true), ("token", true)])
    func connectionAuthMethod(method: String, module: Bool) {
        let scope = module ? "module" : "device"
        #expect(EventLogTelemetrySink.connectionAuthMethod(method, module: module)
            == #"{"scope":"\#(scope)","type":"\#(method)","issuer":"iothub","acceptingIpFilterRule":null}"#)
    }
}
