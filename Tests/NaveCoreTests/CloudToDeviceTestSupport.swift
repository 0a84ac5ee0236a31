import NaveTestSupport
import NaveCore
import NaveModel
import Testing

/// A hub's C2D queues on a manual clock and scheduler, over an in-memory store, with device
/// `dev1` registered; connections are `RecordingConnection`s.
struct CloudToDeviceFixture {
    let registry: IdentityRegistry
    let clock: ManualClock
    let scheduler = ManualScheduler()
    let store: any CloudToDeviceStore
    let queues: CloudToDeviceQueues
    let device = IdentityKey(deviceID: "dev1")

    static func make(limits: CloudToDeviceLimits = CloudToDeviceLimits(),
                     store: any CloudToDeviceStore = InMemoryCloudToDeviceStore(),
                     registry existing: IdentityRegistry? = nil, clock: ManualClock = ManualClock()) async throws -> CloudToDeviceFixture {
        let registry: IdentityRegistry
        if let existing {
            registry = existing
        } else {
            registry = try await makeRegistry(clock: clock)
            _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        }
        return try await CloudToDeviceFixture(registry: registry, clock: clock, store: store, limits: limits)
    }

    /// A fixture whose device's queue holds `queueDepthMax` messages (all of which may be in flight).
    static func make(queueDepthMax: Int, store: any CloudToDeviceStore = InMemoryCloudToDeviceStore()) async throws -> CloudToDeviceFixture {
        var limits = CloudToDeviceLimits()
        limits.queueDepthMax = queueDepthMax
        limits.inFlightPerDeviceMax = queueDepthMax
        return try await make(limits: limits, store: store)
    }

    private init(registry: IdentityRegistry, clock: ManualClock, store: any CloudToDeviceStore, limits: CloudToDeviceLimits) async throws {
        self.registry = registry
        self.clock = clock
        self.store = store
        queues = try await CloudToDeviceQueues.open(registry: registry, store: store, clock: clock, scheduler: scheduler,
                                                    random: SeededHubRandom(), limits: limits)
    }

    /// Moves the clock and the scheduler on together, and lets the timers that came due land
    /// in their shards.
    func advance(seconds: Int64) async {
        clock.advance(seconds: seconds)
        scheduler.advance(millis: seconds * 1000)
        await queues.waitForPostedEvents()
    }

    /// A connection of `dev1` that subscribed to its C2D topic.
    func connect() async -> RecordingConnection {
        let connection = RecordingConnection()
        registry.connections.register(connection, as: device, at: clock.now())
        await ready()
        return connection
    }

    func disconnect(_ connection: RecordingConnection) async {
        registry.connections.unregister(connection, as: device, at: clock.now())
        queues.deviceGone(device)
        await queues.waitForPostedEvents()
    }

    /// The device's newest connection says it takes messages (it subscribed again).
    func ready() async {
        queues.deviceReady(device)
        await queues.waitForPostedEvents()
    }

    /// The device acknowledged delivery `lockToken` (its PUBACK).
    func complete(_ lockToken: String) async {
        queues.deviceCompleted(device, lockToken: lockToken)
        await queues.waitForPostedEvents()
    }

    /// The connection could not take delivery `lockToken`.
    func notReady(_ lockToken: String) async {
        queues.deviceNotReady(device, lockToken: lockToken)
        await queues.waitForPostedEvents()
    }

    @discardableResult
    func send(_ text: String, id: String? = nil, ack: CloudToDeviceAck? = nil, ttlSeconds: Int? = nil,
              to key: IdentityKey? = nil) async throws -> QueuedCloudToDeviceMessage {
        var system: [MessageProperty] = []
        if let id { system.append(MessageProperty("$.mid", id)) }
        var application: [MessageProperty] = []
        if let ack { application.append(MessageProperty("iothub-ack", ack.rawValue)) }
        return try await queues.send(to: key ?? device, message: DeviceMessage(body: Array(text.utf8), systemProperties: system,
                                                                                applicationProperties: application),
                                     ttlSeconds: ttlSeconds)
    }

    /// Feedback status codes waiting, oldest first (after the store caught up).
    func feedbackCodes() async throws -> [FeedbackStatusCode] {
        try await queues.flush()
        guard let batch = queues.feedback.receive() else { return [] }
        try queues.feedback.abandon(lockToken: batch.lockToken)
        return batch.records.map(\.statusCode)
    }
}

extension RecordingConnection {
    /// The C2D deliveries received so far.
    var cloudToDevice: [CloudToDeviceDelivery] {
        deliveries.withLock { deliveries in
            deliveries.compactMap { if case .cloudToDevice(let delivery) = $0 { delivery } else { nil } }
        }
    }

    /// The bodies of the C2D deliveries, as text.
    var bodies: [String] { cloudToDevice.map { String(decoding: $0.message.body, as: UTF8.self) } }
}
