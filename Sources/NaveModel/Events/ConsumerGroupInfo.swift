/// A consumer group of the built-in events endpoint: a named view of the event stream whose
/// readers keep their own positions, so one application reading slowly never holds back
/// another (Event Hubs' term, and IoT Hub's under "built-in endpoints"). Names compare without
/// regard to case, as Event Hubs' entity names do; `name` keeps the spelling it was created with.
public struct ConsumerGroupInfo: Sendable, Equatable {
    public var name: String
    /// When the group was created on this hub (for `$Default`: when the hub first opened).
    public var createdAt: Timestamp

    public init(name: String, createdAt: Timestamp) {
        self.name = name
        self.createdAt = createdAt
    }

    /// The group every Event Hub has and no one can delete; readers that name none use it.
    public static let defaultName = "$Default"
}
