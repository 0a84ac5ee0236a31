import NaveModel

/// The port for reading the events endpoint: partitions of durable records, read from a
/// position, with a way to wait for the next append. The embedded implementation is NaveStore's
/// `EventLog`; a shared store implements the same reads. Every reader — the REST `GET /events`,
/// the Event Hub-compatible AMQP endpoint — goes through `EventReader` over this port.
public protocol EventSource: Sendable {
    var partitionCount: Int { get }
    /// Partition properties (Event Hubs' `$management` query, contract §6.4).
    func partitionInfo(_ partition: Int) throws(HubError) -> EventPartitionInfo
    /// Up to `maxCount` durable records of `partition` from `start` on.
    func records(partition: Int, from start: EventStartPosition, maxCount: Int) throws(HubError) -> [EventRecord]
    /// Lends up to `maxCount` durable records of `partition` from `start` on to `body`, one at a
    /// time and in place (the view is valid only during its call), until `body` returns false.
    /// Returns how many were lent. The events drain's read: no record is decoded into values.
    func withRecords(partition: Int, from start: EventStartPosition, maxCount: Int,
                     _ body: (EventRecordView) -> Bool) throws(HubError) -> Int
    /// Returns once `partition` holds a record after `sequenceNumber` (or the task is cancelled).
    func awaitAppend(partition: Int, after sequenceNumber: Int64) async
    /// A reader that must see every record (an endpoint's delivery) still needs `partition`
    /// from `sequenceNumber` on: time retention keeps those records until it moves on.
    func retainRecords(partition: Int, from sequenceNumber: Int64)
}

extension EventSource {
    public func retainRecords(partition: Int, from sequenceNumber: Int64) {}
}
