/// One stored event read in place from its record payload (`EventRecordCodec`'s layout): the
/// fixed fields decoded, the ids, properties and body borrowed from the payload's bytes.
///
/// The events drain reads records this way (`EventSource.withRecords`): an AMQP reader's message
/// is encoded straight from the bytes the log holds, with no `String`, array or property list
/// built per event in between (decoding each record into an `EventRecord` was a tenth of the
/// node's time in the drain).
///
/// A view is valid only while the bytes it was made from are: inside the closure that lent
/// them. `init` checks the whole layout (every length and count against the bytes left, the
/// key codes, nothing after the body), so the walks over its properties never read past the
/// payload. Text is not checked for UTF-8 here (`EventRecord(_:)` does when it builds strings):
/// every payload was written from Swift strings, and a frame's CRC-32C guards the bytes since.
public struct EventRecordView {
    public let sequenceNumber: Int64
    public let offset: Int64
    public let enqueuedTime: Timestamp
    /// The device id's UTF-8.
    public let deviceID: UnsafeRawBufferPointer
    /// The module id's UTF-8, for an event a module sent.
    public let moduleID: UnsafeRawBufferPointer?
    public let systemProperties: SystemProperties
    public let applicationProperties: ApplicationProperties
    public let body: UnsafeRawBufferPointer
    /// The size of the whole stored payload.
    public let payloadByteCount: Int

    /// Reads `payload`'s layout; throws the first thing wrong with it, as decoding would.
    public init(payload: UnsafeRawBufferPointer) throws(EventRecordCorruption) {
        var reader = PayloadReader(payload)
        let header = try reader.header()
        payloadByteCount = payload.count
        sequenceNumber = header.sequenceNumber
        offset = header.offset
        enqueuedTime = Timestamp(millisecondsSinceEpoch: header.enqueuedTime)
        deviceID = try reader.slice("device id")
        moduleID = header.hasModule ? try reader.slice("module id") : nil

        let systemCount = try reader.count("system property count", minimumEntryBytes: 2)
        let systemStart = reader.position
        for _ in 0..<systemCount {
            let code = try reader.byte("system property key")
            if code == 0 {
                _ = try reader.slice("system property key")
            } else if Int(code) > EventRecordCodec.systemKeys.count {
                throw .unknownSystemKey(code: code)
            }
            _ = try reader.slice("system property value")
        }
        systemProperties = SystemProperties(count: systemCount, bytes: reader.bytes(from: systemStart))

        let applicationCount = try reader.count("application property count", minimumEntryBytes: 2)
        let applicationStart = reader.position
        for _ in 0..<applicationCount {
            _ = try reader.slice("application property key")
            _ = try reader.slice("application property value")
        }
        applicationProperties = ApplicationProperties(count: applicationCount, bytes: reader.bytes(from: applicationStart))

        body = try reader.slice("body")
        guard reader.remaining == 0 else { throw .trailingBytes(count: reader.remaining) }
    }
}

extension EventRecordView {
    /// A system property's key as stored: one of `EventRecordCodec.systemKeys` by its code, or
    /// any other key as its UTF-8.
    public enum Key {
        /// `EventRecordCodec.systemKeys[code - 1]`.
        case known(code: UInt8)
        case other(UnsafeRawBufferPointer)

        /// The key as text (for a key without a code, a new string).
        public var text: String {
            switch self {
            case .known(let code): EventRecordCodec.systemKeys[Int(code) - 1]
            case .other(let utf8): String(decoding: utf8, as: UTF8.self)
            }
        }
    }

    /// The system properties in stored order. `bytes` holds exactly `count` of them, checked by
    /// `EventRecordView.init`.
    public struct SystemProperties: Sequence {
        public let count: Int
        let bytes: UnsafeRawBufferPointer

        public func makeIterator() -> Iterator { Iterator(remaining: count, cursor: CheckedLayoutCursor(bytes)) }

        public struct Iterator: IteratorProtocol {
            var remaining: Int
            var cursor: CheckedLayoutCursor

            public mutating func next() -> (key: Key, value: UnsafeRawBufferPointer)? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                let code = cursor.byte()
                let key: Key = code == 0 ? .other(cursor.slice()) : .known(code: code)
                return (key, cursor.slice())
            }
        }
    }

    /// The application properties in stored order, keys and values as UTF-8.
    public struct ApplicationProperties: Sequence {
        public let count: Int
        let bytes: UnsafeRawBufferPointer

        public func makeIterator() -> Iterator { Iterator(remaining: count, cursor: CheckedLayoutCursor(bytes)) }

        public struct Iterator: IteratorProtocol {
            var remaining: Int
            var cursor: CheckedLayoutCursor

            public mutating func next() -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                return (cursor.slice(), cursor.slice())
            }
        }
    }
}

/// Walks bytes whose layout `EventRecordView.init` has already checked: no bounds or varint
/// checks again (a broken invariant still traps on the buffer's own bounds check).
struct CheckedLayoutCursor {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func byte() -> UInt8 {
        defer { position += 1 }
        return bytes[position]
    }

    /// A length-prefixed field (unsigned LEB128 length, then the bytes).
    mutating func slice() -> UnsafeRawBufferPointer {
        var length = 0
        var shift = 0
        while true {
            let byte = byte()
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        defer { position += length }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + length])
    }
}
