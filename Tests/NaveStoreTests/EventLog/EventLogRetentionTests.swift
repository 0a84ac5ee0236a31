import NaveCore
import NaveModel
import Testing
@testable import NaveStore

@Suite("Event log: retention")
struct EventLogRetentionTests {
    @Test("segments whose last event is older than retentionMillis go at the next roll; the active one stays")
    func timeRetention() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            var configuration = EventLogConfiguration.small()
            configuration.retentionMillis = 3_600_000
            let log = try EventLog(directory: directory, configuration: configuration, clock: clock)
            for number in 0..<200 { _ = try await log.append(event("dev1", number, bodyBytes: 60)) }
            let before = try segmentFiles(directory)
            #expect(before.count >= 5)

            clock.advance(seconds: 7200)
            // Records until the active segment rolls: retention runs right after a roll.
            var number = 200
            while try segmentFiles(directory).last == before.last {
                _ = try await log.append(event("dev1", number, bodyBytes: 60))
                number += 1
            }
            let after = try segmentFiles(directory)
            #expect(after.count == 2, "the rolled-over segment (new events) and the new active one")
            #expect(after.first == before.last)
            let info = try log.info(partition: 0)
            let oldest = try log.read(partition: 0, from: .earliest, maxCount: 1)[0]
            #expect(info.beginSequenceNumber == oldest.sequenceNumber)
            #expect(info.lastSequenceNumber == Int64(number - 1))
            // A reader positioned before the retained range starts at the oldest retained event.
            #expect(try log.read(partition: 0, from: .sequenceNumber(3), maxCount: 1)[0].sequenceNumber == oldest.sequenceNumber)
            #expect(try log.read(partition: 0, from: .offset(0), maxCount: 1)[0].sequenceNumber == oldest.sequenceNumber)
            await log.close()

            // The retained segments reopen as they are: the first no longer starts at offset 0.
            let reopened = try EventLog(directory: directory, configuration: configuration, clock: clock)
            #expect(try reopened.info(partition: 0) == info)
            #expect(try await reopened.append(event("dev1", number)).sequenceNumber == Int64(number))
            await reopened.close()
        }
    }

    @Test("time retention keeps what a cursor still needs (retainRecords) and removes it once the cursor moved on")
    func retainedForACursor() async throws {
        try await withTimerRetainedLog { directory, clock, log in
            let segments = try segmentFiles(directory).count
            #expect(segments > 2)
            log.retainRecords(partition: 0, from: 10)   // a stalled endpoint delivered 0…9
            clock.advance(seconds: 10)
            try await Task.sleep(for: .milliseconds(100)) // many retention checks
            #expect(try log.read(partition: 0, from: .earliest, maxCount: 1)[0].sequenceNumber <= 10,
                    "record 10 on is kept past the retention time")
            log.retainRecords(partition: 0, from: 100)  // it caught up
            for _ in 0..<400 where try segmentFiles(directory).count > 1 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(try segmentFiles(directory).count == 1)
            await log.close()
        }
    }

    @Test("the timer applies time retention without any append, never to the active segment")
    func retentionTimer() async throws {
        try await withTimerRetainedLog { directory, clock, log in
            #expect(try segmentFiles(directory).count > 1)
            clock.advance(seconds: 10)
            for _ in 0..<400 where try segmentFiles(directory).count > 1 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(try segmentFiles(directory).count == 1)
            let remaining = try log.read(partition: 0, from: .earliest, maxCount: 1000)
            #expect(remaining.last?.sequenceNumber == 99, "the active segment keeps its events")
            await log.close()
        }
    }

    /// A log of 100 records over several segments, retention 1 s checked every 5 ms by its timer.
    private func withTimerRetainedLog(_ body: (String, ManualClock, EventLog) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            var configuration = EventLogConfiguration.small()
            configuration.retentionMillis = 1000
            configuration.retentionCheckIntervalMillis = 5
            let log = try EventLog(directory: directory, configuration: configuration, clock: clock)
            for number in 0..<100 { _ = try await log.append(event("dev1", number, bodyBytes: 60)) }
            try await body(directory, clock, log)
        }
    }

    @Test("retentionBytesMax deletes the oldest segments until the partition fits")
    func sizeRetention() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = EventLogConfiguration.small()
            configuration.retentionBytesMax = 3 * 4096
            let log = try EventLog(directory: directory, configuration: configuration, clock: ManualClock())
            for number in 0..<400 { _ = try await log.append(event("dev1", number, bodyBytes: 60)) }
            let files = try segmentFiles(directory)
            let total = try files.reduce(0) { $0 + (try fileSize($1)) }
            // Checked when segments roll: the active segment may take it up to one segment over.
            #expect(total <= 4 * 4096)
            #expect(total > 2 * 4096)
            #expect(files.count >= 3)
            let records = try log.read(partition: 0, from: .earliest, maxCount: 1000)
            #expect(records.last?.sequenceNumber == 399)
            #expect(records.map(\.sequenceNumber) == Array(records[0].sequenceNumber...399))
            await log.close()
        }
    }
}
