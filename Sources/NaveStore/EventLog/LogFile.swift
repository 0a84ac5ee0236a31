import Glibc

/// Makes a file's written data durable. The seam tests use to count and delay syncs; the log
/// calls it once per group commit (and once when it seals or creates a segment).
public protocol EventFileSyncer: Sendable {
    /// Returns 0 once the data written to `fileDescriptor` is on stable storage, or an errno.
    func syncData(fileDescriptor: Int32) -> Int32
}

/// `fdatasync(2)`: the file's data and the metadata needed to read it back (its size), without
/// the timestamps `fsync` would also write.
public struct FDataSyncer: EventFileSyncer {
    public init() {}

    public func syncData(fileDescriptor: Int32) -> Int32 {
        fdatasync(fileDescriptor) == 0 ? 0 : errno
    }
}

/// An open file of the event log: a segment or its index. Reads and writes are positional
/// (pread/pwrite), so readers on any thread share the descriptor with the writer. The descriptor
/// is closed when the last reference goes, so a reader can finish a segment retention unlinked.
final class LogFile: Sendable {
    let descriptor: Int32
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// Opens `path` for reading and writing; `create` makes it if missing (mode 0644).
    static func open(_ path: String, create: Bool) throws(EventLogError) -> LogFile {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let descriptor = Glibc.open(path, flags, 0o644)
        guard descriptor >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        return LogFile(descriptor: descriptor, path: path)
    }

    func size() throws(EventLogError) -> Int64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
        return Int64(status.st_size)
    }

    /// Reads up to `buffer.count` bytes at `position`; fewer only at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int64) throws(EventLogError) -> Int {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(position) + off_t(done))
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "pread", path: path, errno: errno)
            }
            if count == 0 { break }
            done += count
        }
        return done
    }

    /// Reads `count` bytes at `position` into a new array, shorter only at the end of the file.
    func read(count: Int, at position: Int64) throws(EventLogError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(EventLogError) -> Int in try read(into: buffer, at: position) }
        }
        bytes.removeLast(count - (try result.get()))
        return bytes
    }

    /// Writes all of `bytes` at `position`, retrying short writes.
    func write(_ bytes: UnsafeRawBufferPointer, at position: Int64) throws(EventLogError) {
        var done = 0
        while done < bytes.count {
            let count = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(position) + off_t(done))
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "pwrite", path: path, errno: errno)
            }
            done += count
        }
    }

    func write(_ bytes: [UInt8], at position: Int64) throws(EventLogError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(EventLogError) in try write(buffer, at: position) }
        }
        try result.get()
    }

    func truncate(to size: Int64) throws(EventLogError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw .io(operation: "ftruncate", path: path, errno: errno) }
    }

    func sync(with syncer: any EventFileSyncer) throws(EventLogError) {
        let failure = syncer.syncData(fileDescriptor: descriptor)
        guard failure == 0 else { throw .io(operation: "fdatasync", path: path, errno: failure) }
    }
}

/// Directory operations the log needs, with errors in its vocabulary.
enum LogDirectory {
    /// Creates `path` and missing parents (mode 0755).
    static func create(_ path: String) throws(EventLogError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .io(operation: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    /// fsync of the directory, so files created, renamed or removed in it stay so after a crash.
    static func sync(_ path: String) throws(EventLogError) {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }

    /// The names in `path`, without "." and "..".
    static func names(_ path: String) throws(EventLogError) -> [String] {
        guard let directory = opendir(path) else { throw .io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Removes a file; a file already gone is not an error.
    static func remove(_ path: String) throws(EventLogError) {
        if unlink(path) != 0 && errno != ENOENT { throw .io(operation: "unlink", path: path, errno: errno) }
    }

    /// Writes `bytes` to `path` so that it is either the old or the new content after a crash:
    /// a temporary file, fdatasync, rename over, fsync of the directory.
    static func replace(_ path: String, with bytes: [UInt8], directory: String) throws(EventLogError) {
        let temporary = path + ".tmp"
        let file = try LogFile.open(temporary, create: true)
        try file.truncate(to: 0)
        try file.write(bytes, at: 0)
        try file.sync(with: FDataSyncer())
        guard rename(temporary, path) == 0 else { throw .io(operation: "rename", path: path, errno: errno) }
        try sync(directory)
    }
}
