/// A partition receiver's source address on the built-in events endpoint (contract §6.5):
/// `amqps://localhost/myhub/ConsumerGroups/$Default/Partitions/0`. pyamqp always writes the
/// `amqps://` form, with the port when the endpoint has one, even over plain TCP; `amqp://` and
/// the bare path (`myhub/…`, `/myhub/…`) are read too. `ConsumerGroups` and `Partitions` are
/// matched without regard to ASCII case; the hub and consumer group names are kept as sent
/// (the SDK does not percent-encode them).
public struct EventHubAddress: Sendable, Hashable {
    /// The Event Hub-compatible name (the hub's `eventHubName`, contract §6.1).
    public var eventHub: String
    public var consumerGroup: String
    public var partition: Int

    /// Longest Event Hub name read (Event Hubs allows 256 characters).
    public static let eventHubBytesMax = 256
    /// Longest consumer group name read (IoT Hub allows 128 characters, Event Hubs 256).
    public static let consumerGroupBytesMax = 256
    /// Partition ids are 0 ..< 1024; IoT Hub's partition count is 2 to 128 (contract §6.6).
    public static let partitionMax = 1023

    public init(eventHub: String, consumerGroup: String, partition: Int) {
        self.eventHub = eventHub
        self.consumerGroup = consumerGroup
        self.partition = partition
    }

    /// The partition `address` names, or nil when it is not a partition address.
    public init?(_ address: String) {
        guard let path = AMQPNodeAddress.path(of: address) else { return nil }
        let segments = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard segments.count == 5,
              !segments[0].isEmpty, segments[0].count <= Self.eventHubBytesMax,
              segments[1].equalsIgnoringASCIICase("consumergroups"),
              !segments[2].isEmpty, segments[2].count <= Self.consumerGroupBytesMax,
              segments[3].equalsIgnoringASCIICase("partitions"),
              let partition = Self.partition(segments[4]),
              let eventHub = String(segments[0]), let consumerGroup = String(segments[2])
        else { return nil }
        self.init(eventHub: eventHub, consumerGroup: consumerGroup, partition: partition)
    }

    /// A partition id as `get_partition_ids` hands them out (contract §6.4): decimal, no sign,
    /// no leading zero, at most `partitionMax`.
    private static func partition(_ text: Substring.UTF8View) -> Int? {
        guard !text.isEmpty, text.count <= 4, text.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              text.count == 1 || text.first != UInt8(ascii: "0") else { return nil }
        let value = text.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return value <= partitionMax ? value : nil
    }
}
