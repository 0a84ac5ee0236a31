import NaveMQTT
import Testing

/// Topic names, filters and matching, from the examples of MQTT 3.1.1 §4.7.
@Suite("Topics")
struct TopicTests {
    static let matching: [(filter: String, topic: String, matches: Bool)] = [
        // §4.7.1.2, multi-level wildcard.
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
        ("sport/tennis/player1/#", "sport/tennis/player2", false),
        ("sport/tennis/player1/#", "sport/tennis", false),
        ("sport/#", "sport", true),
        ("sport/#", "sport/", true),
        ("#", "sport/tennis/player1", true),
        ("#", "/", true),
        // §4.7.1.3, single-level wildcard.
        ("sport/tennis/+", "sport/tennis/player1", true),
        ("sport/tennis/+", "sport/tennis/player2", true),
        ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false),
        ("sport/+", "sport/", true),
        ("+/+", "/finance", true),
        ("/+", "/finance", true),
        ("+", "/finance", false),
        ("+", "finance", true),
        ("sport/+/player1", "sport/tennis/player1", true),
        ("+/tennis/#", "sport/tennis/player1/ranking", true),
        ("+/tennis/#", "sport/tennis", true),
        ("+/#", "sport", true),
        // §4.7.2, topics beginning with $.
        ("#", "$SYS/broker/clients", false),
        ("+/monitor/Clients", "$SYS/monitor/Clients", false),
        ("$SYS/#", "$SYS/monitor/Clients", true),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("+", "$SYS", false),
        ("a/#", "a/$SYS", true),
        // §4.7.3, exact, case-sensitive comparison; empty levels are levels.
        ("ACCOUNTS", "Accounts", false),
        ("Accounts payable", "Accounts payable", true),
        ("a//b", "a//b", true),
        ("a/+/b", "a//b", true),
        ("a/b", "a/b/", false),
        ("a/b/", "a/b", false),
        ("a/b", "a/bc", false),
        ("a/bc", "a/b", false),
        ("/", "/", true),
        ("+/+", "/", true),
        ("+", "/", false),
    ]

    @Test("matches follows §4.7", arguments: 0..<matching.count)
    func matches(_ index: Int) {
        let (filter, topic, expected) = Self.matching[index]
        #expect(MQTTTopic.isValidTopicFilter(filter))
        #expect(MQTTTopic.isValidTopicName(topic))
        #expect(MQTTTopic.matches(filter: filter, topicName: topic) == expected, "\(filter) vs \(topic)")
    }

    @Test("no Unicode normalisation: precomposed é is not decomposed é (§4.7.3)")
    func noNormalisation() {
        let precomposed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(precomposed == decomposed)  // Swift's String equality is canonical equivalence…
        #expect(!MQTTTopic.matches(filter: precomposed, topicName: decomposed))  // …MQTT's is not.
        #expect(MQTTTopic.matches(filter: "+", topicName: decomposed))
    }

    @Test("topic filter syntax (§4.7.1)")
    func filterSyntax() {
        for valid in ["#", "+", "sport/tennis/#", "+/tennis/#", "sport/+/player1", "/+", "+/+", "a//b", "$SYS/#", "/", "é/+/#"] {
            #expect(MQTTTopic.isValidTopicFilter(valid), "\(valid)")
        }
        for invalid in ["", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "a/+b", "#/", "##", "++", "a\u{0}b"] {
            #expect(!MQTTTopic.isValidTopicFilter(invalid), "\(invalid)")
        }
    }

    @Test("topic name syntax (§3.3.2.1, §4.7.3)")
    func nameSyntax() {
        for valid in ["a", "/", "sport/tennis", "$SYS/x", " ", "a//b", "température/é"] {
            #expect(MQTTTopic.isValidTopicName(valid), "\(valid)")
        }
        for invalid in ["", "a/+", "a/#", "#", "+", "a\u{0}"] {
            #expect(!MQTTTopic.isValidTopicName(invalid), "\(invalid)")
        }
    }

    @Test("topics over 65,535 UTF-8 bytes are not valid (§1.5.3)")
    func lengthLimit() {
        #expect(MQTTTopic.isValidTopicName(String(repeating: "a", count: 65_535)))
        #expect(!MQTTTopic.isValidTopicName(String(repeating: "a", count: 65_536)))
        #expect(!MQTTTopic.isValidTopicFilter(String(repeating: "é", count: 32_768)))
    }
}
