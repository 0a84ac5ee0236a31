import NaveCore
import NaveModel
import Synchronization
import Testing
@testable import NaveStore

@Suite("Event log: group commit")
struct EventLogGroupCommitTests {
    @Test("many concurrent appenders share fdatasyncs, and each returns only after a sync covering it")
    func concurrentAppendersShareSyncs() async throws {
        try await withTemporaryDirectory { directory in
            // A 2 ms sync: appends pile up behind each one, as they do behind a slow disk.
            let syncer = RecordingSyncer(delayMicros: 2000)
            let log = try EventLog(directory: directory, configuration: .small(segmentBytes: 16 << 20), clock: ManualClock(),
                                   syncer: syncer)
            let descriptor = try log.partition(0).state.withLock { $0.active.file.descriptor }
            let syncsBefore = syncer.calls
            let appenders = 64, perAppender = 10
            let uncovered = SharedCounter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appender in 0..<appenders {
                    group.addTask {
                        for number in 0..<perAppender {
                            let data = event("dev1", appender * 1000 + number)
                            let position = try await log.append(data)
                            // Where the record ends in the file: a sync before this return must cover it.
                            let frameBytes = EventFrame.frameBytes(payloadBytes: EventRecordCodec.payloadBytes(of: data))
                            let end = Int64(SegmentHeader.bytes) + position.offset + Int64(frameBytes)
                            if syncer.durableBytes(descriptor: descriptor) < end { uncovered.add(1) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let records = appenders * perAppender
            let syncs = syncer.calls - syncsBefore
            let statistics = log.statistics
            #expect(uncovered.current == 0)
            #expect(statistics.recordsCommitted == records)
            #expect(statistics.groupCommits == syncs)
            #expect(syncs * 8 <= records, "\(syncs) syncs for \(records) records")
            #expect(statistics.largestGroupCommitRecords > 8)
            let stored = try log.read(partition: 0, from: .earliest, maxCount: records + 1)
            #expect(stored.map(\.sequenceNumber) == Array(0..<Int64(records)))
            await log.close()
        }
    }

    @Test("a batch never exceeds groupCommitRecordsMax records")
    func recordsMaxBoundsBatches() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = EventLogConfiguration.small(segmentBytes: 16 << 20)
            configuration.groupCommitRecordsMax = 5
            let log = try EventLog(directory: directory, configuration: configuration, clock: ManualClock(),
                                   syncer: RecordingSyncer(delayMicros: 1000))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appender in 0..<40 {
                    group.addTask { _ = try await log.append(event("dev1", appender)) }
                }
                try await group.waitForAll()
            }
            #expect(log.statistics.largestGroupCommitRecords <= 5)
            #expect(log.statistics.groupCommits >= 8)
            await log.close()
        }
    }

    @Test("a lone appender does not wait for the linger delay")
    func loneAppenderDoesNotLinger() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = EventLogConfiguration.small()
            configuration.groupCommitDelayMicros = 100_000
            let log = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
            for number in 0..<5 { _ = try await log.append(event("dev1", number)) }
            #expect(try log.partition(0).queue.lingerCount == 0)
            #expect(log.statistics.groupCommits == 5)
            await log.close()
        }
    }

    @Test("appends beyond pendingAppendBytesMax wait their turn and are all stored in order")
    func backPressure() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = EventLogConfiguration.small(segmentBytes: 16 << 20)
            configuration.pendingAppendBytesMax = 2048 // about 2 records of ~1 KiB
            let syncer = RecordingSyncer(delayMicros: 1000)
            let log = try EventLog(directory: directory, configuration: configuration, clock: ManualClock(), syncer: syncer)
            let peak = SharedCounter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appender in 0..<30 {
                    group.addTask {
                        _ = try await log.append(event("dev1", appender, bodyBytes: 900))
                        peak.max(try log.pendingAppendBytes(partition: 0))
                    }
                }
                try await group.waitForAll()
            }
            #expect(peak.current <= 2048)
            #expect(try log.read(partition: 0, from: .earliest, maxCount: 100).count == 30)
            await log.close()
        }
    }

    @Test("close writes what is queued before the writers stop")
    func closeDrains() async throws {
        try await withTemporaryDirectory { directory in
            let log = try EventLog(directory: directory, configuration: .small(segmentBytes: 16 << 20), clock: ManualClock(),
                                   syncer: RecordingSyncer(delayMicros: 2000))
            let appends = Task {
                try await withThrowingTaskGroup(of: Int64?.self) { group in
                    for number in 0..<50 {
                        group.addTask { try? await log.append(event("dev1", number)).sequenceNumber }
                    }
                    return try await group.reduce(into: [Int64]()) { if let value = $1 { $0.append(value) } }
                }
            }
            try await Task.sleep(for: .milliseconds(3))
            await log.close()
            let acknowledged = try await appends.value
            let reopened = try EventLog(directory: directory, configuration: .small(segmentBytes: 16 << 20), clock: ManualClock())
            let stored = try reopened.read(partition: 0, from: .earliest, maxCount: 100)
            #expect(Set(acknowledged).isSubset(of: Set(stored.map(\.sequenceNumber))))
            #expect(stored.map(\.sequenceNumber) == Array(0..<Int64(stored.count)))
            await reopened.close()
        }
    }
}
