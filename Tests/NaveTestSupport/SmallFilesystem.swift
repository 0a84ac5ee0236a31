import Foundation
import Glibc

/// A tmpfs of a few megabytes mounted on a fresh folder, for tests that need a disk that fills
/// up (issue #11): `fill()` writes a filler file until the filesystem refuses with ENOSPC,
/// `makeRoom()` deletes it. Needs CAP_SYS_ADMIN (root in CI and on the dev machines); `mount`
/// returns nil with the reason when the mount is not permitted, so a test can skip with it.
public final class SmallFilesystem {
    /// The mount point; everything under it counts against `sizeBytesMax`.
    public let path: String
    private var filler: Int32 = -1

    /// Largest filesystem a test may make: tmpfs takes RAM.
    public static let sizeBytesMax = 64 << 20

    private init(path: String) { self.path = path }

    /// Whether a tmpfs can be mounted here (root with CAP_SYS_ADMIN): tried once with a tiny
    /// one. Suites that need it use `.enabled(if: SmallFilesystem.isAvailable, …)`, which records
    /// the reason when they skip.
    public static let isAvailable: Bool = {
        guard case .success(let probe) = mount(sizeBytes: 64 << 10) else { return false }
        probe.unmount()
        return true
    }()

    /// Mounts a tmpfs of `sizeBytes` on a new folder under /tmp; `.failure` says why it cannot.
    public static func mount(sizeBytes: Int) -> Result<SmallFilesystem, SmallFilesystemUnavailable> {
        precondition(sizeBytes > 0 && sizeBytes <= sizeBytesMax, "tmpfs size out of range")
        guard geteuid() == 0 else { return .failure(SmallFilesystemUnavailable(reason: "not root: cannot mount a tmpfs")) }
        var template = Array("/tmp/nave-smallfs-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            return .failure(SmallFilesystemUnavailable(reason: "mkdtemp: errno \(errno)"))
        }
        let path = String(cString: made)
        guard Glibc.mount("tmpfs", path, "tmpfs", 0, "size=\(sizeBytes),mode=0755") == 0 else {
            let failure = errno
            rmdir(path)
            return .failure(SmallFilesystemUnavailable(reason: "mount -t tmpfs: errno \(failure) (\(String(cString: strerror(failure))))"))
        }
        return .success(SmallFilesystem(path: path))
    }

    /// Writes a filler file until the filesystem has no free block left (the last write got
    /// ENOSPC). Bounded: a tmpfs of at most `sizeBytesMax` fills in at most that many bytes.
    public func fill() throws {
        if filler < 0 {
            filler = open(path + "/filler", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard filler >= 0 else { throw SmallFilesystemUnavailable(reason: "open filler: errno \(errno)") }
        }
        let chunk = [UInt8](repeating: 0xA5, count: 64 << 10)
        var written = 0
        for chunkBytes in [64 << 10, 4096, 512, 1] {
            while written <= Self.sizeBytesMax {
                let count = chunk.withUnsafeBytes { Glibc.write(filler, $0.baseAddress!, chunkBytes) }
                if count < 0 {
                    guard errno == ENOSPC else { throw SmallFilesystemUnavailable(reason: "write filler: errno \(errno)") }
                    break
                }
                written += count
            }
        }
        var status = statvfs()
        statvfs(path, &status)
        guard status.f_bavail == 0 else { throw SmallFilesystemUnavailable(reason: "\(status.f_bavail) blocks still free") }
    }

    /// Deletes the filler: the space comes back at once (tmpfs frees the pages on unlink).
    public func makeRoom() {
        if filler >= 0 { close(filler) }
        filler = -1
        unlink(path + "/filler")
    }

    /// Unmounts (lazily, so a descriptor a failed test leaked cannot keep it mounted) and removes
    /// the mount point. Call it in a `defer` right after `mount`.
    public func unmount() {
        makeRoom()
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }
}

/// Why a `SmallFilesystem` cannot be made here; the test records it and skips.
public struct SmallFilesystemUnavailable: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
