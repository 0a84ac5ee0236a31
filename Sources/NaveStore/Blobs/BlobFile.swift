import NaveCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor of the blob store, closed exactly once. The store's file calls in
/// one place, each failure turned into `BlobError.internalError` with the path's role and errno
/// (never the data).
final class BlobFile: Sendable {
    let descriptor: Int32

    private init(_ descriptor: Int32) { self.descriptor = descriptor }

    /// A new file for writing (`O_EXCL`: temporary names are never reused).
    static func create(_ path: String) throws(BlobError) -> BlobFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("create", path) }
        return BlobFile(fd)
    }

    static func openForReading(_ path: String) throws(BlobError) -> BlobFile? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        return BlobFile(fd)
    }

    deinit { close(descriptor) }

    func writeAll(_ bytes: [UInt8]) throws(BlobError) {
        var failed = false
        bytes.withUnsafeBytes { buffer in failed = !writeAllOrFail(buffer) }
        if failed { throw Self.failure("write", "a temporary file") }
    }

    func writeAll(_ bytes: UnsafeRawBufferPointer) throws(BlobError) {
        guard writeAllOrFail(bytes) else { throw Self.failure("write", "a temporary file") }
    }

    private func writeAllOrFail(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// Up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int64, count: Int) throws(BlobError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        var failed = false
        bytes.withUnsafeMutableBytes { buffer in
            while filled < count {
                let got = pread(descriptor, buffer.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
                if got < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                if got == 0 { break }
                filled += got
            }
        }
        if failed { throw Self.failure("read", "a blob") }
        bytes.removeLast(count - filled)
        return bytes
    }

    func sync() throws(BlobError) {
        guard fsync(descriptor) == 0 else { throw Self.failure("sync", "a blob file") }
    }

    var size: Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return 0 }
        return Int64(info.st_size)
    }

    static func failure(_ operation: String, _ path: String) -> BlobError {
        .internalError("cannot \(operation) \(path): \(String(cString: strerror(errno)))")
    }

    /// `rename`, then fsync of the directory, so the new name survives a crash.
    static func rename(_ from: String, to: String, directory: String) throws(BlobError) {
        guard Glibc.rename(from, to) == 0 else { throw failure("rename", to) }
        syncDirectory(directory)
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func makeDirectory(_ path: String) throws(BlobError) {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw failure("create", path) }
    }

    static func remove(_ path: String) { _ = unlink(path) }

    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }
}
