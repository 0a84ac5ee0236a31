import NaveLimits
import NaveModel

/// The limits of cloud-to-device messaging, with their units. Defaults are IoT Hub's
/// (contract §1.8, §8) unless marked as Nave's own.
public struct CloudToDeviceLimits: Sendable, Equatable {
    /// Messages a device's queue holds, delivered or not (a 51st send gets 403004).
    public var queueDepthMax = 50
    /// Largest message body (413001 beyond).
    public var bodyBytesMax = DeviceMessage.cloudToDeviceBodyBytesMax
    /// Longest property bag a message may carry, encoded as on MQTT (§1.7). Nave's: the bag
    /// rides in the MQTT topic.
    public var propertyBagBytesMax = PropertyBag.bagBytesMax
    /// Time to live of a message that names no expiry.
    public var timeToLiveSecondsDefault = 3_600
    /// Longest time to live; a later expiry is brought forward to it.
    public var timeToLiveSecondsMax = 48 * 3_600
    /// Delivery attempts before a message is dead-lettered (`DeliveryCountExceeded`).
    public var deliveryCountMax = 10
    /// How long a delivered message stays locked waiting for its acknowledgement.
    public var lockTimeoutMillis: Int64 = 60_000
    /// Messages pushed to a connected device and not yet acknowledged. Nave's: a small window
    /// keeps order under redelivery while one round trip need not wait for the previous.
    public var inFlightPerDeviceMax = 4
    /// Feedback records kept; beyond it the oldest unlocked ones are dropped. Nave's.
    public var feedbackRecordsMax = 10_000
    /// Records handed out in one feedback batch. Nave's.
    public var feedbackBatchRecordsMax = 100
    /// How long a received feedback batch stays locked waiting for complete or abandon.
    public var feedbackLockTimeoutMillis: Int64 = 60_000

    public init() {}

    /// Checks every limit against its range; the node calls it at start.
    public func validate() throws(ConfigurationInvalid) {
        let rules = ConfigurationRules()
        try rules.require((1...10_000).contains(queueDepthMax), "cloudToDevice.queueDepthMax must be 1...10000")
        try rules.require((0...(1 << 20)).contains(bodyBytesMax), "cloudToDevice.bodyBytesMax must be 0...1 MiB")
        try rules.require((256...PropertyBag.bagBytesMax).contains(propertyBagBytesMax), "cloudToDevice.propertyBagBytesMax must be 256...\(PropertyBag.bagBytesMax)")
        try rules.require((1...timeToLiveSecondsMax).contains(timeToLiveSecondsDefault), "cloudToDevice.timeToLiveSecondsDefault must be 1...timeToLiveSecondsMax")
        try rules.require((1...(365 * 86_400)).contains(timeToLiveSecondsMax), "cloudToDevice.timeToLiveSecondsMax must be 1...31536000")
        try rules.require((1...1_000).contains(deliveryCountMax), "cloudToDevice.deliveryCountMax must be 1...1000")
        try rules.require((100...86_400_000).contains(lockTimeoutMillis), "cloudToDevice.lockTimeoutMillis must be 100...86400000")
        try rules.require((1...queueDepthMax).contains(inFlightPerDeviceMax), "cloudToDevice.inFlightPerDeviceMax must be 1...queueDepthMax")
        try rules.require((1...10_000_000).contains(feedbackRecordsMax), "cloudToDevice.feedbackRecordsMax must be 1...10000000")
        try rules.require((1...feedbackRecordsMax).contains(feedbackBatchRecordsMax), "cloudToDevice.feedbackBatchRecordsMax must be 1...feedbackRecordsMax")
        try rules.require((100...86_400_000).contains(feedbackLockTimeoutMillis), "cloudToDevice.feedbackLockTimeoutMillis must be 100...86400000")
    }
}
