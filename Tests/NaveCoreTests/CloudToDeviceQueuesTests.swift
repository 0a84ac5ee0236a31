import NaveCore
import NaveModel
import Testing

/// Sending, FIFO delivery to a ready connection, locks and redelivery (contract §1.8, §8).
@Suite("Cloud-to-device queues")
struct CloudToDeviceQueuesTests {
    @Test("messages sent while offline arrive in order once the device is ready; PUBACKs complete them")
    func fifoAfterConnect() async throws {
        let hub = try await CloudToDeviceFixture.make()
        for text in ["one", "two", "three"] { try await hub.send(text) }
        #expect(await hub.queues.pendingCount(hub.device) == 3)
        let connection = await hub.connect()
        #expect(connection.bodies == ["one", "two", "three"])
        #expect(connection.cloudToDevice.map(\.message.body.count) == [3, 3, 5])
        for delivery in connection.cloudToDevice { await hub.complete(delivery.lockToken) }
        #expect(await hub.queues.pendingCount(hub.device) == 0)
        try await hub.queues.flush()
        #expect(try await hub.store.loadCloudToDevice() == CloudToDeviceSnapshot())
    }

    @Test("a ready device gets at most inFlightPerDeviceMax unacknowledged messages; each completion lets the next go")
    func inFlightWindow() async throws {
        var limits = CloudToDeviceLimits()
        limits.inFlightPerDeviceMax = 2
        let hub = try await CloudToDeviceFixture.make(limits: limits)
        let connection = await hub.connect()
        for index in 1...4 { try await hub.send("m\(index)") }
        #expect(connection.bodies == ["m1", "m2"])
        await hub.complete(connection.cloudToDevice[1].lockToken)
        #expect(connection.bodies == ["m1", "m2", "m3"])
        await hub.complete(connection.cloudToDevice[0].lockToken)
        #expect(connection.bodies == ["m1", "m2", "m3", "m4"])
        #expect(await hub.queues.pendingCount(hub.device) == 2)
    }

