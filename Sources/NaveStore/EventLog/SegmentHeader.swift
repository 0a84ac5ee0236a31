/// The first 32 bytes of every segment file, written and synced when the segment is created,
/// before any record goes in.
///
/// ```
/// 0   4  magic "NVEL"
/// 4   2  format version (1), u16 LE
/// 6   2  zero
/// 8   8  base offset: the offset of the segment's first record, i64 LE
/// 16  8  base sequence number: the sequence number of its first record, i64 LE
/// 24  4  partition, u32 LE
/// 28  4  CRC-32C of bytes 0..<28, u32 LE
/// ```
///
/// Why a header (Kafka's segments have none): a freshly rolled segment holds no record yet, and
/// once retention has removed the segments before it, nothing else on disk would say which
/// sequence number comes next. The magic and partition also catch a file put in the wrong place.
/// Offsets count record bytes only: a record at file position `p` has offset
/// `baseOffset + p - SegmentHeader.bytes`.
struct SegmentHeader: Equatable {
    static let bytes = 32
    static let magic: [UInt8] = Array("NVEL".utf8)
    static let formatVersion: UInt16 = 1

    var baseOffset: Int64
    var baseSequenceNumber: Int64
    var partition: Int

    func encoded() -> [UInt8] {
        var bytes = Self.magic
        withUnsafeBytes(of: Self.formatVersion.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [0, 0])
        withUnsafeBytes(of: baseOffset.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: baseSequenceNumber.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(partition).littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: CRC32C.checksum(bytes).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Parses a header; the reason when the bytes are not one.
    static func decode(_ bytes: [UInt8]) -> Result<SegmentHeader, HeaderProblem> {
        guard bytes.count >= Self.bytes else { return .failure(.short(bytes.count)) }
        guard Array(bytes[0..<4]) == magic else { return .failure(.notASegment) }
        return bytes.withUnsafeBytes { raw in
            let version = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
            let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
            guard stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<28])) else {
                return .failure(.checksumMismatch)
            }
            guard version == formatVersion else { return .failure(.unsupportedVersion(version)) }
            return .success(SegmentHeader(
                baseOffset: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: Int64.self)),
                baseSequenceNumber: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: Int64.self)),
                partition: Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt32.self)))))
        }
    }

    enum HeaderProblem: Error, Equatable, CustomStringConvertible {
        case short(Int)
        case notASegment
        case checksumMismatch
        case unsupportedVersion(UInt16)

        var description: String {
            switch self {
            case .short(let count): "header is \(count) bytes, needs \(SegmentHeader.bytes)"
            case .notASegment: "no segment magic"
            case .checksumMismatch: "header CRC-32C does not match"
            case .unsupportedVersion(let version): "unsupported segment format \(version)"
            }
        }
    }

    /// A segment's file name: its base offset in 20 digits (sorts by name as by offset), `.log`.
    static func fileName(baseOffset: Int64, suffix: String = "log") -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "." + suffix
    }

    /// The base offset in a segment's file name, or nil for any other name.
    static func baseOffset(inFileName name: String) -> Int64? {
        guard name.hasSuffix(".log"), name.utf8.count == 24 else { return nil }
        let digits = name.dropLast(4)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(digits)
    }
}
