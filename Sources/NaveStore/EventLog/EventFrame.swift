import NaveModel

/// How records sit in a segment file: `u32 LE payload length`, `u32 LE CRC-32C of the payload`,
/// then the payload (`EventRecordCodec`). The length comes first so a reader knows how much to
/// read; the CRC tells a whole record from a torn or damaged one.
public enum EventFrame {
    /// Length and checksum.
    public static let headerBytes = 8

    /// The bytes a frame of `payloadBytes` takes on disk.
    public static func frameBytes(payloadBytes: Int) -> Int { headerBytes + payloadBytes }

    /// Appends a whole frame for `data` to `buffer` and returns its size on disk.
    static func append(_ data: EventData, sequenceNumber: Int64, offset: Int64, enqueuedTime: Timestamp,
                       to buffer: inout [UInt8]) -> Int {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: headerBytes))
        EventRecordCodec.append(data, sequenceNumber: sequenceNumber, offset: offset, enqueuedTime: enqueuedTime,
                                to: &buffer)
        let payloadCount = buffer.count - start - headerBytes
        buffer.withUnsafeMutableBytes { bytes in
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(start + headerBytes)...])
            bytes.storeBytes(of: UInt32(payloadCount).littleEndian, toByteOffset: start, as: UInt32.self)
            bytes.storeBytes(of: CRC32C.checksum(payload).littleEndian, toByteOffset: start + 4, as: UInt32.self)
        }
        return buffer.count - start
    }

    /// A whole frame for `record`, as a new array (tests and fixtures).
    public static func encode(_ record: EventRecord) -> [UInt8] {
        var buffer: [UInt8] = []
        _ = append(record.data, sequenceNumber: record.sequenceNumber, offset: record.offset,
                   enqueuedTime: record.enqueuedTime, to: &buffer)
        return buffer
    }

    /// What the bytes at the start of a buffer hold.
    public enum Step: Equatable {
        /// A checked frame: its payload is `payload` (indices into the buffer), `frameBytes` long in all.
        case frame(payload: Range<Int>, frameBytes: Int)
        /// The buffer ends inside a frame that will be `frameBytes` long once complete.
        case needMore(frameBytes: Int)
    }

    /// Looks at the frame starting at `bytes[0]`: its length must be within
    /// `EventRecordCodec.minimumPayloadBytes…recordBytesMax` and, once all of it is there, its
    /// CRC must match. The payload itself is not decoded.
    public static func next(in bytes: UnsafeRawBufferPointer, recordBytesMax: Int) throws(EventRecordCorruption) -> Step {
        guard bytes.count >= headerBytes else { return .needMore(frameBytes: headerBytes) }
        let length = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        guard Int(length) >= EventRecordCodec.minimumPayloadBytes, Int(length) <= recordBytesMax else {
            throw .lengthOutOfRange(length: length, max: recordBytesMax)
        }
        let frameBytes = headerBytes + Int(length)
        guard bytes.count >= frameBytes else { return .needMore(frameBytes: frameBytes) }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[headerBytes..<frameBytes]))
        guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }
        return .frame(payload: headerBytes..<frameBytes, frameBytes: frameBytes)
    }

    /// Decodes one whole frame that must fill `bytes` exactly (a record read back by position).
    public static func decodeRecord(_ bytes: [UInt8], recordBytesMax: Int) throws(EventRecordCorruption) -> EventRecord {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(EventRecordCorruption) -> EventRecord in
                switch try next(in: raw, recordBytesMax: recordBytesMax) {
                case .needMore(let frameBytes):
                    throw .truncated(field: "frame", needed: frameBytes, available: raw.count)
                case .frame(let payload, let frameBytes):
                    guard frameBytes == raw.count else { throw .trailingBytes(count: raw.count - frameBytes) }
                    return try EventRecordCodec.decode(UnsafeRawBufferPointer(rebasing: raw[payload]))
                }
            }
        }
        return try result.get()
    }
}
