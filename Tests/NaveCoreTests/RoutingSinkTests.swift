import NaveCore
import NaveModel
import Synchronization
import Testing

/// The routing sink in process: the pass-through before any configuration, every endpoint's
/// log receiving what the table decides (enriched for it), a swap taking effect at once.
@Suite("Routing sink")
struct RoutingSinkTests {
    struct FixedTwins: RoutingTwinSource {
        func routingTwin(of key: IdentityKey) async -> Twin? { key.deviceID == "dev1" ? RoutingTableTests.twin : nil }
    }

    @Test("unconfigured: straight to the built-in endpoint; configured: to each endpoint, enriched for it")
    func routes() async throws {
        let builtIn = InMemoryTelemetrySink()
        let hot = InMemoryTelemetrySink()
        let sink = RoutingTelemetrySink(builtIn: builtIn, hubName: "myhub", clock: ManualClock())
        sink.setTwinSource(FixedTwins())
        try await sink.append(RoutingTableTests.message())
        #expect(builtIn.appended.count == 1)

        var configuration = RoutingTableTests.oneRoute("$twin.tags.site = 'north'")
        configuration.routes.append(Route(name: "low", condition: "level = 'low'", endpointNames: ["events"]))
        configuration.enrichments = [MessageEnrichment(key: "site", value: "$twin.tags.site", endpointNames: ["hot"])]
        try sink.apply(RoutingTable(configuration), endpointSinks: ["hot": hot])
        try await sink.append(RoutingTableTests.message())
        #expect(builtIn.appended.count == 1, "a message routed elsewhere is no longer in events")
        #expect(hot.appended.last?.message.applicationProperties.last == MessageProperty("site", "north"))

        var other = RoutingTableTests.message()
        other.deviceID = "dev2"
        try await sink.append(other)
        #expect(builtIn.appended.count == 2, "no twin: the condition is undefined, the fallback takes it")
        #expect(builtIn.appended.last?.message.applicationProperties.contains { $0.name == "site" } == false)

        configuration.routes.append(Route(name: "both", endpointNames: ["events"]))
        try sink.apply(RoutingTable(configuration), endpointSinks: ["hot": hot])
        try await sink.append(RoutingTableTests.message())
        #expect(builtIn.appended.count == 3)
        #expect(hot.appended.count == 2)

        try sink.apply(RoutingTable(RoutingConfiguration(fallbackEnabled: false)), endpointSinks: [:])
        try await sink.append(RoutingTableTests.message())
        #expect(builtIn.appended.count == 3)
        #expect(sink.droppedCount == 1)
    }

    @Test("the callback path takes device telemetry only while nothing is configured; hub events and routed messages await append")
    func appendNow() throws {
        let builtIn = InMemoryTelemetrySink()
        let sink = RoutingTelemetrySink(builtIn: builtIn, hubName: "myhub", clock: ManualClock())
        let completions = Mutex<[HubError?]>([])
        let record: TelemetryCompletion = { refusal in completions.withLock { $0.append(refusal) } }
        #expect(sink.appendNow(RoutingTableTests.message(), completion: record))
        #expect(builtIn.appended.count == 1)
        #expect(completions.withLock { $0.count } == 1)

        #expect(!sink.appendNow(RoutingTableTests.message(source: .twinChangeEvents), completion: record), "a hub event is stamped on the awaited path")

        try sink.apply(RoutingTable(RoutingTableTests.oneRoute("level = 'low'")), endpointSinks: ["hot": InMemoryTelemetrySink()])
        #expect(!sink.appendNow(RoutingTableTests.message(), completion: record))
        #expect(builtIn.appended.count == 1, "nothing was queued when the call said no")
        #expect(completions.withLock { $0.count } == 1)
    }

