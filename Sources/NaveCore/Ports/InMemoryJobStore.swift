import NaveModel
import Synchronization

/// Scheduled jobs kept in memory only (tests, embedders without disk).
public final class InMemoryJobStore: JobStore {
    private struct Stored {
        var job: JobRecord
        var devices: [IdentityKey: DeviceJobRecord] = [:]
    }

    private let jobs = Mutex<[String: Stored]>([:])

    public init() {}

    public func loadJobs() async throws -> [StoredJob] {
        jobs.withLock { jobs in
            jobs.values.map { stored in
                StoredJob(job: stored.job, devices: stored.devices.values.sorted { DeviceJobOrder.precedes($0.key, $1.key) })
            }
        }
    }

    public func createJob(_ job: JobRecord) async throws {
        try jobs.withLock { jobs throws(JobStoreError) in
            guard jobs[job.jobID] == nil else { throw .alreadyExists(job.jobID) }
            jobs[job.jobID] = Stored(job: job)
        }
    }

    public func saveJob(_ job: JobRecord, devices: [DeviceJobRecord]) async throws {
        jobs.withLock { jobs in
            var stored = jobs[job.jobID] ?? Stored(job: job)
            stored.job = job
            for device in devices { stored.devices[device.key] = device }
            jobs[job.jobID] = stored
        }
    }

    public func saveDeviceJob(_ device: DeviceJobRecord) async throws {
        jobs.withLock { jobs in jobs[device.jobID]?.devices[device.key] = device }
    }

    public func deleteJobs(_ jobIDs: [String]) async throws {
        jobs.withLock { jobs in
            for id in jobIDs { jobs[id] = nil }
        }
    }
}

/// The one order of a job's devices, in memory and in every store: device id, then module id
/// with the device itself (no module) first — UTF-8 byte order, as SQLite's BINARY collation.
public enum DeviceJobOrder {
    public static func precedes(_ a: IdentityKey, _ b: IdentityKey) -> Bool {
        if a.deviceID != b.deviceID { return a.deviceID.utf8.lexicographicallyPrecedes(b.deviceID.utf8) }
        return (a.moduleID ?? "").utf8.lexicographicallyPrecedes((b.moduleID ?? "").utf8)
    }
}
