import NaveModel

/// One read of the events endpoint: where to start in every partition, how many events, how
/// long to wait for the first one, and an optional device and consumer group.
public struct EventReadRequest: Sendable, Equatable {
    /// partition → next sequence number, when the caller continues a read.
    public var positions: [Int: Int64]?
    /// Where to start in a partition without a position or a checkpoint.
    public var start: EventStartPosition
    public var deviceID: String?
    public var consumerGroup: String?
    public var maxCount: Int
    public var waitMillis: Int

    public init(positions: [Int: Int64]? = nil, start: EventStartPosition = .latest, deviceID: String? = nil,
                consumerGroup: String? = nil, maxCount: Int = 100, waitMillis: Int = 0) {
        self.positions = positions
        self.start = start
        self.deviceID = deviceID
        self.consumerGroup = consumerGroup
        self.maxCount = maxCount
        self.waitMillis = waitMillis
    }
}

/// What a read found and where the reader continues.
public struct EventReadResult: Sendable {
    public var events: [(partition: Int, record: EventRecord)]
    /// partition → next sequence number to read.
    public var positions: [Int: Int64]
    /// The reader has seen everything there is; a reader still behind must not count the time
    /// as silence (`monitor-events --timeout`).
    public var caughtUp: Bool
    /// Why the consumer group's checkpoint was not stored, if it was not (the read stands).
    public var checkpointNotStored: String?
}

/// Reads the events endpoint for back ends: start positions (given, a consumer group's
/// checkpoint, or a start such as `latest`), bounded reads with a device filter, long polling
/// for the first event, and the consumer group's checkpoint saved after each read.
public final class EventReader: Sendable {
    public let source: any EventSource
    let checkpoints: (any CheckpointStore)?
    let scheduler: any HubScheduler

    /// Events looked at per read when a device filter skips others' (bounds one answer's work).
    public static let scannedEventsMax = 20_000
    /// Records fetched from a partition at once.
    static let readBatchMax = 1_000

    public init(source: any EventSource, checkpoints: (any CheckpointStore)?, scheduler: any HubScheduler) {
        self.source = source
        self.checkpoints = checkpoints
        self.scheduler = scheduler
    }

    public func read(_ request: EventReadRequest) async throws(HubError) -> EventReadResult {
        var positions = try await startPositions(request)
        var found = try read(from: &positions, request: request)
        if found.isEmpty, request.waitMillis > 0 {
            await waitForAnyAppend(after: positions, millis: request.waitMillis)
            found = try read(from: &positions, request: request)
        }
        var checkpointNotStored: String?
        if let group = request.consumerGroup, let checkpoints {
            // A lost checkpoint costs a reader a re-read, never an event: not worth failing the
            // read, but the caller hears of it.
            do { try await checkpoints.save(positions, for: group) } catch { checkpointNotStored = "\(error)" }
        }
        return EventReadResult(events: found, positions: positions, caughtUp: caughtUp(positions),
                               checkpointNotStored: checkpointNotStored)
    }

    /// The caller's positions; else the consumer group's checkpoint; else `start`.
    private func startPositions(_ request: EventReadRequest) async throws(HubError) -> [Int: Int64] {
        if let given = request.positions { return given }
        var stored: [Int: Int64] = [:]
        if let group = request.consumerGroup, let checkpoints { stored = (try? await checkpoints.checkpoints(of: group)) ?? [:] }
        var positions: [Int: Int64] = [:]
        for partition in 0..<source.partitionCount {
            if let checkpoint = stored[partition] {
                positions[partition] = checkpoint
                continue
            }
            positions[partition] = try firstSequenceNumber(partition: partition, from: request.start)
        }
        return positions
    }

    /// The sequence number a reader starting at `start` reads first in `partition`: the next
    /// one to be appended when nothing retained is at or after `start`.
    public func firstSequenceNumber(partition: Int, from start: EventStartPosition) throws(HubError) -> Int64 {
        let info = try source.partitionInfo(partition)
        switch start {
        case .latest: return info.lastSequenceNumber + 1
        case .earliest: return info.beginSequenceNumber
        case .sequenceNumber(let number): return max(number, info.beginSequenceNumber)
        case .offset, .enqueuedTime:
            let first = (try? source.records(partition: partition, from: start, maxCount: 1))?.first
            return first?.sequenceNumber ?? info.lastSequenceNumber + 1
        }
    }

    /// Up to `maxCount` matching events from the positions on, advancing them. With a device
    /// filter, other devices' events are skipped — up to `scannedEventsMax` per read, so a
    /// reader far behind a busy log still gets an answer soon (and reads on from where it got).
    private func read(from positions: inout [Int: Int64], request: EventReadRequest) throws(HubError) -> [(partition: Int, record: EventRecord)] {
        var found: [(partition: Int, record: EventRecord)] = []
        var scanned = 0
        for partition in positions.keys.sorted() {
            while found.count < request.maxCount, scanned < Self.scannedEventsMax {
                let records = try source.records(partition: partition, from: .sequenceNumber(positions[partition]!),
                                              maxCount: min(Self.readBatchMax, request.maxCount - found.count + (request.deviceID == nil ? 0 : 1_000)))
                guard !records.isEmpty else { break }
                for record in records where found.count < request.maxCount {
                    positions[partition] = record.sequenceNumber + 1
                    scanned += 1
                    if request.deviceID == nil || record.deviceID == request.deviceID { found.append((partition, record)) }
                }
            }
        }
        return found
    }

    /// Whether `positions` are past the last event of every partition.
    private func caughtUp(_ positions: [Int: Int64]) -> Bool {
        positions.allSatisfy { partition, next in
            guard let info = try? source.partitionInfo(partition) else { return true }
            return next > info.lastSequenceNumber
        }
    }

    /// Returns when any partition got an event after its position, or after `millis` on the
    /// hub's scheduler (so a manual clock drives it in tests).
    private func waitForAnyAppend(after positions: [Int: Int64], millis: Int) async {
        let source = self.source
        let scheduler = self.scheduler
        await withTaskGroup(of: Void.self) { group in
            for (partition, next) in positions {
                group.addTask { await source.awaitAppend(partition: partition, after: next - 1) }
            }
            group.addTask { await scheduler.sleep(millis: Int64(millis)) }
            await group.next()
            group.cancelAll()
        }
    }
}
