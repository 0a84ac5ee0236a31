import NaveIO
import Synchronization
import Testing

/// An actor pinned to a loop: its methods run on the loop thread.
actor LoopBoundCounter {
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor }
    private(set) var count = 0
    private(set) var ranOnLoopThread = true

    init(loop: EventLoop) { self.loop = loop }

    func increment() {
        if EventLoop.current !== loop { ranOnLoopThread = false }
        count += 1
    }

    func snapshot() -> (count: Int, onLoop: Bool) { (count, ranOnLoopThread) }
}

/// Delivers received byte counts into a loop-bound actor synchronously, on the loop thread.
final class ActorFeedingHandler: ConnectionHandler {
    let counter: LoopBoundCounter
    init(_ counter: LoopBoundCounter) { self.counter = counter }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        connection.loop.runIsolated(counter, count) { counter, count in
            for _ in 0..<count { counter.increment() }
        }
    }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {}
}

@Suite("Loops as executors", .serialized)
struct LoopExecutorTests {
    @Test("an actor whose executor is a loop runs on that loop's thread", arguments: allBackends)
    func actorRunsOnLoop(backend: EventLoopConfiguration.BackendChoice) async throws {
        let group = try makeGroup(backend: backend, loops: 2)
        defer { group.shutdownGracefully() }
        let counter = LoopBoundCounter(loop: group.loops[1])
        await withTaskGroup(of: Void.self) { tasks in
            for _ in 0..<8 { tasks.addTask { for _ in 0..<1000 { await counter.increment() } } }
        }
        let snapshot = await counter.snapshot()
        #expect(snapshot.count == 8000)
        #expect(snapshot.onLoop)
    }

    @Test("socket completions reach a loop-bound actor on the same thread, without a hop", arguments: allBackends)
    func completionsReachActorInline(backend: EventLoopConfiguration.BackendChoice) async throws {
        let group = try makeGroup(backend: backend, loops: 1)
        defer { group.shutdownGracefully() }
        let counter = LoopBoundCounter(loop: group.loops[0])
        let listener = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!) { _ in ActorFeedingHandler(counter) }
        let client = try BlockingClient(port: listener.address.port)
        client.send(patternBytes(5000))
        var snapshot = (count: 0, onLoop: true)
        for _ in 0..<5000 where snapshot.count < 5000 {
            snapshot = await counter.snapshot()
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(snapshot.count == 5000)
        #expect(snapshot.onLoop)
    }

    @Test("the loop's task executor runs tasks on the loop thread")
    func taskExecutorPreference() async throws {
        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1))
        defer { group.shutdownGracefully() }
        let loop = group.loops[0]
        let onLoop = await Task(executorPreference: loop.taskExecutor) {
            EventLoop.current === loop
        }.value
        #expect(onLoop)
    }

    @Test("execute and submit run on the loop from any thread")
    func executeFromOutside() async throws {
        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 2))
        defer { group.shutdownGracefully() }
        for loop in group.loops {
            let index = await loop.submit { EventLoop.current?.index ?? -1 }
            #expect(index == loop.index)
            #expect(loop.submitAndWait { loop.inLoop })
        }
    }
}

@Suite("Cross-loop mailboxes")
struct MailboxTests {
    @Test("the MPSC ring refuses when full and keeps FIFO order")
    func ringBoundsAndOrder() {
        let ring = MPSCRing<Int>(capacity: 5)
        #expect(ring.capacity == 8)
        for value in 0..<8 { #expect(ring.tryPush(value) == nil) }
        #expect(ring.tryPush(99) == 99)
        for value in 0..<8 { #expect(ring.pop() == value) }
        #expect(ring.pop() == nil)
    }

    @Test("many producers on other threads and loops deliver every message once, in per-producer order")
    func contendedMailbox() throws {
        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 2))
        defer { group.shutdownGracefully() }
        let producers = 6
        let perProducer = 50_000
        let state = Mutex<(count: Int, last: [Int], outOfOrder: Int)>((0, Array(repeating: -1, count: producers), 0))
        let mailbox = Mailbox<(producer: Int, sequence: Int)>(capacity: 256, on: group.loops[0]) { message in
            state.withLock { state in
                if message.sequence != state.last[message.producer] + 1 { state.outOfOrder += 1 }
                state.last[message.producer] = message.sequence
                state.count += 1
            }
        }
        let refusals = Atomic<Int>(0)
        // Four plain threads and a producer on the other loop (the cross-loop case).
        var threads: [Thread] = []
        for producer in 0..<(producers - 1) {
            threads.append(Thread {
                for sequence in 0..<perProducer {
                    while !mailbox.send((producer, sequence)) {
                        refusals.add(1, ordering: .relaxed)
                        sched_yield()
                    }
                }
            })
        }
        let loopProducer = producers - 1
        group.loops[1].execute {
            // A loop must not spin waiting for space (it would starve its own work): it retries
            // on its next turn.
            final class Sender: @unchecked Sendable {
                var next = 0
                func run(_ loop: EventLoop, _ mailbox: Mailbox<(producer: Int, sequence: Int)>, _ total: Int, _ producer: Int) {
                    while next < total, mailbox.send((producer, next)) { next += 1 }
                    if next < total { loop.execute { self.run(loop, mailbox, total, producer) } }
                }
            }
            Sender().run(group.loops[1], mailbox, perProducer, loopProducer)
        }
        for thread in threads { thread.join() }
        #expect(eventually(timeout: .seconds(30)) { state.withLock { $0.count } == producers * perProducer })
        let final = state.withLock { $0 }
        #expect(final.outOfOrder == 0)
        #expect(final.last == Array(repeating: perProducer - 1, count: producers))
        #expect(refusals.load(ordering: .relaxed) > 0, "a 256-slot mailbox under this load must have refused some sends")
    }
}

import Glibc
