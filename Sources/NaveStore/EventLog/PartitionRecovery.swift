/// Opens a partition's folder after a clean shutdown or a crash and returns its segments, the
/// last one ready for appends.
///
/// Crash model: records reach the disk by pwrite then fdatasync, one batch at a time, and a
/// batch is acknowledged only after its fdatasync. So after a crash only the last batch can be
/// incomplete, and only at the end of the last segment. Recovery therefore:
/// - checks every segment's header, and that segments follow each other without a gap in
///   offsets or sequence numbers;
/// - trusts a sealed segment's index when its last entry is the segment's last record (no scan),
///   and otherwise scans it, refusing any damage: those records were acknowledged;
/// - scans the last segment from its last index point that still checks out, and cuts the file
///   after the last valid record when what follows could be one torn batch (at most
///   `pendingAppendBytesMax` bytes, the most the writer ever has unsynced). More than that is
///   damage, not a torn write, and the log refuses to open rather than drop acknowledged events.
struct PartitionRecovery {
    let partition: Int
    let directory: String
    let configuration: EventLogConfiguration
    let syncer: any EventFileSyncer

    private var loader: SegmentLoader {
        SegmentLoader(partition: partition, directory: directory, recordBytesMax: configuration.recordBytesMax,
                      indexIntervalBytes: configuration.indexIntervalBytes)
    }

    /// The segments, oldest first; the last is the active one, its index rewritten to match it.
    func recover() throws(EventLogError) -> [Segment] {
        try LogDirectory.create(directory)
        var names = try LogDirectory.names(directory)
        for name in names where name.hasSuffix(".tmp") { try LogDirectory.remove(loader.path(name)) }
        names.removeAll { $0.hasSuffix(".tmp") }
        var bases = names.compactMap(SegmentHeader.baseOffset(inFileName:)).sorted()
        for name in names where name.hasSuffix(".index") {
            let base = SegmentHeader.baseOffset(inFileName: String(name.dropLast(6)) + ".log")
            if base.map({ !bases.contains($0) }) ?? true { try LogDirectory.remove(loader.path(name)) }
        }
        guard let lastBase = bases.popLast() else { return [try createFirstSegment()] }
        var segments: [Segment] = []
        for base in bases {
            let name = SegmentHeader.fileName(baseOffset: base)
            let (file, header) = try loader.openHeader(name: name, baseOffset: base)
            guard case .success(let found) = header else {
                throw .corruptSegment(partition: partition, segment: name, reason: "\(header)")
            }
            let segment = try loader.loadSealed(file: file, header: found)
            try checkFollows(segment, after: segments.last)
            segments.append(segment)
        }
        if let last = try recoverLast(baseOffset: lastBase, previous: segments.last) {
            segments.append(last)
        } else if segments.isEmpty {
            return [try createFirstSegment()]
        }
        try LogDirectory.replace(loader.indexPath(baseOffset: segments[segments.count - 1].baseOffset),
                                 with: segments[segments.count - 1].index.encoded(), directory: directory)
        return segments
    }

    /// The last segment with a torn tail cut off, or nil when it was a roll torn before its
    /// header was durable (then the file is removed and the segment before it stays active).
    private func recoverLast(baseOffset: Int64, previous: Segment?) throws(EventLogError) -> Segment? {
        let name = SegmentHeader.fileName(baseOffset: baseOffset)
        let (file, decoded) = try loader.openHeader(name: name, baseOffset: baseOffset)
        let fileBytes = try file.size()
        let header: SegmentHeader
        switch decoded {
        case .success(let found):
            header = found
        case .failure(let problem):
            // Creating a segment syncs its header before anything else happens: a bad header on
            // a file no longer than one is a roll the crash interrupted; anything else is damage.
            let expectedBase = previous?.endOffset ?? 0
            guard fileBytes <= Int64(SegmentHeader.bytes), baseOffset == expectedBase else {
                throw .corruptSegment(partition: partition, segment: name, reason: problem.description)
            }
            try LogDirectory.remove(loader.path(name))
            try LogDirectory.remove(loader.indexPath(baseOffset: baseOffset))
            try LogDirectory.sync(directory)
            return nil
        }
        var segment = Segment(file: file, header: header)
        try checkFollows(segment, after: previous)
        try resume(&segment, fileBytes: fileBytes)
        if let damage = try loader.scan(into: &segment, to: fileBytes) {
            let (position, reason) = damage
            // A torn write leaves a cut frame, zeros or stale bytes that fail the CRC; a whole
            // frame in the wrong place is something else, and so is more than one batch of damage.
            let misplaced = if case .misplaced = reason { true } else { false }
            guard !misplaced, fileBytes - position <= Int64(configuration.pendingAppendBytesMax) else {
                throw .corruptRecord(partition: partition, segment: name, position: position, reason: reason)
            }
            try file.truncate(to: position)
            try file.sync(with: syncer)
        }
        if segment.recordCount == 0, previous != nil {
            // A roll whose first batch never became durable: the previous segment stays active.
            try LogDirectory.remove(loader.path(name))
            try LogDirectory.remove(loader.indexPath(baseOffset: baseOffset))
            try LogDirectory.sync(directory)
            return nil
        }
        return segment
    }

