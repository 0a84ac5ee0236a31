import Foundation
import Glibc
import NaveCore
import NaveModel
import Synchronization
@testable import NaveStore

/// A fresh folder under /tmp for one test, removed afterwards.
func withTemporaryDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    var template = Array("/tmp/nave-eventlog-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw EventLogError.io(operation: "mkdtemp", path: "/tmp", errno: errno) }
    let path = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// A syncer that counts calls, can take a while (so appends pile up behind it), and records how
/// many bytes of each file were made durable, so tests can check an acknowledged record was
/// covered by a sync before its append returned.
final class RecordingSyncer: EventFileSyncer {
    private let delayMicros: UInt32
    private let state = Mutex<(calls: Int, durableBytes: [Int32: Int64])>((0, [:]))

    init(delayMicros: UInt32 = 0) { self.delayMicros = delayMicros }

    func syncData(fileDescriptor: Int32) -> Int32 {
        var status = stat()
        fstat(fileDescriptor, &status)
        let size = Int64(status.st_size)
        if delayMicros > 0 { usleep(delayMicros) }
        let result = fdatasync(fileDescriptor) == 0 ? 0 : errno
        state.withLock { state in
            state.calls += 1
            state.durableBytes[fileDescriptor] = max(state.durableBytes[fileDescriptor] ?? 0, size)
        }
        return result
    }

    var calls: Int { state.withLock { $0.calls } }

    /// The largest size any sync of a file with this descriptor covered.
    func durableBytes(descriptor: Int32) -> Int64 { state.withLock { $0.durableBytes[descriptor] ?? 0 } }
}

/// A counter tasks share (an `Atomic` cannot be captured by escaping closures).
final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)
    func add(_ amount: Int) { value.add(amount, ordering: .relaxed) }
    func max(_ candidate: Int) { value.max(candidate, ordering: .relaxed) }
    var current: Int { value.load(ordering: .relaxed) }
}

/// A syncer that fails every call after the first `succeed` ones.
final class FailingSyncer: EventFileSyncer {
    private let left: Atomic<Int>
    init(succeed: Int) { left = Atomic(succeed) }
    func syncData(fileDescriptor: Int32) -> Int32 {
        left.subtract(1, ordering: .relaxed).newValue >= 0 ? 0 : EIO
    }
}

extension EventLogConfiguration {
    /// Small segments and a single partition, so tests roll and seek across files quickly.
    static func small(partitions: Int = 1, segmentBytes: Int = 4096, recordBytes: Int = 1024) -> EventLogConfiguration {
        var configuration = EventLogConfiguration()
        configuration.partitionCount = partitions
        configuration.segmentBytesMax = segmentBytes
        configuration.recordBytesMax = recordBytes
        configuration.indexIntervalBytes = 256
        configuration.pendingAppendBytesMax = 64 << 10
        configuration.retentionBytesMax = 1 << 30
        return configuration
    }
}

func event(_ deviceID: String = "dev1", _ number: Int, bodyBytes: Int = 16) -> EventData {
    let text = "event-\(number)-"
    var body = Array(text.utf8)
    while body.count < bodyBytes { body.append(UInt8(truncatingIfNeeded: number &+ body.count)) }
    return EventData(deviceID: deviceID, systemProperties: [EventProperty(EventSystemProperty.messageID, "m\(number)")],
                     applicationProperties: [EventProperty("n", String(number))], body: Array(body.prefix(bodyBytes)))
}

/// The bytes `data` takes in a segment (frame header included).
func frameBytes(_ data: EventData) -> Int64 {
    Int64(EventFrame.frameBytes(payloadBytes: EventRecordCodec.payloadBytes(of: data)))
}

extension EventLog {
    convenience init(directory: String, configuration: EventLogConfiguration, clock: ManualClock,
                     syncer: any EventFileSyncer = FDataSyncer()) throws {
        try self.init(directory: directory, configuration: configuration, clock: { clock.now() }, syncer: syncer)
    }
}

/// Paths of a partition's segment files, oldest first.
func segmentFiles(_ directory: String, partition: Int = 0) throws -> [String] {
    let folder = directory + "/events/p\(partition)"
    return try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".log") }.sorted()
        .map { folder + "/" + $0 }
}

func readFile(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func fileSize(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
}
