import NaveCore
import NaveModel
import Testing
@testable import NaveStore

@Suite("Event log: followers")
struct EventLogTailTests {
    @Test("a tail from .latest sees only later events, wakes on each append, and ends at close")
    func tailWakesOnAppend() async throws {
        try await withTemporaryDirectory { directory in
            let log = try EventLog(directory: directory, configuration: .small(), clock: ManualClock())
            _ = try await log.append(event("dev1", 0))
            let tail = try log.tail(partition: 0, from: .latest)
            let follower = Task {
                var seen: [Int64] = []
                for try await record in tail { seen.append(record.sequenceNumber) }
                return seen
            }
            for number in 1...5 {
                _ = try await log.append(event("dev1", number))
                try await Task.sleep(for: .milliseconds(2))
            }
            try await log.waitForAppend(partition: 0, after: 4)
            // Give the follower time to catch up, then close: its loop ends without an error.
            for _ in 0..<200 {
                try await Task.sleep(for: .milliseconds(5))
                if try log.info(partition: 0).lastSequenceNumber == 5 { break }
            }
            try await Task.sleep(for: .milliseconds(50))
            await log.close()
            #expect(try await follower.value == [1, 2, 3, 4, 5])
        }
    }

    @Test("waitForAppend returns at once when a newer record exists, waits otherwise, and can be cancelled")
    func waitForAppend() async throws {
        try await withTemporaryDirectory { directory in
            let log = try EventLog(directory: directory, configuration: .small(), clock: ManualClock())
            _ = try await log.append(event("dev1", 0))
            try await log.waitForAppend(partition: 0, after: -1)

            let waiter = Task { try await log.waitForAppend(partition: 0, after: 0) }
            try await Task.sleep(for: .milliseconds(10))
            _ = try await log.append(event("dev1", 1))
            try await waiter.value

            let cancelled = Task { try await log.waitForAppend(partition: 0, after: 1) }
            try await Task.sleep(for: .milliseconds(10))
            cancelled.cancel()
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            #expect(log.partitions[0].state.withLock { $0.waiters.isEmpty })
            await log.close()
        }
    }

    @Test("a follower running beside appenders sees only durable events, gapless, each appender's in its order")
    func followerBesideAppenders() async throws {
        try await withTemporaryDirectory { directory in
            let syncer = RecordingSyncer(delayMicros: 300)
            let log = try EventLog(directory: directory, configuration: .small(segmentBytes: 16 << 20), clock: ManualClock(),
                                   syncer: syncer)
            let descriptor = try log.partition(0).state.withLock { $0.active.file.descriptor }
            let total = 400, appenders = 4
            let tail = try log.tail(partition: 0, from: .earliest)
            let follower = Task {
                var numbers: [Int] = []
                var undurable = 0
                for try await record in tail {
                    #expect(record.sequenceNumber == Int64(numbers.count))
                    let end = Int64(SegmentHeader.bytes) + record.offset + frameBytes(record.data)
                    if syncer.durableBytes(descriptor: descriptor) < end { undurable += 1 }
                    numbers.append(Int(record.applicationProperties[0].value)!)
                    #expect(record.data == event("dev1", numbers.last!))
                    if numbers.count == total { break }
                }
                return (numbers, undurable)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appender in 0..<appenders {
                    group.addTask {
                        for number in stride(from: appender, to: total, by: appenders) {
                            _ = try await log.append(event("dev1", number))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (numbers, undurable) = try await follower.value
            #expect(undurable == 0)
            #expect(numbers.sorted() == Array(0..<total))
            for appender in 0..<appenders {
                let own = numbers.filter { $0 % appenders == appender }
                #expect(own == own.sorted(), "appender \(appender)'s events in call order")
            }
            await log.close()
        }
    }
}
