import NaveCore
import NaveModel
import NaveTestSupport
import Testing

/// Two nodes sharing one C2D store (issue #12: ports a clustered store can implement): a
/// message sent through one reaches the device connected to the other, and what one node
/// settles leaves the other's queue.
@Suite("C2D in a shared store")
struct SharedCloudToDeviceStoreTests {
    static let device = IdentityKey(deviceID: "dev1")

    /// Two nodes' queues over views of one `InMemoryCloudToDeviceStore`, with registries loaded
    /// from one identity store holding `dev1`.
    struct TwoNodes {
        let clock = ManualClock()
        let first: CloudToDeviceQueues
        let second: CloudToDeviceQueues
        let firstRegistry: IdentityRegistry

        init() async throws {
            let (firstRegistry, secondRegistry) = try await twoNodeRegistries(clock: clock)
            self.firstRegistry = firstRegistry
            let store = InMemoryCloudToDeviceStore()
            first = try await CloudToDeviceQueues.open(registry: firstRegistry, store: store, clock: clock,
                                                       scheduler: ManualScheduler(), random: SeededHubRandom(seed: 3))
            second = try await CloudToDeviceQueues.open(registry: secondRegistry, store: store.otherWriter(), clock: clock,
                                                        scheduler: ManualScheduler(), random: SeededHubRandom(seed: 4))
        }

        /// dev1 connected to the first node, ready for C2D.
        func connectToFirst() async -> RecordingConnection {
            let connection = RecordingConnection()
            firstRegistry.connections.register(connection, as: device, at: clock.now())
            first.deviceReady(device)
            await first.waitForPostedEvents()
            return connection
        }

        func send(_ text: String, through queues: CloudToDeviceQueues, ack: CloudToDeviceAck = .none) async throws {
            var application: [MessageProperty] = []
            if ack != .none { application.append(MessageProperty("iothub-ack", ack.rawValue)) }
            try await queues.send(to: device, message: DeviceMessage(body: Array(text.utf8), applicationProperties: application))
            await first.waitForPostedEvents()
            await second.waitForPostedEvents()
        }
    }

    @Test("a message sent through one node reaches the device connected to the other")
    func deliveredAcrossNodes() async throws {
        let nodes = try await TwoNodes()
        let connection = await nodes.connectToFirst()
        try await nodes.send("hello", through: nodes.second)
        #expect(connection.bodies == ["hello"])
        #expect(await nodes.first.pendingCount(Self.device) == 1)
    }

    @Test("a completion on one node takes the message out of the other's queue, and its feedback is offered on both")
    func completionAcrossNodes() async throws {
        let nodes = try await TwoNodes()
        let connection = await nodes.connectToFirst()
        try await nodes.send("hello", through: nodes.second, ack: .full)
        let lockToken = try #require(connection.cloudToDevice.first?.lockToken)
        nodes.first.deviceCompleted(Self.device, lockToken: lockToken)
        try await nodes.first.flush()
        await nodes.second.waitForPostedEvents()
        #expect(await nodes.second.pendingCount(Self.device) == 0)
        let batch = try #require(nodes.second.feedback.receive())
        #expect(batch.records.map(\.statusCode) == [.success])
    }

    @Test("a purge through one node empties the other's queue: nothing is delivered again there")
    func purgeAcrossNodes() async throws {
        let nodes = try await TwoNodes()
        try await nodes.send("one", through: nodes.second)
        try await nodes.send("two", through: nodes.second)
        #expect(await nodes.first.pendingCount(Self.device) == 2)
        #expect(try await nodes.second.purge(Self.device) == 2)
        await nodes.first.waitForPostedEvents()
        #expect(await nodes.first.pendingCount(Self.device) == 0)
        let connection = await nodes.connectToFirst()
        #expect(connection.bodies.isEmpty)
    }

    @Test("sequence numbers another node used are never given out again: both nodes keep sending")
    func sequenceNumbersStayUnique() async throws {
        let nodes = try await TwoNodes()
        for round in 0..<3 {
            try await nodes.send("a\(round)", through: nodes.first)
            try await nodes.send("b\(round)", through: nodes.second)
        }
        #expect(await nodes.first.pendingCount(Self.device) == 6)
        #expect(await nodes.second.pendingCount(Self.device) == 6)
    }
}
