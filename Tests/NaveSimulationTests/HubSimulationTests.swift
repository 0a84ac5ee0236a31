import Foundation
import Logging
import NaveCodecTestSupport
import NaveCore
import NaveMQTT
import NaveMQTTBinding
import NaveModel
import NaveNode
import NaveTestSupport
import Synchronization
import Testing

/// The hub core driven through a seeded schedule of device and back-end operations, with
/// graceful restarts, on a manual clock and scheduler and seeded randomness: the node's own
/// stores (SQLite, the event log) in a temporary data directory, devices speaking through
/// `IoTHubDeviceChannel` as the MQTT adapter does, no sockets. A failing seed replays exactly.
///
/// Invariants: no telemetry the hub acknowledged is missing from the events endpoint after a
/// restart; enqueued times never go back within a partition; reported and desired twin
/// versions never go back, across restarts too; every C2D message whose send returned ends
/// either completed by its device or with a feedback record; a completed message is never
/// delivered again.
@Suite("Hub simulation")
struct HubSimulationTests {
    @Test("seeded schedules of connects, telemetry, twin patches, C2D and restarts keep the hub's promises",
          arguments: [UInt64(1), 2, 3, 4])
    func schedule(seed: UInt64) async throws {
        let simulation = try await HubSimulation(seed: seed)
        do {
            try await simulation.run(steps: 400)
            try await simulation.finish()
        } catch {
            await simulation.stop()
            throw error
        }
        await simulation.stop()
    }
}

/// One simulated node and its devices (a class: the schedule mutates it across awaits).
final class HubSimulation {
    static let deviceIDs = ["sim-0", "sim-1", "sim-2", "sim-3"]

    var random: SeededGenerator
    let seed: UInt64
    let directory: String
    let clock = ManualClock()
    var scheduler = ManualScheduler()
    var resources: HubResources
    var hub: Hub
    var devices: [String: SimulatedDevice] = [:]
    // What the hub promised.
    var ackedTelemetry: Set<String> = []
    var telemetryCount = 0
    var reportedVersions: [String: Int64] = [:]
    var desiredVersions: [String: Int64] = [:]
    var sentC2D: Set<String> = []
    var completedC2D: Set<String> = []
    var feedbackC2D: Set<String> = []
    var c2dCount = 0
    var restarts = 0

    init(seed: UInt64) async throws {
        self.seed = seed
        random = SeededGenerator(seed: seed)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nave-sim-\(seed)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let scheduler = scheduler
        resources = try await Self.open(directory: directory, clock: clock, seed: seed)
        hub = resources.makeHub(scheduler: scheduler)
        for id in Self.deviceIDs { _ = try await hub.registry.createDevice(DeviceRequest(deviceID: id)) }
    }

    static func open(directory: String, clock: ManualClock, seed: UInt64) async throws -> HubResources {
        var configuration = NaveConfiguration()
        configuration.dataDirectory = directory + "/data"
        configuration.hub.events.partitionCount = 2
        var logger = Logger(label: "sim")
        logger.logLevel = .critical
        return try await HubResources.open(configuration, logger: logger, clock: clock, random: SeededHubRandom(seed: seed))
    }

