import NaveCore
import NaveModel

/// The event log as the hub's `EventSource`: its errors become the hub's (a partition out of
/// range is the caller's mistake; anything else is the store's).
extension EventLog: EventSource {
    public func partitionInfo(_ partition: Int) throws(HubError) -> EventPartitionInfo {
        do { return try self.partition(partition).info } catch { throw Self.hubError(error) }
    }

    public func records(partition: Int, from start: EventStartPosition, maxCount: Int) throws(HubError) -> [EventRecord] {
        do { return try self.partition(partition).read(from: start, maxCount: maxCount) } catch { throw Self.hubError(error) }
    }

    public func withRecords(partition: Int, from start: EventStartPosition, maxCount: Int,
                            _ body: (EventRecordView) -> Bool) throws(HubError) -> Int {
        do { return try self.partition(partition).withRecords(from: start, maxCount: maxCount, body) } catch { throw Self.hubError(error) }
    }

    public func awaitAppend(partition: Int, after sequenceNumber: Int64) async {
        guard let partition = try? self.partition(partition) else { return }
        try? await partition.waitForAppend(after: sequenceNumber)
    }

    public func retainRecords(partition: Int, from sequenceNumber: Int64) {
        (try? self.partition(partition))?.retainedFrom.store(sequenceNumber, ordering: .relaxed)
    }

    private static func hubError(_ error: EventLogError) -> HubError {
        if case .partitionOutOfRange = error { return .argumentInvalid("\(error)") }
        return .serverError("The events endpoint could not be read: \(error)")
    }
}