    @Test("undefined conditions and oversized enriched messages are reported once a minute per route or endpoint, with counts")
    func problems() async throws {
        let clock = ManualClock()
        let reports = Reports()
        let builtIn = InMemoryTelemetrySink()
        let hot = InMemoryTelemetrySink()
        let sink = RoutingTelemetrySink(builtIn: builtIn, hubName: "h", clock: clock, problems: reports.record)
        var configuration = RoutingTableTests.oneRoute("nothere = 'x'")
        configuration.routes.append(Route(name: "big", condition: "level = 'big'", endpointNames: ["hot"]))
        configuration.enrichments = [MessageEnrichment(key: "pad", value: String(repeating: "p", count: 1_000), endpointNames: ["hot"])]
        try sink.apply(RoutingTable(configuration), endpointSinks: ["hot": hot])
        for _ in 0..<3 { try await sink.append(RoutingTableTests.message()) }
        #expect(reports.entries == ["conditionUndefined(route: \"r\") 1"], "the first at once, the next two held back")
        #expect(builtIn.appended.count == 3, "an undefined condition is no match: the fallback takes the message")
        clock.advance(seconds: 61)
        try await sink.append(RoutingTableTests.message())
        #expect(reports.entries.last == "conditionUndefined(route: \"r\") 3", "held-back ones are counted in the next report")

        var big = RoutingTableTests.message()
        big.message.applicationProperties = [MessageProperty("level", "big")]
        big.message.body = Array(repeating: 0x61, count: RoutingLimits.enrichedMessageBytesMax - 500)
        try await sink.append(big)
        #expect(hot.appended.isEmpty, "over 256 KB with its enrichment: dropped for that endpoint")
        #expect(reports.entries.last?.hasPrefix("enrichedTooLarge(endpoint: \"hot\"") == true)
        big.message.body.removeLast(1_000)
        try await sink.append(big)
        #expect(hot.appended.count == 1)
        #expect(sink.problems.count == 7, "6 undefined conditions (every message meets route r), 1 oversized")
    }

    @Test("a table with an endpoint that has no sink is not applied")
    func missingSink() throws {
        let sink = RoutingTelemetrySink(builtIn: InMemoryTelemetrySink(), hubName: "h", clock: ManualClock())
        #expect(throws: HubError.self) { try sink.apply(RoutingTable(RoutingTableTests.oneRoute("true")), endpointSinks: [:]) }
        #expect(sink.table.isPassThrough)
    }

    @Test("non-telemetry events carry §2.7's common properties, which conditions see; telemetry is untouched")
    func nonTelemetryStamps() async throws {
        let builtIn = InMemoryTelemetrySink()
        let lifecycle = InMemoryTelemetrySink()
        let sink = RoutingTelemetrySink(builtIn: builtIn, hubName: "myhub", clock: ManualClock())
        let configuration = RoutingConfiguration(
            routes: [Route(name: "life", source: .deviceLifecycleEvents,
                           condition: "$userId = 'myhub' AND hubName = 'myhub' AND [[iothub-message-schema]] = 'deviceLifecycleNotification'",
                           endpointNames: ["life"]),
                     Route(name: "all", endpointNames: ["events"])],
            endpoints: [RoutingEndpoint(name: "life", kind: .eventHub)])
        try sink.apply(RoutingTable(configuration), endpointSinks: ["life": lifecycle])
        let event = { (source: TelemetryEvent.Source) in
            TelemetryEvent(source: source, deviceID: "dev1", moduleID: "m1",
                           message: DeviceMessage(body: Array("{}".utf8), applicationProperties: [MessageProperty("opType", "x")]))
        }
        try await sink.append(event(.deviceLifecycleEvents))
        try await sink.append(event(.deviceLifecycleEvents))
        try await sink.append(event(.telemetry))
        #expect(lifecycle.appended.count == 2, "the condition on the stamped properties matched")
        let first = try #require(lifecycle.appended.first?.message)
        #expect(first.applicationProperties == [MessageProperty("opType", "x"), MessageProperty("hubName", "myhub"), MessageProperty("deviceId", "dev1"),
                                                MessageProperty("moduleId", "m1"), MessageProperty("iothub-message-schema", "deviceLifecycleNotification")])
        #expect(first.systemProperty("$.uid") == "myhub")
        let ids = lifecycle.appended.compactMap { $0.message.systemProperty("$.cid") }
        #expect(ids.count == 2 && ids[0] < ids[1] && ids[0].count == 32, "unique, increasing: \(ids)")
        #expect(builtIn.appended.last?.message == event(.telemetry).message, "telemetry is not stamped")
    }
}

/// What a `RoutingProblemLog` reported: "problem occurrences" per report.
final class Reports: Sendable {
    private let state = Mutex<[String]>([])
    var entries: [String] { state.withLock { $0 } }

    @Sendable func record(_ problem: RoutingProblem, _ occurrences: Int) {
        state.withLock { $0.append("\(problem) \(occurrences)") }
    }
}
