import NaveModel

/// The partition's last enqueued event, sent with each event to a receiver that asked for it
/// with the `com.microsoft:enable-receiver-runtime-metric` capability (contract §6.5): the
/// Event Hubs SDK fills `last_enqueued_event_properties` from it (`track_last_enqueued_event_properties`).
/// Written as the message's delivery-annotations (contract §6.6).
public struct EventHubRuntimeMetric: Sendable, Hashable {
    /// `last_enqueued_sequence_number` (long); -1 for a partition nothing was appended to.
    public var lastEnqueuedSequenceNumber: Int64
    /// `last_enqueued_offset`, sent as its decimal text (string), as every offset is (§6.4).
    public var lastEnqueuedOffset: Int64
    /// `last_enqueued_time_utc` (timestamp).
    public var lastEnqueuedTime: Timestamp
    /// `runtime_info_retrieval_time_utc` (timestamp): when the endpoint read the three above.
    public var retrievalTime: Timestamp

    public init(lastEnqueuedSequenceNumber: Int64, lastEnqueuedOffset: Int64, lastEnqueuedTime: Timestamp,
                retrievalTime: Timestamp) {
        self.lastEnqueuedSequenceNumber = lastEnqueuedSequenceNumber
        self.lastEnqueuedOffset = lastEnqueuedOffset
        self.lastEnqueuedTime = lastEnqueuedTime
        self.retrievalTime = retrievalTime
    }
}
