import NaveAMQP
import Testing

/// Link addresses of contract §5.2–§5.4 and §6.3–§6.5, as full URIs and as bare paths.
@Suite("AMQP node addresses")
struct AMQPNodeAddressTests {
    @Test("partition receiver sources", arguments: [
        "amqps://localhost/myhub/ConsumerGroups/$Default/Partitions/0",
        "amqp://localhost/myhub/ConsumerGroups/$Default/Partitions/0",
        "amqps://localhost:5671/myhub/ConsumerGroups/$Default/Partitions/0",
        "AMQPS://127.0.0.1:15671/myhub/consumergroups/$Default/PARTITIONS/0",
        "myhub/ConsumerGroups/$Default/Partitions/0",
        "/myhub/ConsumerGroups/$Default/Partitions/0",
    ])
    func partitionSources(address: String) {
        let expected = EventHubAddress(eventHub: "myhub", consumerGroup: "$Default", partition: 0)
        #expect(EventHubAddress(address) == expected)
        #expect(AMQPNodeAddress(address) == .partition(expected))
    }

    @Test("names are kept as sent, partitions up to 1023")
    func namesAndPartitions() {
        #expect(EventHubAddress("amqps://h/Hub-1/ConsumerGroups/readers é/Partitions/1023")
                == EventHubAddress(eventHub: "Hub-1", consumerGroup: "readers é", partition: 1023))
        #expect(EventHubAddress("h/ConsumerGroups/cg/Partitions/17")?.partition == 17)
    }

    @Test("not partition addresses", arguments: [
        "", "/", "amqps://localhost", "amqps://localhost/",
        "amqps://localhost/myhub/ConsumerGroups/$Default/Partitions/",
        "amqps://localhost/myhub/ConsumerGroups/$Default/Partitions/1024",
        "amqps://localhost/myhub/ConsumerGroups/$Default/Partitions/-1",
        "amqps://localhost/myhub/ConsumerGroups/$Default/Partitions/+1",
        "amqps://localhost/myhub/ConsumerGroups/$Default/Partitions/01",
        "amqps://localhost/myhub/ConsumerGroups/$Default/Partitions/0x1",
        "amqps://localhost/myhub/ConsumerGroups/$Default/Partitions/0/",
        "amqps://localhost/myhub/ConsumerGroups/$Default/Partition/0",
        "amqps://localhost/myhub/ConsumerGroup/$Default/Partitions/0",
        "amqps://localhost/myhub/ConsumerGroups//Partitions/0",
        "amqps://localhost//ConsumerGroups/$Default/Partitions/0",
        "amqps://localhost/a/myhub/ConsumerGroups/$Default/Partitions/0",
        "sb://localhost/myhub/ConsumerGroups/$Default/Partitions/0",
        "myhub/ConsumerGroups/$Default/Partitions/٠",
    ])
    func notPartitions(address: String) {
        #expect(EventHubAddress(address) == nil)
        #expect(AMQPNodeAddress(address) != .partition(EventHubAddress(eventHub: "myhub", consumerGroup: "$Default", partition: 0)))
    }

    @Test("names past their bounds are refused")
    func bounds() {
        let hub = String(repeating: "h", count: EventHubAddress.eventHubBytesMax)
        let group = String(repeating: "g", count: EventHubAddress.consumerGroupBytesMax)
        #expect(EventHubAddress("\(hub)/ConsumerGroups/\(group)/Partitions/0") != nil)
        #expect(EventHubAddress("\(hub)h/ConsumerGroups/\(group)/Partitions/0") == nil)
        #expect(EventHubAddress("\(hub)/ConsumerGroups/\(group)g/Partitions/0") == nil)
        #expect(AMQPNodeAddress(String(repeating: "/", count: AMQPNodeAddress.addressBytesMax - 4) + "$cbs") == .unknown)
    }

    @Test("the other nodes", arguments: [
        ("$cbs", AMQPNodeAddress.cbs),
        ("$CBS", .cbs),
        ("amqps://localhost/$cbs", .cbs),
        ("$management", .management),
        ("amqps://localhost:5671/$management", .management),
        ("amqps://localhost/messages/devicebound", .deviceBound),
        ("amqp://localhost/messages/deviceBound", .deviceBound),
        ("/messages/devicebound", .deviceBound),
        ("messages/devicebound", .deviceBound),
        ("amqps://localhost/messages/serviceBound/feedback", .feedback),
        ("/messages/servicebound/feedback", .feedback),
        ("amqps://localhost/devices/dev1/messages/devicebound", .unknown),
        ("amqps://localhost/messages/devicebound/", .unknown),
        ("/messages/serviceBound/filenotifications", .fileNotifications),
        ("amqps://localhost/messages/servicebound/FILENOTIFICATIONS", .fileNotifications),
        ("receiver-link-5f1c", .unknown),
        ("$cbs2", .unknown),
        ("amqps://localhost", .unknown),
        ("", .unknown),
    ])
    func otherNodes(address: String, expected: AMQPNodeAddress) {
        #expect(AMQPNodeAddress(address) == expected)
    }
}
