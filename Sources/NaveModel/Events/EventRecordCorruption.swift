/// Why bytes read back from a partition are not a valid record. Decoders return these instead
/// of trapping, whatever the bytes: recovery uses them to find a torn tail, readers to report
/// damage with the file and position (`EventLogError.corruptRecord`).
public enum EventRecordCorruption: Error, Sendable, Equatable, CustomStringConvertible {
    /// The frame's length field is below the smallest payload or above `recordBytesMax`.
    case lengthOutOfRange(length: UInt32, max: Int)
    /// Fewer bytes are left than the frame or a field needs.
    case truncated(field: String, needed: Int, available: Int)
    /// The payload's CRC-32C differs from the frame's.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// A payload format this version does not read.
    case unsupportedVersion(UInt8)
    /// Flag bits this version does not define are set.
    case unknownFlags(UInt8)
    /// A variable-length integer runs over 5 bytes, past 2³²−1, or is not in its shortest form.
    case invalidVarint(field: String)
    /// A text field is not valid UTF-8.
    case invalidUTF8(field: String)
    /// A one-byte system property code with no key in `EventRecordCodec.systemKeys`.
    case unknownSystemKey(code: UInt8)
    /// The payload has bytes after the body.
    case trailingBytes(count: Int)
    /// The record decodes but is not where the log expects it: its sequence number or offset
    /// disagrees with its place in the partition.
    case misplaced(expectedSequenceNumber: Int64, foundSequenceNumber: Int64, expectedOffset: Int64, foundOffset: Int64)

    public var description: String {
        switch self {
        case .lengthOutOfRange(let length, let max): "record length \(length) outside 1…\(max)"
        case .truncated(let field, let needed, let available): "\(field) needs \(needed) bytes, \(available) left"
        case .checksumMismatch(let stored, let computed): "CRC-32C \(hex(computed)) does not match stored \(hex(stored))"
        case .unsupportedVersion(let version): "unsupported record version \(version)"
        case .unknownFlags(let flags): "unknown record flags \(hex(UInt32(flags)))"
        case .invalidVarint(let field): "invalid length or count for \(field)"
        case .invalidUTF8(let field): "\(field) is not UTF-8"
        case .unknownSystemKey(let code): "unknown system property code \(code)"
        case .trailingBytes(let count): "\(count) bytes after the body"
        case .misplaced(let expectedSequence, let foundSequence, let expectedOffset, let foundOffset):
            "record says sequence \(foundSequence) offset \(foundOffset), expected \(expectedSequence) at \(expectedOffset)"
        }
    }
}

private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
