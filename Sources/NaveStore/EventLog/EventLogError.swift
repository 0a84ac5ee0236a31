import NaveModel
import Glibc

/// Why an event log operation failed. The node maps these at its edge (a device's telemetry is
/// then not acknowledged; a reader's link is detached with an AMQP condition).
public enum EventLogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A limit is out of range or two limits contradict each other.
    case invalidConfiguration(String)
    /// Another process (or another `EventLog` in this one) has the log open.
    case locked(path: String)
    /// The log on disk was created with another partition count. A count never changes: it is
    /// part of every device's partition (`EventPartitioner`).
    case partitionCountMismatch(recorded: Int, requested: Int)
    /// The metadata file is unreadable or not ours.
    case invalidMetadata(path: String, reason: String)
    case partitionOutOfRange(partition: Int, partitionCount: Int)
    /// One event's payload is over `recordBytesMax`; nothing of the append was stored.
    case recordTooLarge(payloadBytes: Int, recordBytesMax: Int)
    /// One call's events for one partition are more than `pendingAppendBytesMax` together.
    case appendTooLarge(bytes: Int, pendingAppendBytesMax: Int)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// A stored record is damaged: at `position` (bytes from the start of the segment file).
    case corruptRecord(partition: Int, segment: String, position: Int64, reason: EventRecordCorruption)
    /// A segment or its neighbours do not fit together (bad header, gap in sequence numbers or
    /// offsets, damage before the tail).
    case corruptSegment(partition: Int, segment: String, reason: String)
    /// An earlier write or fdatasync of this partition failed. After a failed fdatasync the
    /// kernel may have dropped the dirty pages and cleared the error, so what is on disk is
    /// unknown: the partition refuses appends until the log is reopened and recovered.
    case partitionFailed(partition: Int, cause: String)
    /// The filesystem had no room (ENOSPC or EDQUOT) for a batch: the batch was not stored, the
    /// file was cut back to its last acknowledged record, and later appends are tried again, so
    /// the partition takes them by itself once there is room.
    case storageFull(partition: Int, cause: String)
    /// The log was closed.
    case closed

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): "invalid event log configuration: \(reason)"
        case .partitionCountMismatch(let recorded, let requested):
            "the event log has \(recorded) partitions; it cannot be opened with \(requested)"
        case .locked(let path): "\(path) is open in another event log"
        case .invalidMetadata(let path, let reason): "\(path): \(reason)"
        case .partitionOutOfRange(let partition, let count): "partition \(partition) is not in 0..<\(count)"
        case .recordTooLarge(let bytes, let max): "event of \(bytes) bytes is over recordBytesMax \(max)"
        case .appendTooLarge(let bytes, let max): "append of \(bytes) bytes is over pendingAppendBytesMax \(max)"
        case .io(let operation, let path, let errno): "\(operation) \(path): errno \(errno)"
        case .corruptRecord(let partition, let segment, let position, let reason):
            "partition \(partition) segment \(segment) at byte \(position): \(reason)"
        case .corruptSegment(let partition, let segment, let reason): "partition \(partition) segment \(segment): \(reason)"
        case .partitionFailed(let partition, let cause): "partition \(partition) refused appends after: \(cause)"
        case .storageFull(let partition, let cause): "partition \(partition) has no room on disk: \(cause)"
        case .closed: "the event log is closed"
        }
    }
}

extension EventLogError {
    /// A system call found no room: ENOSPC, or EDQUOT (the user's quota is used up). The only
    /// failures a partition outlives: nothing written is in doubt once the file is cut back.
    var isNoSpace: Bool {
        guard case .io(_, _, let code) = self else { return false }
        return code == ENOSPC || code == EDQUOT
    }
}