    func run(steps: Int) async throws {
        for step in 0..<steps {
            let id = Self.deviceIDs[Int.random(in: 0..<Self.deviceIDs.count, using: &random)]
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<12: connect(id)
            case 12..<18: disconnect(id)
            case 18..<45: try await telemetry(id)
            case 45..<57: try await reportedPatch(id)
            case 57..<65: try await desiredPatch(id)
            case 65..<78: try await sendC2D(to: id)
            case 78..<92: try await settle(id)
            case 92..<97: advance(millis: Int64.random(in: 1...5_000, using: &random))
            default: try await restart(at: step)
            }
            // Device events and timers reach the C2D shards through their inboxes: let them land.
            await hub.cloudToDevice.waitForPostedEvents()
            try await deliver()
        }
    }

    // MARK: Devices

    func connect(_ id: String) {
        guard devices[id] == nil else { return }
        let device = SimulatedDevice(identity: IdentityKey(deviceID: id))
        hub.connections.register(device, as: device.identity, at: clock.now())
        let filters = [IoTHubTopic.cloudToDeviceFilter(deviceID: id, moduleID: nil), IoTHubTopic.desiredPatchFilter,
                       IoTHubTopic.twinResponsesFilter]
        let (ack, granted) = device.session.subscribe(MQTTSubscribe(packetID: 1, subscriptions: filters.map { MQTTSubscription(filter: $0, qos: .atLeastOnce) }))
        let outcome = device.channel.subscribed(ack, granted: granted, session: &device.session)
        #expect(outcome.refused == 0)
        hub.recordDeviceSubscriptions(device.identity, device.channel.subscriptions(in: device.session))
        devices[id] = device
        hub.cloudToDeviceReady(device.identity)
    }

    func disconnect(_ id: String) {
        guard let device = devices.removeValue(forKey: id) else { return }
        hub.connections.unregister(device, as: device.identity, at: clock.now())
        hub.deviceDisconnected(device.identity)
    }

    func telemetry(_ id: String) async throws {
        guard let device = devices[id] else { return }
        telemetryCount += 1
        let tag = "t\(telemetryCount)"
        let publish = MQTTPublish(topic: "devices/\(id)/messages/events/tag=\(tag)", payload: Array(tag.utf8), qos: .atLeastOnce, packetID: 1)
        guard case .acceptTelemetry(let message, _) = device.channel.published(publish, ack: .puback(packetID: 1)) else {
            Issue.record("telemetry not admitted")
            return
        }
        try await hub.acceptTelemetry(message, from: device.identity, authMethod: device.channel.authMethod)
        ackedTelemetry.insert(tag)
    }

    func reportedPatch(_ id: String) async throws {
        guard let device = devices[id] else { return }
        let patch = Array(#"{"step":\#(Int.random(in: 0..<1_000, using: &random))}"#.utf8)
        guard case .updateReported(_, let body, _) = device.channel.published(
            MQTTPublish(topic: "$iothub/twin/PATCH/properties/reported/?$rid=1", payload: patch), ack: nil) else {
            Issue.record("reported patch not mapped")
            return
        }
        let version = try await hub.updateReportedProperties(of: device.identity, patch: body)
        #expect(version > reportedVersions[id, default: 0], "reported $version went back for \(id) (seed \(seed))")
        reportedVersions[id] = version
    }

    func desiredPatch(_ id: String) async throws {
        let value = Int64.random(in: 0..<1_000, using: &random)
        let twin = try await hub.twins.updateTwin(IdentityKey(deviceID: id), TwinUpdate(desired: ["setting": .integer(value)]), ifMatch: "*")
        #expect(twin.desired.version >= desiredVersions[id, default: 0], "desired $version went back for \(id) (seed \(seed))")
        desiredVersions[id] = twin.desired.version
    }

    func sendC2D(to id: String) async throws {
        c2dCount += 1
        let messageID = "c\(c2dCount)"
        let message = DeviceMessage(body: Array(messageID.utf8), systemProperties: [MessageProperty("$.mid", messageID)],
                                    applicationProperties: [MessageProperty("iothub-ack", "full")])
        do throws(HubError) {
            _ = try await hub.cloudToDevice.send(to: IdentityKey(deviceID: id), message: message)
            sentC2D.insert(messageID)
        } catch {
            // The device's queue full (403004) is a refusal: nothing was promised.
            guard error.code == 403_004 else { throw error }
        }
    }

    /// The device acknowledges (PUBACK) what it received; a completed message never comes back.
    func settle(_ id: String) async throws {
        guard let device = devices[id] else { return }
        for (packetID, messageID) in device.unacknowledged {
            guard case .completeCloudToDevice(let lockToken) = device.channel.acknowledged(packetID: packetID) else { continue }
            hub.completeCloudToDevice(device.identity, lockToken: lockToken)
            completedC2D.insert(messageID)
        }
        device.unacknowledged.removeAll()
    }

    /// Hands every connected device what the hub delivered to it, through its channel.
    func deliver() async throws {
        for device in devices.values {
            for delivery in device.take() {
                switch device.channel.deliver(delivery, session: device.session) {
                case .send(.publish(let publish)):
                    if let packetID = publish.packetID {
                        let messageID = String(decoding: publish.payload, as: UTF8.self)
                        #expect(!completedC2D.contains(messageID), "completed C2D \(messageID) delivered again (seed \(seed))")
                        device.unacknowledged.append((packetID, messageID))
                    } else if publish.topic.hasPrefix("$iothub/twin/PATCH/properties/desired/") {
                        let version = Int64(publish.topic.split(separator: "=").last ?? "") ?? 0
                        #expect(version > device.lastDesiredVersion, "desired patches out of order (seed \(seed))")
                        device.lastDesiredVersion = version
                    }
                case .returnCloudToDevice(let lockToken):
                    hub.returnCloudToDevice(device.identity, lockToken: lockToken)
                case .methodUnreachable(let requestID):
                    hub.methodUnreachable(device.identity, requestID: requestID)
                default:
                    break
                }
            }
        }
    }

    func advance(millis: Int64) {
        clock.advance(seconds: max(1, millis / 1000))
        scheduler.advance(millis: millis)
    }

    // MARK: Restart and invariants

    /// A graceful restart: devices drop, the hub flushes and closes its stores, and a new hub
    /// opens the same data directory.
    func restart(at step: Int) async throws {
        for id in Array(devices.keys) { disconnect(id) }
        await hub.flush()
        await resources.close()
        restarts += 1
        scheduler = ManualScheduler()
        resources = try await Self.open(directory: directory, clock: clock, seed: seed &+ UInt64(restarts))
        hub = resources.makeHub(scheduler: scheduler)
        try checkTelemetry()
        for (id, version) in reportedVersions {
            let twin = try await hub.twins.twin(IdentityKey(deviceID: id))
            #expect(twin.reported.version >= version, "reported $version lost in restart \(restarts) at step \(step) (seed \(seed))")
        }
        for (id, version) in desiredVersions {
            let twin = try await hub.twins.twin(IdentityKey(deviceID: id))
            #expect(twin.desired.version >= version, "desired $version lost in restart \(restarts) at step \(step) (seed \(seed))")
        }
    }

    /// Every acknowledged telemetry message is in the events endpoint, times in order.
    func checkTelemetry() throws {
        let source = try #require(hub.events).source
        var seen: Set<String> = []
        for partition in 0..<source.partitionCount {
            var last = Timestamp(millisecondsSinceEpoch: 0)
            var next: Int64 = 0
            while true {
                let records = try source.records(partition: partition, from: .sequenceNumber(next), maxCount: 500)
                guard let tail = records.last else { break }
                for record in records where record.systemProperties.contains(where: { $0.value == "Telemetry" }) {
                    let previous = last
                    #expect(record.enqueuedTime >= previous, "enqueued time went back in partition \(partition) (seed \(seed))")
                    last = record.enqueuedTime
                    seen.insert(String(decoding: record.body, as: UTF8.self))
                }
                next = tail.sequenceNumber + 1
            }
        }
        let lost = ackedTelemetry.subtracting(seen)
        #expect(lost.isEmpty, "acknowledged telemetry missing from the events endpoint: \(lost.sorted().prefix(5)) (seed \(seed))")
    }

    /// Connects everyone, settles until the queues are empty, and checks every sent message ended
    /// completed or with feedback.
    func finish() async throws {
        try checkTelemetry()
        for id in Self.deviceIDs { connect(id) }
        for _ in 0..<50 {
            await hub.cloudToDevice.waitForPostedEvents()
            try await deliver()
            for id in Self.deviceIDs { try await settle(id) }
            advance(millis: 1_000)
            await hub.cloudToDevice.waitForPostedEvents()
            var pending = 0
            for id in Self.deviceIDs { pending += await hub.cloudToDevice.pendingCount(IdentityKey(deviceID: id)) }
            if pending == 0 { break }
        }
        try await hub.cloudToDevice.flush()
        while let batch = hub.cloudToDevice.feedback.receive() {
            for record in batch.records where record.statusCode != .success { feedbackC2D.insert(record.originalMessageID) }
            try await hub.cloudToDevice.feedback.complete(lockToken: batch.lockToken)
        }
        let unaccounted = sentC2D.subtracting(completedC2D).subtracting(feedbackC2D)
        #expect(unaccounted.isEmpty, "C2D sent but neither completed nor fed back: \(unaccounted.sorted().prefix(5)) (seed \(seed))")
        #expect(telemetryCount > 0 && !completedC2D.isEmpty && restarts > 0, "the schedule exercised telemetry, C2D and restarts (seed \(seed))")
    }

    func stop() async {
        await hub.flush()
        await resources.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A connected device as the MQTT adapter keeps it: its IoT Hub channel and MQTT session; the
/// hub's deliveries wait in an inbox until the simulation hands them over (as a loop would).
final class SimulatedDevice: LiveConnection, @unchecked Sendable {
    // @unchecked: the simulation's own state is touched by its one task; only `inbox` is shared.
    let identity: IdentityKey
    var channel: IoTHubDeviceChannel
    var session = MQTTSessionState(limits: MQTTBindingLimits())
    var unacknowledged: [(UInt16, String)] = []
    var lastDesiredVersion: Int64 = 0
    private let inbox = DeliveryInbox()

    init(identity: IdentityKey) {
        self.identity = identity
        channel = IoTHubDeviceChannel(identity: identity, authMethod: "sas")
    }

    func revoke(_ reason: RevocationReason) {}
    func deliver(_ delivery: DeviceDelivery) { inbox.append(delivery) }
    func take() -> [DeviceDelivery] { inbox.takeAll() }
}

/// The deliveries a hub service handed to a device, in order.
final class DeliveryInbox: Sendable {
    private let deliveries = Mutex<[DeviceDelivery]>([])
    func append(_ delivery: DeviceDelivery) { deliveries.withLock { $0.append(delivery) } }
    func takeAll() -> [DeviceDelivery] { deliveries.withLock { list in defer { list.removeAll() }; return list } }
}