    /// Starts `segment` at the last saved index entry whose record still checks out, so the scan
    /// covers only the tail (at most `indexIntervalBytes` plus what was written since).
    private func resume(_ segment: inout Segment, fileBytes: Int64) throws(EventLogError) {
        var index = SegmentIndex.parse(try loader.readIndex(baseOffset: segment.baseOffset), segmentBytes: fileBytes).index
        while let last = index.last {
            let position = Int64(last.position)
            var probe = Segment(file: segment.file, header: segment.header)
            if let frameBytes = try? loader.checkRecord(in: probe, at: position,
                                                       relative: Int64(last.relativeSequenceNumber)) {
                probe.index = index
                probe.recordCount = Int64(last.relativeSequenceNumber) + 1
                probe.lastRecordPosition = position
                probe.lastEnqueuedTime = last.enqueuedTime
                probe.endPosition = position + Int64(frameBytes)
                segment = probe
                return
            }
            index.truncate(atPosition: position)
        }
    }

    /// Segments must continue each other exactly: a gap means a lost or foreign file.
    private func checkFollows(_ segment: Segment, after previous: Segment?) throws(EventLogError) {
        guard let previous else { return }
        guard segment.baseOffset == previous.endOffset,
              segment.baseSequenceNumber == previous.nextSequenceNumber else {
            throw .corruptSegment(partition: partition, segment: segment.name,
                                  reason: "starts at offset \(segment.baseOffset), sequence \(segment.baseSequenceNumber); "
                                      + "the segment before ends at offset \(previous.endOffset), "
                                      + "sequence \(previous.nextSequenceNumber)")
        }
    }

    private func createFirstSegment() throws(EventLogError) -> Segment {
        try SegmentCreation.create(SegmentHeader(baseOffset: 0, baseSequenceNumber: 0, partition: partition),
                                   in: directory, syncer: syncer).segment
    }
}

/// Makes a new segment durable before any record goes in: header written and synced, index
/// file created, the folder synced so both names survive a crash.
enum SegmentCreation {
    /// Creates the segment file (header synced) and its empty index, and syncs the directory.
    /// When a step fails (ENOSPC writing the header) it removes what it made before throwing:
    /// the segment before stays active and may take more records, and recovery would refuse a
    /// header-less file after it whose base offset no longer follows (issue #11). A failed
    /// removal is thrown instead, which leaves the partition failed.
    static func create(_ header: SegmentHeader, in directory: String,
                       syncer: any EventFileSyncer) throws(EventLogError) -> (segment: Segment, index: LogFile) {
        let path = directory + "/" + SegmentHeader.fileName(baseOffset: header.baseOffset)
        let indexPath = directory + "/" + SegmentHeader.fileName(baseOffset: header.baseOffset, suffix: "index")
        do {
            let file = try LogFile.open(path, create: true)
            try file.truncate(to: 0)
            try file.write(header.encoded(), at: 0)
            try file.sync(with: syncer)
            let index = try LogFile.open(indexPath, create: true)
            try index.truncate(to: 0)
            try LogDirectory.sync(directory)
            return (Segment(file: file, header: header), index)
        } catch {
            try LogDirectory.remove(path)
            try LogDirectory.remove(indexPath)
            try LogDirectory.sync(directory)
            throw error
        }
    }
}
