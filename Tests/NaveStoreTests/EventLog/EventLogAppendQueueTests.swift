import Foundation
import Synchronization
import Testing
@testable import NaveStore

/// The writer's side of the queue, driven from a plain thread as the writer does, so lingering
/// is checked without depending on how fast the cooperative pool resumes appenders.
@Suite("Event log: append queue")
struct EventLogAppendQueueTests {
    /// An append of one event whose completion the test resumes at the end.
    final class Appends: Sendable {
        private let completions = Mutex<[AppendCompletion]>([])
        private let tasks = Mutex<[Task<Void, Never>]>([])

        func make() async -> PendingAppend {
            let before = completions.withLock { $0.count }
            let task = Task {
                _ = try? await withCheckedThrowingContinuation { continuation in
                    completions.withLock { $0.append(AppendCompletion(eventCount: 1, parts: 1, waiter: .continuation(continuation))) }
                }
            }
            tasks.withLock { $0.append(task) }
            while completions.withLock({ $0.count }) == before { await Task.yield() }
            let completion = completions.withLock { $0[before] }
            return PendingAppend(events: [event("dev1", before)], bytes: 100, completion: completion)
        }

        func finish() async {
            for completion in completions.withLock({ $0 }) { completion.fail(.closed) }
            for task in tasks.withLock({ $0 }) { await task.value }
        }
    }

    /// Runs `queue.next` on a thread of its own, like the writer; returns the batch size.
    func next(_ queue: AppendQueue, lingerNanosMax: UInt64) async -> Int {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let work = queue.next(retentionDeadlineNanos: UInt64.max / 2, lingerNanosMax: lingerNanosMax)
                guard case .batch(let batch) = work else { return continuation.resume(returning: -1) }
                continuation.resume(returning: batch.reduce(0) { $0 + $1.events.count })
            }
        }
    }

    func queue(delayMicros: Int) -> AppendQueue {
        var configuration = EventLogConfiguration.small()
        configuration.groupCommitDelayMicros = delayMicros
        return AppendQueue(configuration: configuration)
    }

    @Test("after a batch of 3, the writer waits for 3 before it writes")
    func lingersForThePreviousBatchSize() async throws {
        // A long delay: the batch completes as soon as the third append arrives, and a loaded
        // machine (CI, parallel builds) cannot make the 20 ms pause below outlast the linger.
        let queue = queue(delayMicros: 10_000_000)
        let appends = Appends()
        for _ in 0..<3 { try queue.enqueue(await appends.make()) }
        #expect(await next(queue, lingerNanosMax: 20_000_000_000) == 3)
        #expect(queue.lingerCount == 0, "the first batch has nothing to expect")

        try queue.enqueue(await appends.make())
        async let batch = next(queue, lingerNanosMax: 20_000_000_000)
        try await Task.sleep(for: .milliseconds(20))
        try queue.enqueue(await appends.make())
        try queue.enqueue(await appends.make())
        #expect(await batch == 3)
        #expect(queue.lingerCount >= 1)
        await appends.finish()
    }

    @Test("the wait ends at the delay even if the batch does not fill")
    func lingerIsBounded() async throws {
        let queue = queue(delayMicros: 30_000)
        let appends = Appends()
        for _ in 0..<4 { try queue.enqueue(await appends.make()) }
        #expect(await next(queue, lingerNanosMax: 1_000_000_000) == 4)
        try queue.enqueue(await appends.make())
        let start = ContinuousClock.now
        #expect(await next(queue, lingerNanosMax: 1_000_000_000) == 1)
        #expect(ContinuousClock.now - start >= .milliseconds(29))
        await appends.finish()
    }

    @Test("no wait with no delay configured, with a zero cap (a fast disk), or after a batch of 1")
    func noLinger() async throws {
        let appends = Appends()
        for (delay, cap, previous) in [(0, UInt64(1_000_000_000), 4), (100_000, 0, 4), (100_000, 1_000_000_000, 1)] {
            let queue = queue(delayMicros: delay)
            for _ in 0..<previous { try queue.enqueue(await appends.make()) }
            #expect(await next(queue, lingerNanosMax: cap) == previous)
            try queue.enqueue(await appends.make())
            #expect(await next(queue, lingerNanosMax: cap) == 1)
            #expect(queue.lingerCount == 0)
        }
        await appends.finish()
    }
}
