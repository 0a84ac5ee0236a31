import NaveCore
import NaveModel
import Testing

/// The routing decision of reference §2.2–§2.5, over the worked examples of §2.4: which
/// endpoints a message reaches, the fallback, enrichments per endpoint.
@Suite("Routing table")
struct RoutingTableTests {
    /// §2.4's message: `dev1` sends a JSON body with `level` and `severity`.
    static func message(contentType: String? = "application/json", encoding: String? = "utf-8",
                        body: [UInt8] = Array(#"{"temp":30,"loc":{"room":"A1"},"list":["x","y"]}"#.utf8),
                        source: TelemetryEvent.Source = .telemetry) -> TelemetryEvent {
        var system: [MessageProperty] = []
        if let contentType { system.append(MessageProperty("$.ct", contentType)) }
        if let encoding { system.append(MessageProperty("$.ce", encoding)) }
        let message = DeviceMessage(body: body, systemProperties: system,
                                    applicationProperties: [MessageProperty("level", "critical"), MessageProperty("severity", "2")])
        return TelemetryEvent(source: source, deviceID: "dev1", message: message)
    }

    /// §2.4's twin of `dev1`: tags `site`, `floor`; desired `mode`.
    static let twin: Twin = {
        var twin = Twin(deviceID: "dev1", identityGenerationID: "g1", createdAt: Timestamp(secondsSinceEpoch: 1_700_000_000))
        twin.tags = JSONObject([("site", .string("north")), ("floor", .integer(3))])
        twin.desired.values = JSONObject([("mode", .string("eco"))])
        return twin
    }()

    static let time = Timestamp(secondsSinceEpoch: 1_700_000_100)

    /// The endpoints `event` reaches under `configuration`, by name.
    static func endpoints(_ configuration: RoutingConfiguration, _ event: TelemetryEvent = message(),
                          twin: Twin? = twin) throws -> [String] {
        let table = try RoutingTable(configuration)
        return table.endpoints(for: event, enqueuedTime: time, twin: twin).map { table.endpointNames[$0] }
    }

    static func oneRoute(_ condition: String, fallback: Bool = true) -> RoutingConfiguration {
        RoutingConfiguration(routes: [Route(name: "r", condition: condition, endpointNames: ["hot"])],
                             endpoints: [RoutingEndpoint(name: "hot", kind: .eventHub)], fallbackEnabled: fallback)
    }

    static let workedExamples: [(String, Bool)] = [
        ("true", true),
        ("level = 'critical'", true),
        ("LEVEL = 'critical'", true),
        ("$connectionDeviceId = 'dev1' AND $contentType = 'application/json'", true),
        ("$ContentType = 'application/json'", true),
        ("$body.temp > 25", true),
        ("$body.loc.room = 'A1' AND level = 'critical'", true),
        ("$body.list[0] = 'x'", true),
        ("length($body.loc.room) = 2", true),
        ("severity = 2", false),
        ("as_number(severity) <= 2", true),
        ("upper(level) = 'CRITICAL'", true),
        ("startswith($connectionDeviceId, 'dev')", true),
        ("$twin.tags.site = 'north' AND $twin.tags.floor = 3", true),
        ("$twin.properties.desired.mode = 'eco'", true),
        ("is_defined($body.nothere)", false),
        ("NOT is_defined($body.nothere)", true),
        ("nothere = 'x'", false),
        ("NOT (nothere = 'x')", false),
        ("$body[0] = 'x'", false),
        ("$enqueuedTime > '2023-01-01T00:00:00Z'", true),
        ("$level = 'critical'", true),
    ]

    @Test("§2.4's worked examples: a match goes to the route's endpoint only, no match falls back to events",
          arguments: workedExamples)
    func workedExample(condition: String, matches: Bool) throws {
        #expect(try Self.endpoints(Self.oneRoute(condition)) == (matches ? ["hot"] : ["events"]))
    }

    @Test("$body is undefined unless the content type is application/json in a UTF encoding")
    func bodyPreconditions() throws {
        let route = Self.oneRoute("$body.temp > 25")
        #expect(try Self.endpoints(route, Self.message(contentType: nil)) == ["events"])
        #expect(try Self.endpoints(route, Self.message(encoding: nil)) == ["events"])
        #expect(try Self.endpoints(route, Self.message(encoding: "ascii")) == ["events"])
        #expect(try Self.endpoints(route, Self.message(contentType: "APPLICATION/JSON", encoding: "UTF-8")) == ["hot"])
        #expect(try Self.endpoints(route, Self.message(body: Array("temp=30".utf8))) == ["events"], "not JSON: undefined")
        let utf16 = Array(#"{"temp":30}"#.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(try Self.endpoints(route, Self.message(encoding: "utf-16", body: utf16)) == ["hot"])
        let utf32 = Array(#"{"temp":30}"#.unicodeScalars).flatMap { [UInt8($0.value & 0xFF), 0, 0, 0] }
        #expect(try Self.endpoints(route, Self.message(encoding: "utf-32", body: utf32)) == ["hot"])
        let deep = Array((String(repeating: "[", count: 40) + String(repeating: "]", count: 40)).utf8)
        #expect(try Self.endpoints(Self.oneRoute("NOT is_defined($body.a)"), Self.message(body: deep)) == ["hot"],
                "a body deeper than bodyDepthMax is not parsed: $body stays undefined")
    }

    @Test("without a twin, $twin paths are undefined")
    func noTwin() throws {
        #expect(try Self.endpoints(Self.oneRoute("$twin.tags.site = 'north'"), twin: nil) == ["events"])
    }

    @Test("the fallback sends only unmatched telemetry to events, and only while it is on")
    func fallback() throws {
        #expect(try Self.endpoints(Self.oneRoute("level = 'low'", fallback: false)).isEmpty)
        #expect(try Self.endpoints(Self.oneRoute("level = 'critical'", fallback: false)) == ["hot"])
        #expect(try Self.endpoints(RoutingConfiguration(fallbackEnabled: false)).isEmpty, "no route, no fallback: dropped")
        #expect(try Self.endpoints(RoutingConfiguration()) == ["events"])
        let twinEvent = Self.message(source: .twinChangeEvents)
        #expect(try Self.endpoints(Self.oneRoute("level = 'low'"), twinEvent).isEmpty,
                "the fallback route's source is DeviceMessages: other sources reach only what routes name")
    }

    @Test("every matching route's endpoints once each; a route to events keeps the message there")
    func unionOfRoutes() throws {
        let configuration = RoutingConfiguration(
            routes: [Route(name: "a", condition: "level = 'critical'", endpointNames: ["hot", "cold"]),
                     Route(name: "b", condition: "true", endpointNames: ["hot"]),
                     Route(name: "c", condition: "$body.temp > 25", endpointNames: ["events"]),
                     Route(name: "off", condition: "true", endpointNames: ["spare"], isEnabled: false),
                     Route(name: "twins", source: .twinChangeEvents, condition: "true", endpointNames: ["spare"])],
            endpoints: [RoutingEndpoint(name: "hot", kind: .eventHub), RoutingEndpoint(name: "cold", kind: .eventHub),
                        RoutingEndpoint(name: "spare", kind: .eventHub)])
        #expect(try Self.endpoints(configuration) == ["events", "hot", "cold"])
        #expect(try Self.endpoints(configuration, Self.message(source: .twinChangeEvents)) == ["spare"])
    }

    @Test("enrichments are stamped per endpoint: static, $iothubname, twin values, the literal for a missing path")
    func enrichments() throws {
        var configuration = Self.oneRoute("true")
        configuration.routes.append(Route(name: "all", endpointNames: ["events"]))
        configuration.enrichments = [
            MessageEnrichment(key: "region", value: "eu-west", endpointNames: ["hot"]),
            MessageEnrichment(key: "hub", value: "$iothubname", endpointNames: ["hot"]),
            MessageEnrichment(key: "site", value: "$twin.tags.site", endpointNames: ["hot"]),
            MessageEnrichment(key: "floor", value: "$twin.tags.floor", endpointNames: ["hot"]),
            MessageEnrichment(key: "mode", value: "$twin.properties.desired.mode", endpointNames: ["hot"]),
            MessageEnrichment(key: "where", value: "$twin.tags.location", endpointNames: ["hot"]),
            MessageEnrichment(key: "level", value: "overridden", endpointNames: ["hot"]),
        ]
        let table = try RoutingTable(configuration)
        #expect(table.readsTwin(.deviceMessages))
        let event = Self.message()
        let hot = try #require(table.enriched(event, for: 1, hubName: "myhub", twin: Self.twin)).message.applicationProperties
        #expect(hot == [MessageProperty("level", "overridden"), MessageProperty("severity", "2"),
                        MessageProperty("region", "eu-west"), MessageProperty("hub", "myhub"),
                        MessageProperty("site", "north"), MessageProperty("floor", "3"), MessageProperty("mode", "eco"),
                        MessageProperty("where", "$twin.tags.location")])
        #expect(table.enriched(event, for: 0, hubName: "myhub", twin: Self.twin) == event, "events has no enrichment")
        let noTwin = try #require(table.enriched(event, for: 1, hubName: "myhub", twin: nil)).message.applicationProperties
        #expect(noTwin.contains(MessageProperty("site", "$twin.tags.site")), "no twin: the literal text")
    }

    @Test("nothing configured, or only a disabled fallback changed, decides the pass-through")
    func passThrough() throws {
        #expect(try RoutingTable(RoutingConfiguration()).isPassThrough)
        #expect(try !RoutingTable(RoutingConfiguration(fallbackEnabled: false)).isPassThrough)
        #expect(try !RoutingTable(Self.oneRoute("true")).isPassThrough)
        let enrichEvents = RoutingConfiguration(enrichments: [MessageEnrichment(key: "k", value: "v", endpointNames: ["events"])])
        #expect(try !RoutingTable(enrichEvents).isPassThrough)
    }

    @Test("route test explains each route")
    func explain() throws {
        let configuration = RoutingConfiguration(
            routes: [Route(name: "yes", condition: "level = 'critical'", endpointNames: ["hot"]),
                     Route(name: "no", condition: "level = 'low'", endpointNames: ["hot"]),
                     Route(name: "undef", condition: "nothere = 'x'", endpointNames: ["hot"]),
                     Route(name: "off", endpointNames: ["hot"], isEnabled: false),
                     Route(name: "twin", source: .twinChangeEvents, endpointNames: ["hot"])],
            endpoints: [RoutingEndpoint(name: "hot", kind: .eventHub)])
        let result = try RoutingTable(configuration).test(Self.message(), enqueuedTime: Self.time, twin: nil)
        #expect(result.outcomes.map(\.result) == [.matched, .conditionFalse, .conditionUndefined, .disabled, .otherSource])
        #expect(result.endpoints == ["hot"])
        #expect(!result.viaFallback)
    }
}
