import Foundation
import NaveCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The node's blob SAS key (`BlobSASSigner`): 32 random bytes, hex, in `<dir>/blobs.key`
/// (mode 0600), made at first start with the hub's random source. Never logged; the node and
/// `nave storage container-sas` read the same file, so SAS minted by either are valid at both.
extension DataDirectory {
    /// `<dir>/blobs.key`.
    public var blobKeyFile: String { Self.blobKeyFile(in: path) }

    static func blobKeyFile(in path: String) -> String { path + "/blobs.key" }

    /// The key, made (atomically: a temporary file linked into place, so two starters agree on
    /// one) when there is none.
    public static func blobKey(in path: String, random: any HubRandom) throws(DataDirectoryError) -> [UInt8] {
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        let file = blobKeyFile(in: path)
        if let key = try readBlobKey(file, directory: path) { return key }
        let temporary = "\(file).\(getpid()).tmp"
        let text = random.bytes(BlobSASSigner.keyByteCount).map { String(format: "%02x", $0) }.joined() + "\n"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unusable(path: path, reason: "cannot create \(file)") }
        let written = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        _ = fsync(descriptor)
        Glibc.close(descriptor)
        defer { unlink(temporary) }
        guard written == text.utf8.count else { throw .unusable(path: path, reason: "cannot write \(file)") }
        guard link(temporary, file) == 0 || errno == EEXIST else { throw .unusable(path: path, reason: "cannot create \(file)") }
        guard let key = try readBlobKey(file, directory: path) else { throw .unusable(path: path, reason: "\(file) vanished") }
        return key
    }

    private static func readBlobKey(_ file: String, directory: String) throws(DataDirectoryError) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var key: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex, let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex),
              let byte = UInt8(text[index..<next], radix: 16) {
            key.append(byte)
            index = next
        }
        guard index == text.endIndex, key.count == BlobSASSigner.keyByteCount else {
            throw .unusable(path: directory, reason: "\(file) is not a blob key (64 hex digits)")
        }
        return key
    }
}
