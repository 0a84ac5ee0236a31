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
        var records: [EventRecord] = []
        var failure: EventRecordCorruption?
        _ = try visit(from: start, maxCount: maxCount) { view in
            do throws(EventRecordCorruption) {
                records.append(try EventRecordCodec.decode(view))
                return true
            } catch {
                failure = error
                return false
            }
        } corrupt: { failure }
        return records
    }

    /// Lends up to `maxCount` durable records from `start` on to `body`, in place, until it
    /// returns false; returns how many it lent. The same records as `read`, none decoded.
    public func withRecords(from start: EventStartPosition, maxCount: Int,
                            _ body: (EventRecordView) -> Bool) throws(EventLogError) -> Int {
        try visit(from: start, maxCount: maxCount, body) { nil }
    }

    /// The walk behind both reads. `corrupt` says, after `body` stopped the walk, whether it
    /// stopped for a record it could not take (then reported as the damaged record it is).
    private func visit(from start: EventStartPosition, maxCount: Int, _ body: (EventRecordView) -> Bool,
                       corrupt: () -> EventRecordCorruption?) throws(EventLogError) -> Int {
        guard maxCount > 0 else { return 0 }
        var plan = try state.withLock { state throws(EventLogError) -> ReadPlan? in
            if state.closed { throw .closed }
            return Self.plan(start, in: state.segments)
        }
        var lent = 0
        while let current = plan {
            guard try visit(current, maxCount: maxCount, lent: &lent, body, corrupt: corrupt), lent < maxCount else { break }
            plan = state.withLock { state in
                guard let next = state.segments.firstIndex(where: { $0.baseOffset > current.baseOffset }) else {
                    return nil
                }
                // Segments do not overlap and the seek target lies before this one: no skipping.
                return Self.plan(from: state.segments[next], at: Int64(SegmentHeader.bytes))
            }
        }
        return lent
    }

    /// One segment's stretch; false when `body` stopped the walk.
    private func visit(_ plan: ReadPlan, maxCount: Int, lent: inout Int, _ body: (EventRecordView) -> Bool,
                       corrupt: () -> EventRecordCorruption?) throws(EventLogError) -> Bool {
        var scanner = FrameScanner(file: plan.file, from: plan.position, to: plan.end,
                                   recordBytesMax: configuration.recordBytesMax)
        while lent < maxCount {
            switch try scanner.next() {
            case .end:
                return true
            case .corrupt(let position, let reason):
                throw .corruptRecord(partition: id, segment: plan.segmentName, position: position, reason: reason)
            case .frame(let position, _):
                let goOn: Bool
                do {
                    goOn = try scanner.withPayload { payload throws(EventRecordCorruption) -> Bool in
                        let view = try EventRecordView(payload: payload)
                        guard view.sequenceNumber >= plan.minimumSequenceNumber, view.offset >= plan.minimumOffset,
                              view.enqueuedTime.millisecondsSinceEpoch >= plan.minimumTime else { return true }
                        lent += 1
                        if body(view) { return true }
                        if let reason = corrupt() { throw reason }
                        return false
                    }
                } catch {
                    throw .corruptRecord(partition: id, segment: plan.segmentName, position: position, reason: error)
                }
                guard goOn else { return false }
            }
        }
        return true
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
