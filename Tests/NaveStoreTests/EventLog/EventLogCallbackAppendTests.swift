import NaveCore
import NaveModel
import Synchronization
import Testing
@testable import NaveStore

/// `append(_:completion:)`: the telemetry path without a task (issue #18 G6b). Same group
/// commit, same durability and order as the async `append`; only the way the caller hears differs.
@Suite("Event log: callback append")
struct EventLogCallbackAppendTests {
    /// Collects callback outcomes; `all` waits until `count` arrived.
    final class Outcomes: Sendable {
        private let stream: AsyncStream<(Int, Result<[EventPosition], any Error>)>
        private let input: AsyncStream<(Int, Result<[EventPosition], any Error>)>.Continuation

        init() { (stream, input) = AsyncStream.makeStream() }

        func callback(_ number: Int) -> @Sendable (Result<[EventPosition], any Error>) -> Void {
            { [input] result in input.yield((number, result)) }
        }

        func all(_ count: Int) async -> [Int: Result<[EventPosition], any Error>] {
            var outcomes: [Int: Result<[EventPosition], any Error>] = [:]
            for await (number, result) in stream {
                outcomes[number] = result
                if outcomes.count == count { break }
            }
            return outcomes
        }
    }

    @Test("appends queued one after another from one thread share syncs, keep their order, and each completes only after a sync covering it")
    func groupCommitAndOrder() async throws {
        try await withTemporaryDirectory { directory in
            let syncer = RecordingSyncer(delayMicros: 2000)
            let log = try EventLog(directory: directory, configuration: .small(segmentBytes: 16 << 20), clock: ManualClock(),
                                   syncer: syncer)
            let descriptor = try log.partition(0).state.withLock { $0.active.file.descriptor }
            let uncovered = SharedCounter()
            let outcomes = Outcomes()
            let records = 200
            var end = Int64(SegmentHeader.bytes)
            for number in 0..<records {
                let data = event("dev1", number)
                // Where the record ends in the file: a sync before its callback must cover it.
                end += frameBytes(data)
                let (recordEnd, report) = (end, outcomes.callback(number))
                try log.append([data]) { result in
                    if syncer.durableBytes(descriptor: descriptor) < recordEnd { uncovered.add(1) }
                    report(result)
                }
            }
            let results = await outcomes.all(records)
            let sequenceNumbers = try (0..<records).map { try results[$0]!.get()[0].sequenceNumber }
            #expect(sequenceNumbers == Array(0..<Int64(records)), "each call's event lands in call order")
            #expect(uncovered.current == 0)
            #expect(log.statistics.groupCommits * 4 <= records, "\(log.statistics.groupCommits) syncs for \(records) records")
            let stored = try log.read(partition: 0, from: .earliest, maxCount: records + 1)
            #expect(stored.map(\.body) == (0..<records).map { event("dev1", $0).body })
            await log.close()
        }
    }

    @Test("an oversize record is thrown before anything is queued; a closed log answers through the callback")
    func refusals() async throws {
        try await withTemporaryDirectory { directory in
            let log = try EventLog(directory: directory, configuration: .small(), clock: ManualClock())
            let big = event("dev1", 0, bodyBytes: 1100)
            #expect(throws: EventLogError.recordTooLarge(payloadBytes: EventRecordCodec.payloadBytes(of: big), recordBytesMax: 1024)) {
                try log.append([big]) { _ in Issue.record("no callback after a thrown refusal") }
            }
            #expect(try log.info(partition: 0).isEmpty)
            await log.close()
            let outcomes = Outcomes()
            try log.append([event("dev1", 1)], completion: outcomes.callback(0))
            let result = await outcomes.all(1)[0]!
            #expect(throws: EventLogError.closed) { try result.get() }
        }
    }
}
