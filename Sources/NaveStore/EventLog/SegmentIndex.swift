/// One point of a segment's sparse index: the record at file position `position` has sequence
/// number `baseSequenceNumber + relativeSequenceNumber` and was enqueued at `enqueuedTime`.
struct IndexEntry: Equatable {
    static let bytes = 16

    var relativeSequenceNumber: UInt32
    var position: UInt32
    var enqueuedTime: Int64
}

/// A segment's sparse index (`<base offset>.index`): an entry for its first record, then one
/// each time `indexIntervalBytes` of log have passed, and one for its last record when it is
/// sealed. Each entry is `u32 LE relative sequence number, u32 LE file position, i64 LE enqueued
/// time (ms)`.
///
/// One index instead of Kafka's separate offset and time indexes: offsets here are byte positions
/// (no lookup needed to find a file position) and enqueued times never decrease within a
/// partition (the writer stamps them), so the same sorted entries answer seeks by offset,
/// sequence number and time. A seek lands on the entry before its target and then scans at most
/// `indexIntervalBytes` plus one record.
///
/// The file is written after the records it points at are durable and is synced only when the
/// segment is sealed; it can always be rebuilt from the segment, so a damaged one is rebuilt.
struct SegmentIndex: Equatable {
    private(set) var entries: [IndexEntry] = []

    var last: IndexEntry? { entries.last }
    var count: Int { entries.count }

    mutating func append(_ entry: IndexEntry) {
        if let last = entries.last {
            precondition(entry.relativeSequenceNumber > last.relativeSequenceNumber && entry.position > last.position,
                         "index entries must increase")
        }
        entries.append(entry)
    }

    /// Drops entries at or past `position` (after a torn tail was cut off).
    mutating func truncate(atPosition position: Int64) {
        while let last = entries.last, Int64(last.position) >= position { entries.removeLast() }
    }

    /// The last entry at or before file position `position`.
    func floor(position: Int64) -> IndexEntry? {
        last { Int64($0.position) <= position }
    }

    /// The last entry at or before relative sequence number `relative`.
    func floor(relativeSequenceNumber relative: Int64) -> IndexEntry? {
        last { Int64($0.relativeSequenceNumber) <= relative }
    }

    /// The last entry enqueued strictly before `time`: every record before it is earlier too.
    func lastBefore(time: Int64) -> IndexEntry? {
        last { $0.enqueuedTime < time }
    }

    /// Binary search for the last entry satisfying a predicate that is true for a prefix.
    private func last(where isBefore: (IndexEntry) -> Bool) -> IndexEntry? {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if isBefore(entries[middle]) { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : entries[low - 1]
    }

    // MARK: File form

    static func encode(_ entry: IndexEntry) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(IndexEntry.bytes)
        withUnsafeBytes(of: entry.relativeSequenceNumber.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: entry.position.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: entry.enqueuedTime.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    func encoded() -> [UInt8] { entries.flatMap(Self.encode) }

    /// Parses an index file's bytes and keeps the longest prefix that is well formed: whole
    /// entries, the first at the first record, positions and sequence numbers increasing, times
    /// not decreasing, positions inside a segment of `segmentBytes`. `complete` says whether
    /// every byte was kept.
    static func parse(_ bytes: [UInt8], segmentBytes: Int64) -> (index: SegmentIndex, complete: Bool) {
        var index = SegmentIndex()
        let whole = bytes.count / IndexEntry.bytes
        bytes.withUnsafeBytes { raw in
            for number in 0..<whole {
                let at = number * IndexEntry.bytes
                let entry = IndexEntry(
                    relativeSequenceNumber: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)),
                    position: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self)),
                    enqueuedTime: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at + 8, as: Int64.self)))
                guard Int64(entry.position) < segmentBytes else { return }
                if let previous = index.entries.last {
                    guard entry.relativeSequenceNumber > previous.relativeSequenceNumber,
                          entry.position > previous.position,
                          entry.enqueuedTime >= previous.enqueuedTime else { return }
                } else {
                    guard entry.relativeSequenceNumber == 0, Int(entry.position) == SegmentHeader.bytes else { return }
                }
                index.entries.append(entry)
            }
        }
        return (index, index.count * IndexEntry.bytes == bytes.count)
    }
}
