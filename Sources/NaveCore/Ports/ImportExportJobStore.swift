import NaveModel
import Synchronization

/// Where import/export jobs are kept (reference §3.5): one record per job, written through at
/// each change of state and of progress, so a listing after a restart shows every job and how
/// far it got.
public protocol ImportExportJobStore: Sendable {
    /// Every stored job, in no particular order.
    func loadImportExportJobs() async throws -> [ImportExportJob]
    /// Inserts or replaces the job's record.
    func saveImportExportJob(_ job: ImportExportJob) async throws
    /// Removes jobs; ids not stored are ignored.
    func deleteImportExportJobs(_ jobIDs: [String]) async throws
}

/// Import/export jobs in memory (a hub without a durable store, tests).
public final class InMemoryImportExportJobStore: ImportExportJobStore {
    private let jobs = Mutex<[String: ImportExportJob]>([:])

    public init() {}

    public func loadImportExportJobs() async throws -> [ImportExportJob] { jobs.withLock { Array($0.values) } }

    public func saveImportExportJob(_ job: ImportExportJob) async throws { jobs.withLock { $0[job.jobID] = job } }

    public func deleteImportExportJobs(_ jobIDs: [String]) async throws {
        jobs.withLock { jobs in for id in jobIDs { jobs[id] = nil } }
    }
}
