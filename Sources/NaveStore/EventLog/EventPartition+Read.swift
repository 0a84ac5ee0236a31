import NaveModel

/// A stretch of one segment to read: from `position` up to the durable end, skipping records
/// before the seek target (the index lands at or before it).
private struct ReadPlan {
    var file: LogFile
    var segmentName: String
    var baseOffset: Int64
    var position: Int64
    var end: Int64
    /// Records below any of these are skipped.
    var minimumSequenceNumber = Int64.min
    var minimumOffset = Int64.min
    var minimumTime = Int64.min
}

extension EventPartition {
    /// Up to `maxCount` durable records from `start` on, in order, crossing segments. Empty when
    /// there is nothing at or after `start` yet (and always for `.latest`: see `tail`).
    /// Throws `EventLogError.corruptRecord` when a stored record is damaged.
    public func read(from start: EventStartPosition, maxCount: Int) throws(EventLogError) -> [EventRecord] {
        guard maxCount > 0 else { return [] }
        var plan = try state.withLock { state throws(EventLogError) -> ReadPlan? in
            if state.closed { throw .closed }
            return Self.plan(start, in: state.segments)
        }
        var records: [EventRecord] = []
        while let current = plan {
            try read(current, into: &records, maxCount: maxCount)
            guard records.count < maxCount else { break }
            plan = state.withLock { state in
                guard let next = state.segments.firstIndex(where: { $0.baseOffset > current.baseOffset }) else {
                    return nil
                }
                // Segments do not overlap and the seek target lies before this one: no skipping.
                return Self.plan(from: state.segments[next], at: Int64(SegmentHeader.bytes))
            }
        }
        return records
    }

    private func read(_ plan: ReadPlan, into records: inout [EventRecord], maxCount: Int) throws(EventLogError) {
        var scanner = FrameScanner(file: plan.file, from: plan.position, to: plan.end,
                                   recordBytesMax: configuration.recordBytesMax)
        while records.count < maxCount {
            switch try scanner.next() {
            case .end:
                return
            case .corrupt(let position, let reason):
                throw .corruptRecord(partition: id, segment: plan.segmentName, position: position, reason: reason)
            case .frame(let position, _):
                do {
                    let record = try scanner.withPayload { payload throws(EventRecordCorruption) -> EventRecord? in
                        let header = try EventRecordCodec.decodeHeader(payload)
                        guard header.sequenceNumber >= plan.minimumSequenceNumber, header.offset >= plan.minimumOffset,
                              header.enqueuedTime >= plan.minimumTime else { return nil }
                        return try EventRecordCodec.decode(payload)
                    }
                    if let record { records.append(record) }
                } catch {
                    throw .corruptRecord(partition: id, segment: plan.segmentName, position: position, reason: error)
                }
            }
        }
    }

    private static func plan(from segment: Segment, at position: Int64) -> ReadPlan {
        ReadPlan(file: segment.file, segmentName: segment.name, baseOffset: segment.baseOffset, position: position,
                 end: segment.endPosition)
    }

    /// Finds the segment and index point to start from (nil: nothing there yet).
    private static func plan(_ start: EventStartPosition, in segments: [Segment]) -> ReadPlan? {
        let first = segments.first { $0.recordCount > 0 }
        let active = segments[segments.count - 1]
        switch start {
        case .earliest:
            return first.map { plan(from: $0, at: Int64(SegmentHeader.bytes)) }
        case .latest:
            return nil
        case .sequenceNumber(let target):
            guard let first, target >= first.baseSequenceNumber else { return plan(.earliest, in: segments) }
            guard target < active.nextSequenceNumber,
                  let segment = segments.last(where: { $0.baseSequenceNumber <= target }) else { return nil }
            let entry = segment.index.floor(relativeSequenceNumber: target - segment.baseSequenceNumber)
            var result = plan(from: segment, at: entry.map { Int64($0.position) } ?? Int64(SegmentHeader.bytes))
            result.minimumSequenceNumber = target
            return result
        case .offset(let target):
            guard let first, target > first.baseOffset else { return plan(.earliest, in: segments) }
            guard target < active.endOffset,
                  let segment = segments.last(where: { $0.baseOffset <= target }) else { return nil }
            let entry = segment.index.floor(position: segment.position(ofOffset: target))
            var result = plan(from: segment, at: entry.map { Int64($0.position) } ?? Int64(SegmentHeader.bytes))
            result.minimumOffset = target
            return result
        case .enqueuedTime(let time):
            let target = time.millisecondsSinceEpoch
            // Times never decrease along the partition: the first segment ending at or after
            // the target holds the first record at or after it.
            guard let segment = segments.first(where: { ($0.lastEnqueuedTime ?? Int64.min) >= target }) else {
                return nil
            }
            let entry = segment.index.lastBefore(time: target)
            var result = plan(from: segment, at: entry.map { Int64($0.position) } ?? Int64(SegmentHeader.bytes))
            result.minimumTime = target
            return result
        }
    }
}
