import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A node's data directory, held exclusively for as long as this value is open.
///
/// Layout (DESIGN.md, Storage): `nave.sqlite` (registry, twins, queues, checkpoints), `certs/`
/// (the hub's certificates and their private keys), `events/` (one folder of log segments per
/// partition), `nave.lock` (the lock below) and `node.json` (how a CLI reaches the running node).
///
/// Two nodes on one directory would interleave SQLite writers and event segments, so opening
/// takes `flock(LOCK_EX | LOCK_NB)` on `nave.lock` and a second opener — another process, or
/// another `DataDirectory` in this one (flock locks belong to the open file description, so a
/// new descriptor conflicts too) — gets `DataDirectoryError.locked`. The kernel drops the lock
/// when the process dies, so a crash never leaves a stale lock behind (a stale `node.json` can
/// remain; `isLocked` tells the two apart).
public final class DataDirectory: Sendable {
    /// The directory, absolute and standardised (so errors and `node.json` name one path).
    public let path: String
    /// The lock file's descriptor while open; `nil` once closed.
    private let lockDescriptor: Mutex<Int32?>

    /// `<dir>/nave.sqlite`.
    public var database: String { path + "/nave.sqlite" }
    /// `<dir>/certs/`, created with mode 0700 (it holds private keys).
    public var certificates: String { path + "/certs/" }
    /// `<dir>/events/`, created with mode 0700.
    public var events: String { path + "/events/" }
    /// `<dir>/nave.lock`.
    public var lockFile: String { Self.lockFile(in: path) }
    /// `<dir>/node.json`.
    public var advertisementFile: String { Self.advertisementFile(in: path) }

    /// Opens the data directory at `path` and locks it, creating its subdirectories (mode 0700)
    /// when missing. The directory itself is created only when `creation` says the user named
    /// it; else a missing one throws `DataDirectoryError.missing`. Throws `.locked` when a node
    /// holds it. Does a few small synchronous file-system calls: call it at start, not on a
    /// loop thread.
    public init(path given: String, creation: DataDirectoryCreation) throws(DataDirectoryError) {
        try Self.prepare(given, creation)
        let path = URL(fileURLWithPath: given).standardizedFileURL.path
        self.path = path
        let descriptor = try Self.lock(path)
        lockDescriptor = Mutex(descriptor)
        do {
            try Self.createDirectory(path + "/certs")
            try Self.createDirectory(path + "/events")
        } catch {
            Self.unlock(descriptor)
            throw error
        }
    }

    deinit { close() }

    /// Removes `node.json` and releases the lock. Idempotent. `node.json` goes first, so a node
    /// that takes the lock right after never has its fresh advertisement deleted by this one.
    public func close() {
        lockDescriptor.withLock { descriptor in
            guard let open = descriptor else { return }
            _ = unlink(Self.advertisementFile(in: path))
            Self.unlock(open)
            descriptor = nil
        }
    }

    /// Whether a node (in this process or another) holds the directory at `path`. A missing
    /// directory or lock file means no. Probes with a shared lock, released at once.
    public static func isLocked(_ path: String) -> Bool {
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        let descriptor = open(lockFile(in: path), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { closeDescriptor(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(descriptor, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    static func lockFile(in path: String) -> String { path + "/nave.lock" }
    static func advertisementFile(in path: String) -> String { path + "/node.json" }

    /// Creates `path` (and missing parents) with mode 0700, or checks that the directory there
    /// is one; `prepare` decides whether creating is allowed.
    static func createDirectory(_ path: String) throws(DataDirectoryError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .unusable(path: path, reason: "not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unusable(path: path, reason: "cannot create it: \(error.localizedDescription)")
        }
    }

    private static func lock(_ path: String) throws(DataDirectoryError) -> Int32 {
        let file = lockFile(in: path)
        let descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .unusable(path: path, reason: "cannot open \(file): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            closeDescriptor(descriptor)
            guard code == EWOULDBLOCK else {
                throw .unusable(path: path, reason: "cannot lock \(file): \(String(cString: strerror(code)))")
            }
            // Best effort: name the holder when it advertised itself.
            throw .locked(path: path, holderPID: (try? readAdvertisement(in: path))?.pid)
        }
        return descriptor
    }

    private static func unlock(_ descriptor: Int32) {
        // Closing the only descriptor of the open file description releases the flock.
        closeDescriptor(descriptor)
    }
}

/// `close(2)`, out here because `DataDirectory.close()` shadows it inside the class.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// Why a data directory could not be opened.
public enum DataDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another node holds the directory's lock; `holderPID` comes from its `node.json` if any.
    case locked(path: String, holderPID: Int32?)
    /// The path cannot serve as a data directory (not a directory, no permission, …).
    case unusable(path: String, reason: String)
    /// Nothing is at `path` (as the user gave it), and nobody asked for a directory to be made
    /// there: a default, or a command that only reads or changes an existing hub.
    case missing(path: String)

    public var description: String {
        switch self {
        case .locked(let path, let pid):
            let holder = pid.map { " (pid \($0))" } ?? ""
            return "the data directory \(path) is in use by another Nave node\(holder): "
                + "\(DataDirectory.lockFile(in: path)) is locked; stop that node or choose another directory"
        case .unusable(let path, let reason):
            return "cannot use \(path) as a data directory: \(reason)"
        case .missing(let path):
            return "no data directory at \(path) (create one with `nave serve --data-dir \(path)` "
                + "or `nave certs init --data-dir \(path)`)"
        }
    }
}
