import GRDB
import NaveCore

/// A port's error vocabulary as the SQLite stores speak it: every port's error has `.full` (the
/// medium has no room) and `.storage` (anything else), each with a reason. One mapping for every
/// store, so a full disk reads the same whichever store hit it (issue #11).
protocol SQLitePortFailure: Error {
    static func full(_ reason: String) -> Self
    static func storage(_ reason: String) -> Self
}

extension IdentityStoreError: SQLitePortFailure {}
extension TwinStoreError: SQLitePortFailure {}
extension CloudToDeviceStoreError: SQLitePortFailure {}
extension DeviceSessionStoreError: SQLitePortFailure {}
extension CheckpointStoreError: SQLitePortFailure {}
extension ConsumerGroupStoreError: SQLitePortFailure {}
extension JobStoreError: SQLitePortFailure {}
extension ConfigurationStoreError: SQLitePortFailure {}

extension SQLiteDatabase {
    /// Runs `body` and turns whatever it throws into `Failure`: SQLITE_FULL (SQLite rolled the
    /// transaction back; the next one is tried afresh) becomes `.full`, anything else
    /// `.storage`, with `reason(_:)` (no statement arguments, so no key reaches a log). The port's
    /// own errors pass through, and so does cancellation: GRDB throws it when the task is
    /// cancelled before or during the access, after rolling back, so nothing was applied.
    static func access<T: Sendable, Failure: SQLitePortFailure>(
        mappingTo _: Failure.Type, _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let error as Failure {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch where isFull(error) {
            throw Failure.full(reason(error))
        } catch {
            throw Failure.storage(reason(error))
        }
    }

    /// Whether SQLite refused for want of room (SQLITE_FULL: the disk or a quota is full).
    static func isFull(_ error: any Error) -> Bool {
        (error as? DatabaseError)?.resultCode == .SQLITE_FULL
    }
}
