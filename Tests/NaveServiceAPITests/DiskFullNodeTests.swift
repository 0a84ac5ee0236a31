import Foundation
import NaveCore
import NaveModel
import NaveStore
import NaveTestSupport
import Testing

/// Issue #11: a whole node whose data directory is on a tmpfs that fills up. While it is full,
/// telemetry gets no PUBACK (the connection closes) and registry writes get 503 with IoT Hub's
/// error body; nothing acknowledged is lost; once there is room both work again without a
/// restart, and the events endpoint holds the acknowledged telemetry in order, once each.
@Suite("Node on a full disk", .serialized,
       .enabled(if: SmallFilesystem.isAvailable, "needs root to mount a tmpfs (mount(2) not permitted)"))
struct DiskFullNodeTests {
    static let bodyBytes = 12_000

    @Test("full: no PUBACK and REST 503; room again: PUBACK and 200, events in order without gaps")
    func fullThenRoom() async throws {
        let filesystem = try SmallFilesystem.mount(sizeBytes: 16 << 20).get()
        defer { filesystem.unmount() }
        let node = try await TestNode.start(directory: filesystem.path)
        var running = true
        defer { if running { node.stop() } }
        try await node.createDevice("dev1")
        let token = try node.serviceToken()
        #expect(try await publish(node).puback, "telemetry before the disk fills is acknowledged")

        try filesystem.fill()
        let refused = try await publish(node)
        #expect(!refused.puback && refused.closed, "no PUBACK for telemetry not stored; the connection is closed")
        let created = try await node.python.run("request", ["\(node.httpsPort)", node.caPath, token, "PUT", "/devices/new1", Self.deviceBody("new1")])
        #expect(created["status"] as? Int == 503)
        let headers = created["headers"] as? [String: String]
        #expect(headers?["iothub-errorcode"] == "ServiceUnavailable")
        let detail = Self.errorDetail(created["body"] as? String)
        #expect(detail?["errorCode"] as? Int == 503_001, "IoT Hub's error body: \(String(describing: created["body"]))")
        #expect(node.registry.device("new1") == nil)

        filesystem.makeRoom()
        #expect(try await publish(node).puback, "telemetry is acknowledged again without a restart")
        let again = try await node.python.run("request", ["\(node.httpsPort)", node.caPath, token, "PUT", "/devices/new1", Self.deviceBody("new1")])
        #expect(again["status"] as? Int == 200)
        #expect(node.registry.device("new1") != nil)

        let expected = [Self.body(), Self.body()]
        try Self.expectTelemetry(expected, in: node.hub.events)
        await node.stopAndWait()
        running = false

        // Recovery on the same data directory finds the same records.
        let reopened = try await TestNode.start(directory: filesystem.path)
        defer { reopened.stop() }
        try Self.expectTelemetry(expected, in: reopened.hub.events)
        #expect(reopened.registry.device("new1") != nil)
    }

    private func publish(_ node: TestNode) async throws -> (puback: Bool, closed: Bool) {
        let result = try await node.python.run("telemetry_qos1", ["\(node.mqttPort)", node.caPath, "dev1", username("dev1"),
                                                                   try node.deviceToken("dev1"), "\(Self.bodyBytes)", "5"])
        #expect(result["returnCode"] as? Int == 0)
        return (result["puback"] as? Bool ?? false, result["closed"] as? Bool ?? false)
    }

    /// The body `mode_telemetry_qos1` sends.
    static func body() -> [UInt8] { (0..<bodyBytes).map { UInt8(truncatingIfNeeded: $0 * 7) } }

    static func deviceBody(_ deviceID: String) -> String {
        #"{"deviceId":"\#(deviceID)","status":"enabled","authentication":{"symmetricKey":{"primaryKey":"\#(testKeyA)","secondaryKey":"\#(testKeyB)"},"type":"sas"}}"#
    }

    /// The inner document of IoT Hub's error body (`Message` holds it as a JSON string).
    static func errorDetail(_ body: String?) -> [String: Any]? {
        guard let body, let outer = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let message = outer["Message"] as? String else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any]
    }

    /// dev1's partition: sequence numbers 0, 1, … without gap or repeat, and its telemetry
    /// bodies exactly `expected` (lifecycle events share the partition).
    static func expectTelemetry(_ expected: [[UInt8]], in log: EventLog) throws {
        let records = try log.read(partition: log.partition(forDeviceID: "dev1"), from: .earliest, maxCount: 1000)
        #expect(records.map(\.sequenceNumber) == (0..<Int64(records.count)).map { $0 })
        let telemetry = records.filter { record in
            record.deviceID == "dev1"
                && record.systemProperties.contains { $0.key == EventSystemProperty.messageSource && $0.value == "Telemetry" }
        }
        // Counts and a comparison, not the bodies: a failure message must stay readable.
        #expect(telemetry.count == expected.count)
        let sameBodies = telemetry.map(\.body) == expected
        #expect(sameBodies, "telemetry bodies are those acknowledged, in order")
    }
}