    @Test("the queue holds 50 messages: the 51st send is 403004; purge empties it and returns the count")
    func queueDepthAndPurge() async throws {
        let hub = try await CloudToDeviceFixture.make()
        for index in 0..<50 { try await hub.send("m\(index)") }
        await #expect(throws: HubError.deviceMaximumQueueDepthExceeded(deviceID: "dev1", queueDepthMax: 50)) {
            try await hub.send("one too many")
        }
        #expect(await hub.queues.pendingCount(hub.device) == 50)
        #expect(try await hub.queues.purge(hub.device) == 50)
        #expect(await hub.queues.pendingCount(hub.device) == 0)
        #expect(try await hub.store.loadCloudToDevice().messages.isEmpty)
        try await hub.send("after purge")
        #expect(try await hub.queues.purge(hub.device) == 1)
        #expect(try await hub.queues.purge(hub.device) == 0)
    }

    @Test("unknown devices are 404001, modules 400004, bodies over 64 KB 413001, past expiry 400004")
    func refusals() async throws {
        let hub = try await CloudToDeviceFixture.make()
        await #expect(throws: HubError.deviceNotFound(deviceID: "nope")) { try await hub.send("x", to: IdentityKey(deviceID: "nope")) }
        await #expect(throws: HubError.deviceNotFound(deviceID: "nope")) { try await hub.queues.purge(IdentityKey(deviceID: "nope")) }
        let module = await #expect(throws: HubError.self) { try await hub.send("x", to: IdentityKey(deviceID: "dev1", moduleID: "m")) }
        #expect(module?.code == 400_004)
        let large = DeviceMessage(body: Array(repeating: 0x41, count: 64 * 1024 + 1))
        await #expect(throws: HubError.messageTooLarge(sizeBytes: 64 * 1024 + 1, sizeBytesMax: 64 * 1024)) {
            try await hub.queues.send(to: hub.device, message: large)
        }
        let past = DeviceMessage(body: [], systemProperties: [MessageProperty("$.exp", "2000-01-01T00:00:00Z")])
        let expired = await #expect(throws: HubError.self) { try await hub.queues.send(to: hub.device, message: past) }
        #expect(expired?.code == 400_004)
        let badTTL = await #expect(throws: HubError.self) { try await hub.send("x", ttlSeconds: 0) }
        #expect(badTTL?.code == 400_004)
        let badAck = await #expect(throws: HubError.self) {
            try await hub.queues.send(to: hub.device, message: DeviceMessage(body: [], applicationProperties: [MessageProperty("iothub-ack", "all")]))
        }
        #expect(badAck?.code == 400_004)
        let badID = await #expect(throws: HubError.self) { try await hub.send("x", id: "has space") }
        #expect(badID?.code == 400_004)
        try await hub.send("exactly 64 KB is fine" + String(repeating: "x", count: 64 * 1024 - 21))
        #expect(await hub.queues.pendingCount(hub.device) == 1)
    }

    @Test("a message keeps $.mid (generated when absent), gets $.to, and the device sees iothub-ack after the system properties (§1.8)")
    func properties() async throws {
        let hub = try await CloudToDeviceFixture.make()
        let given = DeviceMessage(body: Array(#"{"cmd":"on"}"#.utf8),
                                  systemProperties: [MessageProperty("$.ce", "utf-8"), MessageProperty("$.mid", "c2d-1"),
                                                     MessageProperty("$.ct", "application/json"), MessageProperty("$.cid", "corr-9")],
                                  applicationProperties: [MessageProperty("iothub-ack", "full"), MessageProperty("color", "dark red")])
        try await hub.queues.send(to: hub.device, message: given)
        let generated = try await hub.send("no id")
        #expect(generated.messageID.count == 36 && generated.messageID.split(separator: "-").count == 5)
        let connection = await hub.connect()
        let delivered = connection.cloudToDevice[0].message
        #expect(PropertyBag.encode(system: delivered.systemProperties, application: delivered.applicationProperties)
            == "%24.mid=c2d-1&%24.to=%2Fdevices%2Fdev1%2Fmessages%2FdeviceBound&%24.cid=corr-9&%24.ct=application%2Fjson"
            + "&%24.ce=utf-8&iothub-ack=full&color=dark%20red")
        #expect(connection.cloudToDevice[1].message.systemProperty("iothub-ack") == nil)
        #expect(connection.cloudToDevice[1].message.systemProperty("$.exp") == nil)
    }

    @Test("an explicit time to live renders $.exp; one past 48 h is brought forward to 48 h")
    func expiryRendering() async throws {
        let hub = try await CloudToDeviceFixture.make()
        let now = hub.clock.now()
        let short = try await hub.send("short", ttlSeconds: 60)
        #expect(short.expiryTime.millisecondsSinceEpoch == now.millisecondsSinceEpoch + 60_000)
        #expect(short.message.systemProperty("$.exp") == short.expiryTime.iso8601)
        let long = try await hub.send("long", ttlSeconds: 1_000_000)
        #expect(long.expiryTime.millisecondsSinceEpoch == now.millisecondsSinceEpoch + 48 * 3_600_000)
        let defaulted = try await hub.send("default")
        #expect(defaulted.expiryTime.millisecondsSinceEpoch == now.millisecondsSinceEpoch + 3_600_000)
    }

    @Test("an unacknowledged delivery is redelivered when its lock expires, with its delivery count raised")
    func lockTimeoutRedelivers() async throws {
        let hub = try await CloudToDeviceFixture.make()
        let connection = await hub.connect()
        try await hub.send("again")
        await hub.advance(seconds: 59)
        #expect(connection.cloudToDevice.count == 1)
        await hub.advance(seconds: 1)
        let deliveries = connection.cloudToDevice
        #expect(deliveries.count == 2)
        #expect(deliveries[0].lockToken != deliveries[1].lockToken)
        // The old lock is gone: its late acknowledgement changes nothing.
        await hub.complete(deliveries[0].lockToken)
        #expect(await hub.queues.pendingCount(hub.device) == 1)
        try await hub.queues.flush()
        #expect(try await hub.store.loadCloudToDevice().messages.map(\.deliveryCount) == [2])
        await hub.complete(deliveries[1].lockToken)
        #expect(await hub.queues.pendingCount(hub.device) == 0)
    }

    @Test("after 10 deliveries without acknowledgement the message is dead-lettered with DeliveryCountExceeded")
    func deadLetter() async throws {
        let hub = try await CloudToDeviceFixture.make()
        let connection = await hub.connect()
        try await hub.send("poison", id: "p1", ack: .negative, ttlSeconds: 3_600)
        for _ in 0..<10 { await hub.advance(seconds: 60) }
        #expect(connection.cloudToDevice.count == 10)
        #expect(await hub.queues.pendingCount(hub.device) == 0)
        try await hub.queues.flush()
        let batch = try #require(hub.queues.feedback.receive())
        #expect(batch.records.map(\.statusCode) == [.deliveryCountExceeded])
        #expect(batch.records[0].originalMessageID == "p1" && batch.records[0].deviceID == "dev1")
        #expect(batch.records[0].deviceGenerationID == hub.registry.device("dev1")?.generationID)
    }

    @Test("a connection that ends gives its unacknowledged messages back at once; the next connection gets them")
    func reconnectRedelivers() async throws {
        let hub = try await CloudToDeviceFixture.make()
        let first = await hub.connect()
        try await hub.send("a")
        try await hub.send("b")
        await hub.complete(first.cloudToDevice[0].lockToken)
        await hub.disconnect(first)
        try await hub.send("c")
        #expect(first.bodies == ["a", "b"])
        let second = await hub.connect()
        #expect(second.bodies == ["b", "c"])
        try await hub.queues.flush()
        #expect(try await hub.store.loadCloudToDevice().messages.map(\.deliveryCount) == [2, 1])
    }

    @Test("a newer connection that is ready before the older one is gone keeps its deliveries")
    func overlappingConnections() async throws {
        let hub = try await CloudToDeviceFixture.make()
        let old = await hub.connect()
        let new = await hub.connect()
        try await hub.send("x")
        #expect(new.bodies == ["x"] && old.bodies.isEmpty)
        await hub.disconnect(old)
        #expect(new.bodies == ["x"])
        #expect(await hub.queues.pendingCount(hub.device) == 1)
    }

    @Test("a device deleted and created again does not inherit its predecessor's queue")
    func recreatedDevice() async throws {
        let hub = try await CloudToDeviceFixture.make(queueDepthMax: 2)
        try await hub.send("old-1")
        try await hub.send("old-2")
        try await hub.registry.deleteDevice("dev1", ifMatch: nil)
        #expect(await hub.queues.pendingCount(hub.device) == 0)
        _ = try await hub.registry.createDevice(DeviceRequest(deviceID: "dev1"))
        #expect(await hub.queues.pendingCount(hub.device) == 0)
        try await hub.send("new")
        #expect(await hub.queues.pendingCount(hub.device) == 1)
        #expect(await hub.connect().bodies == ["new"])
        try await hub.queues.flush()
        #expect(try await hub.store.loadCloudToDevice().messages.map(\.message.body) == [Array("new".utf8)])
    }

    @Test("a delivery the connection could not take comes back uncounted, and waits for deviceReady")
    func notReady() async throws {
        let hub = try await CloudToDeviceFixture.make()
        let connection = await hub.connect()
        try await hub.send("x")
        await hub.notReady(connection.cloudToDevice[0].lockToken)
        try await hub.send("y")
        #expect(connection.bodies == ["x"])
        await hub.ready()
        #expect(connection.bodies == ["x", "x", "y"])
        #expect(connection.cloudToDevice[1].lockToken != connection.cloudToDevice[0].lockToken)
        try await hub.queues.flush()
        #expect(try await hub.store.loadCloudToDevice().messages.map(\.deliveryCount) == [1, 1])
    }
}
