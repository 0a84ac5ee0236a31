import Foundation
import GRDB
import NaveCore
import NaveModel

/// The embedded default `CloudToDeviceStore`: device queues and feedback in the node's SQLite
/// database (schema: `Schema.v2CloudToDevice`, migration "v2-c2d").
///
/// `apply` runs a batch in one write transaction (the queues coalesce a burst of changes into
/// one batch, so one fsync covers it); `loadCloudToDevice` reads one snapshot. Errors are
/// `CloudToDeviceStoreError`. Text that cannot be a C string (U+0000) in an id is refused;
/// property values can hold anything, being stored percent-encoded.
public final class SQLiteCloudToDeviceStore: CloudToDeviceStore {
    /// The database the tables live in; shared with the node's other SQLite stores.
    public let database: SQLiteDatabase

    /// A store over `database`, whose schema is already migrated (by `SQLiteDatabase.init`).
    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func loadCloudToDevice() async throws -> CloudToDeviceSnapshot {
        try await storageAccess {
            try await database.pool.read { db in
                try CloudToDeviceSnapshot(messages: Self.loadMessages(db), feedback: Self.loadFeedback(db))
            }
        }
    }

    /// Never calls `observer`: this store belongs to one process, the only writer of its
    /// database file (the data directory is locked).
    public func observeOtherWriters(_ observer: @escaping @Sendable ([CloudToDeviceStoreChange]) -> Void) {}

    public func apply(_ changes: [CloudToDeviceChange]) async throws {
        guard !changes.isEmpty else { return }
        try await storageAccess {
            try await database.pool.write { db in
                for change in changes { try Self.apply(change, in: db) }
            }
        }
    }

