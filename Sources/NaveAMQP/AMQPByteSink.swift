/// Where AMQP bytes are written: a growable array, or memory sized beforehand (`ReservedBytes`)
/// — the events drain encodes each message, and pads Proton's frames, straight into room it
/// reserved, without an `Array`'s uniqueness and capacity checks on every small append.
protocol AMQPByteSink {
    /// Bytes written so far.
    var count: Int { get }
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: UnsafeRawBufferPointer)
    /// Overwrites a byte already written (a compound's header, once its size is known).
    mutating func store(_ byte: UInt8, at index: Int)
    /// Removes `range` of what was written; what follows moves back.
    mutating func remove(_ range: Range<Int>)
}

extension Array: AMQPByteSink where Element == UInt8 {
    mutating func store(_ byte: UInt8, at index: Int) { self[index] = byte }
    mutating func remove(_ range: Range<Int>) { removeSubrange(range) }
}

/// A stretch of memory written from its start. Sized by its user first (the padded frames'
/// exact size, a message's upper bound); writing past its end traps rather than corrupting
/// memory (unsafe buffers check bounds only in debug builds, so the checks here are explicit).
struct ReservedBytes: AMQPByteSink {
    private let room: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ room: UnsafeMutableRawBufferPointer) { self.room = room }

    mutating func append(_ byte: UInt8) {
        precondition(count < room.count, "wrote past the reserved room")
        room[count] = byte
        count += 1
    }

    mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= room.count - count, "wrote past the reserved room")
        guard let source = bytes.baseAddress else { return }
        (room.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func store(_ byte: UInt8, at index: Int) {
        precondition(index < count, "stored outside what was written")
        room[index] = byte
    }

    mutating func remove(_ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "removed outside what was written")
        let base = room.baseAddress!
        (base + range.lowerBound).copyMemory(from: base + range.upperBound, byteCount: count - range.upperBound)
        count -= range.count
    }
}
