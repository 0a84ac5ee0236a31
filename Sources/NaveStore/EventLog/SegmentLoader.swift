import NaveModel
/// Opens one segment file and works out its contents: the header, then either the saved index
/// (when it checks out) or a scan of every record. Used by `PartitionRecovery`.
struct SegmentLoader {
    let partition: Int
    let directory: String
    let recordBytesMax: Int
    let indexIntervalBytes: Int

    func path(_ name: String) -> String { directory + "/" + name }

    func indexPath(baseOffset: Int64) -> String {
        path(SegmentHeader.fileName(baseOffset: baseOffset, suffix: "index"))
    }

    /// Opens a segment and reads its header, or says why the header is not usable.
    func openHeader(name: String, baseOffset: Int64) throws(EventLogError)
        -> (file: LogFile, header: Result<SegmentHeader, SegmentHeader.HeaderProblem>) {
        let file = try LogFile.open(path(name), create: false)
        var header = SegmentHeader.decode(try file.read(count: SegmentHeader.bytes, at: 0))
        if case .success(let found) = header, found.baseOffset != baseOffset || found.partition != partition {
            header = .failure(.notASegment)
        }
        return (file, header)
    }

    /// A sealed segment (not the last): trusts its index when the index's last entry is the
    /// segment's last record, ending exactly at the end of the file; otherwise scans every record,
    /// refusing any damage (records before the tail were acknowledged), and rewrites the index.
    func loadSealed(file: LogFile, header: SegmentHeader) throws(EventLogError) -> Segment {
        let fileBytes = try file.size()
        let saved = SegmentIndex.parse(try readIndex(baseOffset: header.baseOffset), segmentBytes: fileBytes)
        if saved.complete, let last = saved.index.last {
            var segment = Segment(file: file, header: header, index: saved.index)
            if let frameBytes = try? checkRecord(in: segment, at: Int64(last.position),
                                                 relative: Int64(last.relativeSequenceNumber)),
               Int64(last.position) + Int64(frameBytes) == fileBytes {
                segment.recordCount = Int64(last.relativeSequenceNumber) + 1
                segment.lastRecordPosition = Int64(last.position)
                segment.lastEnqueuedTime = last.enqueuedTime
                segment.endPosition = fileBytes
                return segment
            }
        }
        var segment = Segment(file: file, header: header)
        let damage = try scan(into: &segment, to: fileBytes)
        if let (position, reason) = damage {
            throw .corruptRecord(partition: partition, segment: segment.name, position: position, reason: reason)
        }
        _ = segment.sealEntry()
        try LogDirectory.replace(indexPath(baseOffset: header.baseOffset), with: segment.index.encoded(),
                                 directory: directory)
        return segment
    }

    /// Reads and checks the record at `position`: a valid frame, the sequence number and offset
    /// its place says. Returns its frame size.
    func checkRecord(in segment: Segment, at position: Int64, relative: Int64) throws(EventLogError) -> Int {
        var scanner = FrameScanner(file: segment.file, from: position, to: Int64(UInt32.max),
                                   recordBytesMax: recordBytesMax)
        let step = try scanner.next()
        let name = segment.name
        guard case .frame(_, let frameBytes) = step else {
            if case .corrupt(_, let reason) = step {
                throw .corruptRecord(partition: partition, segment: name, position: position, reason: reason)
            }
            throw .corruptSegment(partition: partition, segment: name, reason: "no record at \(position)")
        }
        let expected = (segment.baseSequenceNumber + relative, segment.offset(ofPosition: position))
        do {
            try scanner.withPayload { payload throws(EventRecordCorruption) in
                let header = try EventRecordCodec.decodeHeader(payload)
                guard (header.sequenceNumber, header.offset) == expected else {
                    throw .misplaced(expectedSequenceNumber: expected.0, foundSequenceNumber: header.sequenceNumber,
                                     expectedOffset: expected.1, foundOffset: header.offset)
                }
            }
        } catch {
            throw .corruptRecord(partition: partition, segment: name, position: position, reason: error)
        }
        return frameBytes
    }

    /// Scans records from `segment.endPosition` up to `end`, accounting for each valid one (index
    /// entries included). Stops at the first invalid or misplaced record and returns where it
    /// is and why; nil when every byte up to `end` was valid.
    func scan(into segment: inout Segment, to end: Int64) throws(EventLogError) -> (Int64, EventRecordCorruption)? {
        var scanner = FrameScanner(file: segment.file, from: segment.endPosition, to: end, recordBytesMax: recordBytesMax)
        while true {
            switch try scanner.next() {
            case .end:
                return nil
            case .corrupt(let position, let reason):
                return (position, reason)
            case .frame(let position, let frameBytes):
                let expected = (segment.nextSequenceNumber, segment.offset(ofPosition: position))
                let header: PayloadHeader
                do {
                    header = try scanner.withPayload { payload throws(EventRecordCorruption) in
                        try EventRecordCodec.decodeHeader(payload)
                    }
                } catch {
                    return (position, error)
                }
                guard (header.sequenceNumber, header.offset) == expected,
                      header.enqueuedTime >= segment.lastEnqueuedTime ?? Int64.min else {
                    return (position, .misplaced(expectedSequenceNumber: expected.0,
                                                 foundSequenceNumber: header.sequenceNumber,
                                                 expectedOffset: expected.1, foundOffset: header.offset))
                }
                _ = segment.recordAppended(at: position, frameBytes: frameBytes, enqueuedTime: header.enqueuedTime,
                                           indexIntervalBytes: indexIntervalBytes)
            }
        }
    }

    func readIndex(baseOffset: Int64) throws(EventLogError) -> [UInt8] {
        let path = indexPath(baseOffset: baseOffset)
        guard LogDirectory.exists(path) else { return [] }
        let file = try LogFile.open(path, create: false)
        return try file.read(count: Int(try file.size()), at: 0)
    }
}
