import NaveModel

/// A scheduled job and its device rows, as a `JobStore` holds them.
public struct StoredJob: Sendable, Equatable {
    public var job: JobRecord
    /// One row per targeted device, ordered by device id then module id (module-less first);
    /// empty until the job starts.
    public var devices: [DeviceJobRecord]

    public init(job: JobRecord, devices: [DeviceJobRecord] = []) {
        self.job = job
        self.devices = devices
    }
}

/// Where scheduled jobs are kept (reference §3). `ScheduledJobs` loads them once at start and
/// writes through: a job's record when it changes state, the frozen device set when it starts
/// (in the same transaction as the job's `running`), and each device's outcome before the job
/// moves on from that device — which is what lets a restarted node resume a job without running
/// it twice for a device it completed.
public protocol JobStore: Sendable {
    /// Every stored job with its device rows, in no particular job order.
    func loadJobs() async throws -> [StoredJob]
    /// Stores a new job (no device rows yet); one stored under the same id is refused with
    /// `JobStoreError.alreadyExists`, and nothing changes.
    func createJob(_ job: JobRecord) async throws
    /// Replaces the job's record and inserts or replaces `devices`, all or nothing.
    func saveJob(_ job: JobRecord, devices: [DeviceJobRecord]) async throws
    /// Inserts or replaces one device row (its outcome).
    func saveDeviceJob(_ device: DeviceJobRecord) async throws
    /// Removes jobs and their device rows; ids not stored are ignored.
    func deleteJobs(_ jobIDs: [String]) async throws
}

/// Why a job store refused; a refused write stored nothing.
public enum JobStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyExists(String)
    case storage(String)
    case full(String)

    public var description: String {
        switch self {
        case .alreadyExists(let id): "job store already holds '\(id)'"
        case .storage(let reason): "job store failed: \(reason)"
        case .full(let reason): "job store is full: \(reason)"
        }
    }
}

extension JobStoreError: StoreFailure {
    public var isFull: Bool { if case .full = self { true } else { false } }
}
