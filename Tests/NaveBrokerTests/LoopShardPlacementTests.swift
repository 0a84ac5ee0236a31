import Glibc
import NaveCore
import NaveIO
import NaveModel
import NaveNode
import Synchronization
import Testing

/// The node's placement: C2D shards and inboxes on real event loops.
@Suite("Shard placement on event loops", .serialized)
struct LoopShardPlacementTests {
    /// A device connection that notes the loop each delivery is handed over on.
    final class LoopNotingConnection: LiveConnection {
        let loops = Mutex<[Int?]>([])
        func revoke(_ reason: RevocationReason) {}
        func deliver(_ delivery: DeviceDelivery) { loops.withLock { $0.append(EventLoop.current?.index) } }
    }

    @Test("a device's C2D shard runs on the loop its id hashes to, and flush waits for its events")
    func cloudToDeviceShardOnItsLoop() async throws {
        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 2))
        defer { group.shutdownGracefully(gracePeriod: .zero) }
        let clock = ManualClock()
        let registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SystemRandom())
        let device = IdentityKey(deviceID: "dev1")
        _ = try await registry.createDevice(DeviceRequest(deviceID: "dev1"))
        let queues = try await CloudToDeviceQueues.open(registry: registry, store: InMemoryCloudToDeviceStore(), clock: clock,
                                                        scheduler: ManualScheduler(), random: SystemRandom(),
                                                        placement: LoopShardPlacement(loops: group.loops))
        for text in ["a", "b"] {
            try await queues.send(to: device, message: DeviceMessage(body: Array(text.utf8)))
        }
        let connection = LoopNotingConnection()
        _ = registry.connections.register(connection, as: device, at: clock.now(), admittedAt: registry.connections.revocationEpoch)
        queues.deviceReady(device)
        try await queues.flush()
        let home = ShardHash.index(of: "dev1", shardCount: 2)
        #expect(connection.loops.withLock { $0 } == [home, home])
        #expect(await queues.pendingCount(device) == 2)
    }

    /// Counts what it receives, on its loop.
    actor Counter {
        let loop: EventLoop
        var count = 0
        var offLoop = 0
        nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor }

        init(loop: EventLoop) { self.loop = loop }

        func take(_ value: Int) {
            if EventLoop.current !== loop { offLoop += 1 }
            count += 1
        }
    }

    @Test("an inbox whose ring is full overflows into tasks and loses nothing")
    func overflowLosesNothing() async throws {
        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1))
        defer { group.shutdownGracefully(gracePeriod: .zero) }
        let counter = Counter(loop: group.loops[0])
        let inbox = LoopShardPlacement(loops: group.loops, inboxCapacity: 4).makeInbox(home: 0, of: Int.self)
        inbox.bind(counter) { counter, value in counter.take(value) }
        // The loop is held busy while the messages are sent, so the 4-slot ring fills and the
        // other 1,996 must overflow into tasks.
        let held = LoopHold()
        group.loops[0].execute { held.waitForRelease() }
        for value in 0..<2_000 { inbox.send(value) }
        held.release()
        var waited = 0
        while await counter.count < 2_000, waited < 10_000 {
            try await Task.sleep(for: .milliseconds(1))
            waited += 1
        }
        #expect(await counter.count == 2_000)
        #expect(await counter.offLoop == 0, "every message, overflowed or not, ran on the actor's loop")
    }
}

/// Keeps a loop busy until released, from a test thread.
final class LoopHold: Sendable {
    private let released = Atomic<Bool>(false)

    func waitForRelease() {
        while !released.load(ordering: .acquiring) { usleep(100) }
    }

    func release() { released.store(true, ordering: .releasing) }
}
