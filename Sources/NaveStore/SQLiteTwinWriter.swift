import GRDB
import NaveCore

/// Group commit for twin saves: saves posted while a write transaction runs are written together
/// in the next one, so a burst of reported patches from many devices costs one SQLite commit
/// (one WAL fsync at `synchronous = FULL`) instead of one each (issue #18, PERF.md G8). Each
/// save keeps its own version check (compare-and-set, `TwinStore.saveTwin`): a conflict fails
/// that save alone; a transaction SQLite refuses fails every save in it, and nothing of it is
/// stored. A save returns only after the commit that holds it: durable before it is
/// acknowledged, as before.
///
/// Its queue is NaveCore's `WriteBatchQueue`, as `CloudToDeviceStoreWriter`'s is: one task
/// drains it while there is something to write.
final class SQLiteTwinWriter: Sendable {
    /// One twin row to write, with the version the store must still hold for it.
    struct Row: Sendable {
        var deviceID: String
        var moduleID: String
        var version: Int64
        var desiredVersion: Int64
        var reportedVersion: Int64
        var document: String
        var expected: StoredTwinVersion?
    }

    private struct Pending: Sendable {
        var row: Row
        var done: CheckedContinuation<Void, any Error>
    }

    /// Saves written in one transaction at most: a longer burst takes several (each still far
    /// cheaper than a transaction per save), and no transaction holds SQLite's write lock long.
    static let savesPerTransactionMax = 256

    private let database: SQLiteDatabase
    private let queue = WriteBatchQueue<Pending>(batchCountMax: savesPerTransactionMax)

    init(database: SQLiteDatabase) { self.database = database }

    /// Writes `row` with the next transaction; returns once it is committed. Throws
    /// `TwinStoreError.conflict` when the stored version is not `row.expected`, and what the
    /// transaction failed with when SQLite refused it.
    func save(_ row: Row) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            if queue.post(Pending(row: row, done: done)) { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while let batch = queue.nextBatch() {
            let rows = batch.map(\.row)
            do {
                let stored = try await SQLiteDatabase.access(mappingTo: TwinStoreError.self) {
                    try await database.pool.write { db in try rows.map { row in try Self.write(row, db) } }
                }
                for (pending, stored) in zip(batch, stored) {
                    if stored {
                        pending.done.resume()
                    } else {
                        pending.done.resume(throwing: TwinStoreError.conflict(deviceID: pending.row.deviceID,
                                                                               moduleID: pending.row.moduleID.isEmpty ? nil : pending.row.moduleID))
                    }
                }
            } catch {
                for pending in batch { pending.done.resume(throwing: error) }
            }
        }
    }

    /// The version check and upsert of one save, inside the batch's transaction (SQLite has
    /// one writer at a time, so nothing comes between them); false on a conflict, which
    /// writes nothing.
    private static func write(_ row: Row, _ db: Database) throws -> Bool {
        if let expected = row.expected {
            let stored = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT version FROM twins WHERE deviceID = ? AND moduleID = ?"),
                arguments: [row.deviceID, row.moduleID])
            guard (stored.map(StoredTwinVersion.version) ?? .none) == expected else { return false }
        }
        try db.cachedStatement(sql: SQLiteTwinStore.upsert)
            .execute(arguments: [row.deviceID, row.moduleID, row.version, row.desiredVersion, row.reportedVersion, row.document])
        return true
    }
}
