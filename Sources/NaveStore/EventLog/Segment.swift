/// One segment of a partition as the partition knows it: its file, header and index, and how
/// far its durable records go. Only the partition's writer changes it, under the partition lock.
struct Segment {
    let file: LogFile
    let header: SegmentHeader
    var index: SegmentIndex
    /// File position just past the last durable record: readers never look beyond it.
    var endPosition: Int64
    var recordCount: Int64
    /// The last record's file position and enqueued time, when there is one.
    var lastRecordPosition: Int64?
    var lastEnqueuedTime: Int64?

    init(file: LogFile, header: SegmentHeader, index: SegmentIndex = SegmentIndex()) {
        self.file = file
        self.header = header
        self.index = index
        endPosition = Int64(SegmentHeader.bytes)
        recordCount = 0
    }

    var name: String { SegmentHeader.fileName(baseOffset: header.baseOffset) }
    var baseOffset: Int64 { header.baseOffset }
    var baseSequenceNumber: Int64 { header.baseSequenceNumber }
    /// The sequence number the next record in this segment would get.
    var nextSequenceNumber: Int64 { header.baseSequenceNumber + recordCount }
    /// The offset the next record in this segment would get.
    var endOffset: Int64 { offset(ofPosition: endPosition) }
    /// Bytes on disk (header included), for size-based retention.
    var sizeBytes: Int64 { endPosition }

    func offset(ofPosition position: Int64) -> Int64 { header.baseOffset + position - Int64(SegmentHeader.bytes) }
    func position(ofOffset offset: Int64) -> Int64 { offset - header.baseOffset + Int64(SegmentHeader.bytes) }

    func contains(sequenceNumber: Int64) -> Bool {
        sequenceNumber >= header.baseSequenceNumber && sequenceNumber < nextSequenceNumber
    }

    /// Accounts for one more durable record at `position`, adding an index entry when it is the
    /// first, or `indexIntervalBytes` past the last entry. Returns the entry it added.
    mutating func recordAppended(at position: Int64, frameBytes: Int, enqueuedTime: Int64,
                                 indexIntervalBytes: Int) -> IndexEntry? {
        var added: IndexEntry?
        let due = index.last.map { position - Int64($0.position) >= Int64(indexIntervalBytes) } ?? true
        if due {
            let entry = IndexEntry(relativeSequenceNumber: UInt32(recordCount), position: UInt32(position),
                                   enqueuedTime: enqueuedTime)
            index.append(entry)
            added = entry
        }
        recordCount += 1
        lastRecordPosition = position
        lastEnqueuedTime = enqueuedTime
        endPosition = position + Int64(frameBytes)
        return added
    }

    /// The entry for the last record, for the seal: the index then tells the segment's end
    /// without a scan when the partition is opened again. Nil when it is already there.
    mutating func sealEntry() -> IndexEntry? {
        guard let position = lastRecordPosition, let time = lastEnqueuedTime,
              index.last.map({ Int64($0.position) < position }) ?? true else { return nil }
        let entry = IndexEntry(relativeSequenceNumber: UInt32(recordCount - 1), position: UInt32(position),
                               enqueuedTime: time)
        index.append(entry)
        return entry
    }
}
