import Glibc
import NaveCore
import NaveModel
import Synchronization

/// A storage endpoint (issue #15): routed messages as JSON lines (`RoutedMessageEnvelope`) in
/// files under a directory, one file per endpoint partition and time window, named by Azure's
/// default pattern `{iothub}/{partition}/{YYYY}/{MM}/{DD}/{HH}/{mm}` (the window's start, UTC)
/// with `.json`. A file is written as `<name>.json.tmp` and renamed when its window
/// (`batchFrequencySeconds`, Azure's 60…720, default 300) or size (`maxChunkSizeMegabytes`,
/// 10…500, default 300) is full, so a reader never sees a half file.
///
/// Each message is written and synced before it counts as delivered; `settle` closes windows
/// that have passed. After a crash the temporary files of the last run are completed at the
/// next start: what was synced is kept, a torn last line is cut off.
public final class StorageDeliverer: EndpointDeliverer {
    public struct Settings: Sendable, Equatable {
        public var directory: String
        public var hubName: String
        public var windowSeconds: Int
        public var chunkBytesMax: Int

        public init(directory: String, hubName: String, windowSeconds: Int, chunkBytesMax: Int) {
            self.directory = directory
            self.hubName = hubName
            self.windowSeconds = windowSeconds
            self.chunkBytesMax = chunkBytesMax
        }

        public static let windowSecondsRange = 60...720
        public static let chunkMegabytesRange = 10...500
    }

    private struct OpenFile {
        var descriptor: Int32
        var temporaryPath: String
        var finalPath: String
        var windowStartMillis: Int64
        var bytes: Int
    }

    private let settings: Settings
    private let clock: any HubClock
    private let files = Mutex<[Int: OpenFile]>([:])

    /// Settings from an endpoint's: `directory`, `batchFrequencySeconds`, `maxChunkSizeMegabytes`.
    public static func settings(of endpoint: RoutingEndpoint, hubName: String) throws(HubError) -> Settings {
        guard let directory = endpoint.settings["directory"], directory.hasPrefix("/") else {
            throw .argumentInvalid("Endpoint '\(endpoint.name)': a storage endpoint needs an absolute directory.")
        }
        let window = endpoint.settings["batchFrequencySeconds"].flatMap(Int.init) ?? 300
        let megabytes = endpoint.settings["maxChunkSizeMegabytes"].flatMap(Int.init) ?? 300
        guard Settings.windowSecondsRange.contains(window), Settings.chunkMegabytesRange.contains(megabytes) else {
            throw .argumentInvalid("Endpoint '\(endpoint.name)': batchFrequencySeconds must be 60 to 720 and maxChunkSizeMegabytes 10 to 500.")
        }
        return Settings(directory: directory, hubName: hubName, windowSeconds: window, chunkBytesMax: megabytes << 20)
    }

    /// Completes what an earlier run left temporary in `settings.directory`.
    public init(settings: Settings, clock: any HubClock) {
        self.settings = settings
        self.clock = clock
        Self.completeLeftovers(under: settings.directory + "/" + settings.hubName)
    }

    /// Files still open are complete as they are: every line in them was synced.
    deinit {
        files.withLock { files in
            for file in files.values { _ = Self.complete(file) }
        }
    }

    public func deliver(_ record: EventRecord, partition: Int) async -> String? {
        var line = RoutedMessageEnvelope.json(record).serialized()
        line.append(UInt8(ascii: "\n"))
        return files.withLock { files in
            let now = clock.now().millisecondsSinceEpoch
            if let open = files[partition], isFull(open, now: now, adding: line.count) {
                if let failure = Self.complete(open) { return failure }
                files[partition] = nil
            }
            if files[partition] == nil {
                switch open(partition: partition, at: now) {
                case .success(let file): files[partition] = file
                case .failure(let failure): return failure.reason
                }
            }
            guard var file = files[partition] else { return "no file" }
            let written = line.withUnsafeBytes { Glibc.write(file.descriptor, $0.baseAddress, $0.count) }
            guard written == line.count, fdatasync(file.descriptor) == 0 else {
                // A short write leaves a torn line: cut it off, so the retry starts clean.
                _ = ftruncate(file.descriptor, off_t(file.bytes))
                return "write to \(file.temporaryPath) failed (errno \(errno))"
            }
            file.bytes += line.count
            files[partition] = file
            return nil
        }
    }