    private static func apply(_ change: CloudToDeviceChange, in db: Database) throws {
        switch change {
        case .enqueue(let message):
            try refuseNUL([message.deviceID, message.deviceGenerationID], in: "message")
            let sql = """
                INSERT INTO cloudToDeviceMessages (sequenceNumber, deviceID, deviceGenerationID, enqueuedTime,
                    expiryTime, deliveryCount, ack, systemProperties, applicationProperties, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            try insert(message.sequenceNumber) {
                try db.cachedStatement(sql: sql).execute(arguments: [
                    message.sequenceNumber, message.deviceID, message.deviceGenerationID,
                    message.enqueuedTime.millisecondsSinceEpoch, message.expiryTime.millisecondsSinceEpoch,
                    message.deliveryCount, message.ack.rawValue,
                    PropertyBag.encode(system: message.message.systemProperties, application: []),
                    PropertyBag.encode(system: [], application: message.message.applicationProperties),
                    Data(message.message.body),
                ])
            }
        case .setDeliveryCount(let sequenceNumber, let deliveryCount):
            try db.cachedStatement(sql: "UPDATE cloudToDeviceMessages SET deliveryCount = ? WHERE sequenceNumber = ?")
                .execute(arguments: [deliveryCount, sequenceNumber])
        case .remove(let sequenceNumber):
            try db.cachedStatement(sql: "DELETE FROM cloudToDeviceMessages WHERE sequenceNumber = ?").execute(arguments: [sequenceNumber])
        case .appendFeedback(let record):
            try refuseNUL([record.originalMessageID, record.deviceID, record.deviceGenerationID], in: "feedback record")
            let sql = """
                INSERT INTO cloudToDeviceFeedback (sequenceNumber, originalMessageID, deviceID, deviceGenerationID,
                    statusCode, enqueuedTime)
                VALUES (?, ?, ?, ?, ?, ?)
                """
            try insert(record.sequenceNumber) {
                try db.cachedStatement(sql: sql).execute(arguments: [
                    record.sequenceNumber, record.originalMessageID, record.deviceID, record.deviceGenerationID,
                    record.statusCode.rawValue, record.enqueuedTime.millisecondsSinceEpoch,
                ])
            }
        case .removeFeedback(let sequenceNumber):
            try db.cachedStatement(sql: "DELETE FROM cloudToDeviceFeedback WHERE sequenceNumber = ?").execute(arguments: [sequenceNumber])
        }
    }

    private static func loadMessages(_ db: Database) throws -> [QueuedCloudToDeviceMessage] {
        let sql = """
            SELECT sequenceNumber, deviceID, deviceGenerationID, enqueuedTime, expiryTime, deliveryCount, ack,
                systemProperties, applicationProperties, body
            FROM cloudToDeviceMessages ORDER BY sequenceNumber
            """
        var messages: [QueuedCloudToDeviceMessage] = []
        let rows = try Row.fetchCursor(db, sql: sql)
        while let row = try rows.next() {
            let message = try DeviceMessage(body: Array(row.decode(Data.self, atIndex: 9)),
                                            systemProperties: properties(row.decode(atIndex: 7)),
                                            applicationProperties: properties(row.decode(atIndex: 8)))
            messages.append(try QueuedCloudToDeviceMessage(
                sequenceNumber: row.decode(atIndex: 0), deviceID: row.decode(atIndex: 1),
                deviceGenerationID: row.decode(atIndex: 2),
                enqueuedTime: Timestamp(millisecondsSinceEpoch: row.decode(atIndex: 3)),
                expiryTime: Timestamp(millisecondsSinceEpoch: row.decode(atIndex: 4)), deliveryCount: row.decode(atIndex: 5),
                ack: known(CloudToDeviceAck(rawValue: row.decode(atIndex: 6)), "iothub-ack", table: "cloudToDeviceMessages"),
                message: message))
        }
        return messages
    }

    private static func loadFeedback(_ db: Database) throws -> [FeedbackRecord] {
        let sql = """
            SELECT sequenceNumber, originalMessageID, deviceID, deviceGenerationID, statusCode, enqueuedTime
            FROM cloudToDeviceFeedback ORDER BY sequenceNumber
            """
        var records: [FeedbackRecord] = []
        let rows = try Row.fetchCursor(db, sql: sql)
        while let row = try rows.next() {
            records.append(try FeedbackRecord(
                sequenceNumber: row.decode(atIndex: 0), originalMessageID: row.decode(atIndex: 1),
                deviceID: row.decode(atIndex: 2), deviceGenerationID: row.decode(atIndex: 3),
                statusCode: known(FeedbackStatusCode(rawValue: row.decode(atIndex: 4)), "feedback status", table: "cloudToDeviceFeedback"),
                enqueuedTime: Timestamp(millisecondsSinceEpoch: row.decode(atIndex: 5))))
        }
        return records
    }

    private static func properties(_ bag: String) throws -> [MessageProperty] {
        do {
            return try PropertyBag.decodeList(bag[...])
        } catch {
            throw CloudToDeviceStoreError.storage("a stored property bag does not parse: \(error.message)")
        }
    }

    /// Runs one insert keyed by `sequenceNumber`. The key is each table's only unique
    /// constraint (`INTEGER PRIMARY KEY`), so a primary-key violation of this statement names the
    /// number exactly: no look-up before every insert (one statement less per C2D send).
    private static func insert(_ sequenceNumber: Int64, _ statement: () throws -> Void) throws {
        do {
            try statement()
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            throw CloudToDeviceStoreError.duplicateSequenceNumber(sequenceNumber)
        }
    }

    /// GRDB binds text as C strings: a U+0000 would cut it short. Ids never contain it.
    private static func refuseNUL(_ texts: [String], in kind: String) throws {
        if texts.contains(where: { $0.utf8.contains(0) }) {
            throw CloudToDeviceStoreError.storage("a \(kind) id contains U+0000, which this store cannot keep")
        }
    }

    private static func known<T>(_ value: T?, _ what: String, table: String) throws -> T {
        guard let value else { throw CloudToDeviceStoreError.storage("unknown \(what) in table \(table)") }
        return value
    }

    /// Runs `body` with what it throws in the port's vocabulary (`SQLiteDatabase.access`).
    private func storageAccess<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await SQLiteDatabase.access(mappingTo: CloudToDeviceStoreError.self, body)
    }
}
