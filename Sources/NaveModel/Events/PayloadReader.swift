/// The fixed fields at the start of every record payload (`EventRecordCodec`).
public struct PayloadHeader: Equatable, Sendable {
    public var hasModule: Bool
    public var sequenceNumber: Int64
    public var offset: Int64
    public var enqueuedTime: Int64
}

/// A bounds-checked cursor over one record's payload: every read checks the bytes left first
/// and throws `EventRecordCorruption` instead of reading past the end.
struct PayloadReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func header() throws(EventRecordCorruption) -> PayloadHeader {
        guard remaining >= EventRecordCodec.variablePartAt else {
            throw .truncated(field: "record header", needed: EventRecordCodec.variablePartAt, available: remaining)
        }
        let version = bytes[0]
        guard version == EventRecordCodec.version else { throw .unsupportedVersion(version) }
        let flags = bytes[1]
        guard flags & ~EventRecordCodec.moduleFlag == 0 else { throw .unknownFlags(flags) }
        position = EventRecordCodec.variablePartAt
        return PayloadHeader(hasModule: flags & EventRecordCodec.moduleFlag != 0,
                             sequenceNumber: int64(at: EventRecordCodec.sequenceNumberAt),
                             offset: int64(at: EventRecordCodec.offsetAt),
                             enqueuedTime: int64(at: EventRecordCodec.enqueuedTimeAt))
    }

    private func int64(at index: Int) -> Int64 {
        Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: Int64.self))
    }

    mutating func byte(_ field: String) throws(EventRecordCorruption) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(field: field, needed: 1, available: 0) }
        defer { position += 1 }
        return bytes[position]
    }

    /// Unsigned LEB128 up to 2³²−1 in at most 5 bytes, shortest form only.
    mutating func varint(_ field: String) throws(EventRecordCorruption) -> Int {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for index in 0..<5 {
            let byte = try self.byte(field)
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                // A zero final byte after the first is a padded (non-shortest) encoding.
                guard index == 0 || byte != 0, value <= UInt64(UInt32.max) else { throw .invalidVarint(field: field) }
                return Int(value)
            }
            shift += 7
        }
        throw .invalidVarint(field: field)
    }

    /// A count of entries that each take at least `minimumEntryBytes`, so a corrupt count cannot
    /// make the decoder reserve more than the payload could hold.
    mutating func count(_ field: String, minimumEntryBytes: Int) throws(EventRecordCorruption) -> Int {
        let count = try varint(field)
        guard count <= remaining / minimumEntryBytes else {
            throw .truncated(field: field, needed: count * minimumEntryBytes, available: remaining)
        }
        return count
    }

    /// A length-prefixed field, borrowed from the payload.
    mutating func slice(_ field: String) throws(EventRecordCorruption) -> UnsafeRawBufferPointer {
        let count = try varint(field)
        guard count <= remaining else { throw .truncated(field: field, needed: count, available: remaining) }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    /// The bytes from `start` to the current position.
    func bytes(from start: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[start..<position])
    }

    /// `slice` as a `String` when it is valid UTF-8. Ids and property values are nearly always
    /// ASCII, which is valid as it stands and is taken without `String(validating:as:)`: that
    /// initializer is generic over the encoding and looked up type metadata on every call
    /// (about 5 % of the node's time in the events drain).
    static func text(_ slice: UnsafeRawBufferPointer) -> String? {
        var isASCII = true
        for byte in slice where byte >= 0x80 {
            isASCII = false
            break
        }
        guard isASCII else { return String(validating: slice, as: UTF8.self) }
        return String(decoding: slice, as: UTF8.self)
    }
}
