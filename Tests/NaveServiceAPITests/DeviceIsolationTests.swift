import Foundation
import NaveCore
import NaveModel
import NaveStore
import Testing

/// Hub devices and the general broker are apart (issue #11): one client-id namespace each, and
/// nothing a device sends — its Will included — reaches the broker's routing or retained
/// messages. A device's Will on its telemetry topic becomes telemetry, as in IoT Hub.
@Suite("Device isolation from the plain broker", .serialized)
struct DeviceIsolationTests {
    /// The node's plain MQTT listener (the general broker).
    func plainPort(_ node: TestNode) -> Int { node.server.listeningAddresses[0].port }

    /// A plain client subscribed to `#` for two seconds, then dev1 connecting with a retained
    /// Will on `willTopic` and dropping its connection: the device's CONNACK and the watcher.
    func dropDeviceWithWill(_ node: TestNode, willTopic: String) async throws -> (device: [String: Any], watcher: PythonWireClient.Run) {
        try await node.createDevice("dev1")
        let watcher = try node.python.start("plain_mqtt", ["\(plainPort(node))", "watcher", "2", "#"])
        try await Task.sleep(for: .milliseconds(300))
        let device = try await node.python.run("mqtt_will", ["\(node.mqttPort)", node.caPath, "dev1", username("dev1"),
                                                            try node.deviceToken("dev1"), willTopic, "1"])
        return (device, watcher)
    }

    @Test("an anonymous plain client with a device's id does not take over the authenticated device")
    func separateNamespaces() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        try await node.createDevice("dev1")
        let key = IdentityKey(deviceID: "dev1")
        let device = try node.python.start("mqtt", ["\(node.mqttPort)", node.caPath, "dev1", username("dev1"), try node.deviceToken("dev1"), "3"])
        #expect(await eventually { node.registry.connections.presence(of: key).isConnected }, "the device connected")
        let plain = try await node.python.run("plain_mqtt", ["\(plainPort(node))", "dev1", "0.5"])
        #expect(plain["returnCode"] as? Int == 0, "the plain client gets its own session")
        #expect(plain["closed"] as? Bool == false)
        let deviceResult = try await device.finish(seconds: 10)
        #expect(deviceResult["returnCode"] as? Int == 0)
        #expect(deviceResult["closed"] as? Bool == false, "the device was not taken over by the plain client")
    }

    @Test("a device's Will outside its telemetry topic is refused at CONNECT (5) and never reaches the broker")
    func foreignWillRefused() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        let (device, subscriber) = try await dropDeviceWithWill(node, willTopic: "alarms/fire")
        #expect(device["returnCode"] as? Int == 5)
        #expect(device["closed"] as? Bool == true)
        let watched = try await subscriber.finish(seconds: 10)
        #expect(watched["suback"] as? String == "9003000100")
        #expect((watched["topics"] as? [String]) == [], "nothing reached the broker's subscribers")
        let retained = try await node.python.run("plain_mqtt", ["\(plainPort(node))", "late", "0.5", "#"])
        #expect((retained["topics"] as? [String]) == [], "no retained message either")
    }

    @Test("a device's Will on its telemetry topic becomes telemetry with iothub-MessageType=Will, not a broker message")
    func telemetryWill() async throws {
        let node = try await TestNode.start()
        defer { node.stop(); node.removeDirectory() }
        let (device, subscriber) = try await dropDeviceWithWill(node, willTopic: "devices/dev1/messages/events/kind=alarm")
        #expect(device["returnCode"] as? Int == 0)
        func willEvents() -> [EventRecord] {
            (0..<node.hub.events.partitions.count).flatMap { partition in
                (try? node.hub.events.read(partition: partition, from: .earliest, maxCount: 100)) ?? []
            }.filter { $0.deviceID == "dev1" && $0.applicationProperties.contains { $0.key == "iothub-MessageType" && $0.value == "Will" } }
        }
        #expect(await eventually { !willEvents().isEmpty }, "the Will landed in the event log")
        let event = try #require(willEvents().first)
        #expect(event.body == Array("gone".utf8))
        #expect(event.applicationProperties.contains { $0.key == "kind" && $0.value == "alarm" })
        let watched = try await subscriber.finish(seconds: 10)
        #expect((watched["topics"] as? [String]) == [], "the Will did not reach the broker's subscribers")
    }

    @Test("a device's QoS 0 flood is bounded by deviceOperationsInFlightMax: reading pauses, nothing is lost")
    func boundedDeviceOperations() async throws {
        let directory = try TestNode.makeDirectory()
        var configuration = TestNode.configuration(directory: directory)
        configuration.broker.deviceOperationsInFlightMax = 4
        let node = try await TestNode.start(directory: directory, configuration: configuration)
        defer { node.stop(); node.removeDirectory() }
        try await node.createDevice("dev1")
        let result = try await node.python.run("telemetry_flood", ["\(node.mqttPort)", node.caPath, "dev1", username("dev1"),
                                                                  try node.deviceToken("dev1"), "2000"])
        #expect(result["returnCode"] as? Int == 0)
        #expect(result["pingresp"] as? String == "d000")
        // The flood's bodies are "m0"…"m1999"; the device's connection-state events are not counted.
        func stored() -> Int {
            (0..<node.hub.events.partitions.count).reduce(0) { total, partition in
                total + ((try? node.hub.events.read(partition: partition, from: .earliest, maxCount: 5_000)) ?? []).count { $0.deviceID == "dev1" && $0.body.first == UInt8(ascii: "m") }
            }
        }
        #expect(await eventually(seconds: 20) { stored() == 2_000 }, "every telemetry message landed (\(stored()))")
        #expect(node.server.broker.statistics.publisherPauses > 0, "the device was paused at the limit")
    }
}