    public func settle(idle: Bool) async -> String? {
        files.withLock { files in
            let now = clock.now().millisecondsSinceEpoch
            for (partition, file) in files where isFull(file, now: now, adding: 0) {
                if let failure = Self.complete(file) { return failure }
                files[partition] = nil
            }
            return nil
        }
    }

    private func isFull(_ file: OpenFile, now: Int64, adding bytes: Int) -> Bool {
        now >= file.windowStartMillis + Int64(settings.windowSeconds) * 1_000 || file.bytes + bytes > settings.chunkBytesMax
    }

    private struct Failure: Error { let reason: String }

    /// A new temporary file for `partition`'s window starting now.
    private func open(partition: Int, at now: Int64) -> Result<OpenFile, Failure> {
        let stamp = Timestamp(millisecondsSinceEpoch: now).iso8601.utf8.map { $0 }
        func part(_ range: Range<Int>) -> String { String(decoding: stamp[range], as: UTF8.self) }
        // 2026-12-07T15:32:45Z → 2026/12/07/15/32
        let folder = "\(settings.directory)/\(settings.hubName)/\(partition)/\(part(0..<4))/\(part(5..<7))/\(part(8..<10))/\(part(11..<13))"
        guard Self.makeDirectories(folder) else { return .failure(Failure(reason: "cannot create \(folder) (errno \(errno))")) }
        var name = folder + "/" + part(14..<16)
        var suffix = 0
        while access(name + ".json", F_OK) == 0 || access(name + ".json.tmp", F_OK) == 0 {
            suffix += 1
            name = folder + "/" + part(14..<16) + "_\(suffix)"
        }
        let temporary = name + ".json.tmp"
        let descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return .failure(Failure(reason: "cannot create \(temporary) (errno \(errno))")) }
        return .success(OpenFile(descriptor: descriptor, temporaryPath: temporary, finalPath: name + ".json",
                                 windowStartMillis: now, bytes: 0))
    }

    /// Closes `file` and gives it its final name; nil on success.
    private static func complete(_ file: OpenFile) -> String? {
        _ = fsync(file.descriptor)
        close(file.descriptor)
        guard rename(file.temporaryPath, file.finalPath) == 0 else { return "cannot rename \(file.temporaryPath) (errno \(errno))" }
        return nil
    }

    private static func makeDirectories(_ path: String) -> Bool {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { return false }
        }
        return true
    }

    /// Renames every `*.json.tmp` under `root` (depth-bounded by the name pattern) to `*.json`,
    /// cut after its last complete line.
    private static func completeLeftovers(under root: String, depth: Int = 0) {
        guard depth <= 6, let directory = opendir(root) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != ".", name != ".." else { continue }
            let path = root + "/" + name
            if name.hasSuffix(".json.tmp") {
                truncateToLastLine(path)
                _ = rename(path, String(path.dropLast(4)))
            } else if entry.pointee.d_type == UInt8(DT_DIR) {
                completeLeftovers(under: path, depth: depth + 1)
            }
        }
    }

    private static func truncateToLastLine(_ path: String) {
        let descriptor = Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var size = lseek(descriptor, 0, SEEK_END)
        var byte: UInt8 = 0
        while size > 0, pread(descriptor, &byte, 1, size - 1) == 1, byte != UInt8(ascii: "\n") { size -= 1 }
        _ = ftruncate(descriptor, size)
        _ = fsync(descriptor)
    }
}
