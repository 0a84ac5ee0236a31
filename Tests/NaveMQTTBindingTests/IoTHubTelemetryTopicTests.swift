import NaveCodecTestSupport
import NaveMQTTBinding
import Testing

/// Telemetry topics (contract §1.6) parse as the first implementation parsed them: that one
/// split the topic into levels (an array per message); the single-pass parser must agree with
/// it on every topic, well-formed or not.
@Suite("IoT Hub telemetry topics against the reference parser")
struct IoTHubTelemetryTopicTests {
    /// The level-splitting parser the single pass replaced, kept as the reference.
    static func reference(_ topic: String) -> IoTHubTopic? {
        let text = Substring(topic)
        guard text.hasPrefix("devices/") else { return nil }
        let parts = text.split(separator: "/", maxSplits: 5, omittingEmptySubsequences: false)
        if parts.count >= 4, parts[2] == "messages", parts[3] == "events" {
            let bag = text.split(separator: "/", maxSplits: 4, omittingEmptySubsequences: false).dropFirst(4).first ?? ""
            return .telemetry(deviceID: parts[1], moduleID: nil, propertyBag: bag)
        }
        if parts.count >= 6, parts[2] == "modules", parts[4] == "messages" {
            let rest = parts[5]
            guard rest == "events" || rest.hasPrefix("events/") else { return nil }
            let bag = rest.hasPrefix("events/") ? rest.dropFirst("events/".count) : ""
            return .telemetry(deviceID: parts[1], moduleID: parts[3], propertyBag: bag)
        }
        return nil
    }

    static let topics = [
        "devices/d1/messages/events/", "devices/d1/messages/events", "devices/d1/messages/events/a=1&%24.mid=x",
        "devices/d1/messages/events/a/b/c", "devices/d1/messages/eventsX", "devices/d1/messages/events//",
        "devices/d1/messages/", "devices/d1/messages", "devices/d1", "devices/", "devices//messages/events/",
        "devices/d1/modules/m1/messages/events/", "devices/d1/modules/m1/messages/events",
        "devices/d1/modules/m1/messages/events/k=v/x", "devices/d1/modules/m1/messages/eventsX",
        "devices/d1/modules//messages/events/", "devices/d1/modules/m1/messages", "devices/d1/modules/m1",
        "devices/d1/modules/m1/inputs/events/", "devices/d1/modules/messages/events/",
        "devices/d1/messages/events/\u{301}x", "devices/d\u{301}/messages/events/", "devices/d1/\u{301}messages/events/",
        "devices/d1/messages/devicebound/", "devices/bench-000042/messages/events/",
    ]

    @Test("telemetry topics parse as the level-splitting reference parsed them", arguments: topics)
    func agreesWithReference(_ topic: String) {
        #expect(IoTHubTopic(publishedTopic: topic) == Self.reference(topic))
    }

    @Test("device and module telemetry: ids and property bag")
    func fields() {
        #expect(IoTHubTopic(publishedTopic: "devices/d1/messages/events/a=1/b")
            == .telemetry(deviceID: "d1", moduleID: nil, propertyBag: "a=1/b"))
        #expect(IoTHubTopic(publishedTopic: "devices/d1/modules/m1/messages/events")
            == .telemetry(deviceID: "d1", moduleID: "m1", propertyBag: ""))
        #expect(IoTHubTopic(publishedTopic: "devices/d1/messages/eventsX") == nil)
    }

    /// Topics glued from the levels a telemetry topic is made of, near-misses and a few
    /// non-ASCII pieces: the byte parser (ASCII topics) and the Character parser (the others)
    /// agree with the reference on each.
    @Test("generated topics parse as the reference parsed them")
    func generatedAgreeWithReference() {
        let pieces = ["devices", "d1", "modules", "m1", "messages", "events", "eventsX", "", "a=1", "%24.mid=x",
                      "\u{301}", "\u{E9}", "inputs", "bench-000042", "mess", "devices/"]
        var random = SeededGenerator(seed: 0x7E1E_0E7)
        for _ in 0..<5_000 {
            let levels = (0..<Int.random(in: 1...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }
            let topic = (Bool.random(using: &random) ? "devices/" : "") + levels.joined(separator: "/")
            #expect(IoTHubTopic(publishedTopic: topic) == Self.reference(topic), "\(topic)")
        }
    }
}
