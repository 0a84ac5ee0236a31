/// A blob's place: its container and its name (Azure Storage "Naming and referencing
/// containers, blobs, and metadata"). Nave serves blobs path-style on the hub's HTTPS listener
/// (`/{container}/{blob…}`, reference §5.4 Placement), so container names that are also a
/// first path word of a hub route are refused.
public struct BlobAddress: Sendable, Hashable, CustomStringConvertible {
    public let container: String
    public let name: String

    /// Longest blob name, in UTF-8 bytes (Azure: 1,024 characters).
    public static let nameBytesMax = 1_024
    /// Most `/`-separated segments in a blob name (Azure: 254).
    public static let nameSegmentsMax = 254

    /// The address, if both names are acceptable.
    public init(container: String, name: String) throws(BlobError) {
        guard Self.isValidContainerName(container) else { throw .invalidResourceName("container '\(container)'") }
        guard !Self.reservedContainerNames.contains(container) else {
            throw .invalidResourceName("container '\(container)' is a hub route")
        }
        guard Self.isValidBlobName(name) else { throw .invalidResourceName("blob name") }
        self.container = container
        self.name = name
    }

    public var description: String { "\(container)/\(name)" }

    /// First path words of the hub's REST routes (contract §4.2, reference §5.4) and Nave's own.
    public static let reservedContainerNames: Set<String> = [
        "devices", "twins", "jobs", "configurations", "messages", "statistics", "digitaltwins",
        "policies", "events", "eventhub", "modules", "query", "routing",
    ]

    /// Azure's rule: 3–63 characters, lower-case letters, digits and `-`, starting and ending
    /// with a letter or digit, no `--`.
    public static func isValidContainerName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func isLetterOrDigit(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        guard isLetterOrDigit(bytes[0]), isLetterOrDigit(bytes[bytes.count - 1]) else { return false }
        var previous: UInt8 = 0
        for byte in bytes {
            guard isLetterOrDigit(byte) || byte == UInt8(ascii: "-") else { return false }
            if byte == UInt8(ascii: "-"), previous == byte { return false }
            previous = byte
        }
        return true
    }

    /// 1–1,024 UTF-8 bytes, at most 254 segments, no control characters, and no empty, `.` or
    /// `..` segment (Azure allows some of these; Nave refuses them so a name never means two
    /// paths).
    public static func isValidBlobName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...nameBytesMax).contains(bytes.count), !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }) else { return false }
        let segments = name.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count <= nameSegmentsMax else { return false }
        return segments.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}

import NaveAuth
import NaveEncoding

extension BlobAddress {
    /// A file-name-safe key for the blob inside its container: hex SHA-256 of the name (names
    /// hold `/` and may be longer than a file name may be).
    public var storageKey: String { Hex.encode(Digest.sha256(Array(name.utf8))) }
}
