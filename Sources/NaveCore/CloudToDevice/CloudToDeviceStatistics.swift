import NaveModel

/// What the C2D queues hold and what became of their messages since start (issue #16's
/// `nave_c2d_queue_depth` and `nave_c2d_messages_total{outcome}`). Each shard counts in plain
/// integers it owns (actor state, no lock or atomic); `CloudToDeviceQueues.statistics()` asks
/// every shard at scrape time and sums.
public struct CloudToDeviceStatistics: Sendable, Equatable {
    /// Messages queued now for all devices, delivered (locked) or not.
    public var queued = 0
    /// Messages a back end sent (stored and queued).
    public var sent = 0
    /// Completed by the device (MQTT PUBACK, HTTP DELETE): `Success` feedback.
    public var completed = 0
    /// Rejected by the device (HTTP): dead-lettered with `Rejected` feedback.
    public var rejected = 0
    /// Abandoned by the device (HTTP): available again, unless dead-lettered now.
    public var abandoned = 0
    /// Their time to live ran out: `Expired` feedback.
    public var expired = 0
    /// Delivered `deliveryCountMax` times without completion: `DeliveryCountExceeded` feedback.
    public var deadLettered = 0

    public init() {}

    /// Adds `other`'s counts (summing shards).
    public mutating func add(_ other: CloudToDeviceStatistics) {
        queued += other.queued
        sent += other.sent
        completed += other.completed
        rejected += other.rejected
        abandoned += other.abandoned
        expired += other.expired
        deadLettered += other.deadLettered
    }

    /// Counts a message leaving the queue with `status` (nil: purged or orphaned, not counted).
    mutating func settled(_ status: FeedbackStatusCode?) {
        switch status {
        case .success?: completed += 1
        case .rejected?: rejected += 1
        case .expired?: expired += 1
        case .deliveryCountExceeded?: deadLettered += 1
        case .purged?, nil: break
        }
    }
}
