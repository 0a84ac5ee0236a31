import NaveCore
import NaveModel
import Testing

/// What a routing configuration must satisfy before it is stored (reference §2, §2.2, §2.5).
@Suite("Routing validation")
struct RoutingValidationTests {
    static let hot = RoutingEndpoint(name: "hot", kind: .eventHub)

    static func refusal(_ configuration: RoutingConfiguration) -> HubError? {
        do {
            try configuration.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test("a route naming an unknown endpoint is refused")
    func unknownEndpoint() {
        let error = Self.refusal(RoutingConfiguration(routes: [Route(name: "r", endpointNames: ["nowhere"])]))
        #expect(error?.status == 400)
        #expect(error?.message.contains("'nowhere'") == true)
    }

    @Test("a condition that does not parse is refused with the parser's message")
    func badCondition() {
        let error = Self.refusal(RoutingConfiguration(routes: [Route(name: "r", condition: "level = ", endpointNames: ["events"])]))
        #expect(error?.status == 400)
        #expect(error?.message.contains("Route 'r'") == true)
        #expect(error?.message.contains("column") == true, "the parser's position is kept")
    }

    @Test("names: charset, length, reserved endpoint names, duplicates")
    func names() {
        #expect(Self.refusal(RoutingConfiguration(routes: [Route(name: "bad name", endpointNames: ["events"])]))?.status == 400)
        #expect(Self.refusal(RoutingConfiguration(routes: [Route(name: String(repeating: "a", count: 65), endpointNames: ["events"])]))?.status == 400)
        #expect(Self.refusal(RoutingConfiguration(routes: [Route(name: "a.b_c-1", endpointNames: ["events"])])) == nil)
        #expect(Self.refusal(RoutingConfiguration(endpoints: [RoutingEndpoint(name: "events", kind: .eventHub)]))?.status == 400)
        #expect(Self.refusal(RoutingConfiguration(endpoints: [Self.hot, Self.hot]))?.status == 409)
        #expect(Self.refusal(RoutingConfiguration(routes: [Route(name: "r", endpointNames: ["events"]),
                                                           Route(name: "r", endpointNames: ["events"])]))?.status == 409)
    }

    @Test("endpoint settings: a webhook needs a URL, a storage endpoint a directory")
    func settings() {
        #expect(Self.refusal(RoutingConfiguration(endpoints: [RoutingEndpoint(name: "w", kind: .webhook)]))?.status == 400)
        #expect(Self.refusal(RoutingConfiguration(endpoints: [RoutingEndpoint(name: "w", kind: .webhook, settings: ["url": "ftp://x"])]))?.status == 400)
        #expect(Self.refusal(RoutingConfiguration(endpoints: [RoutingEndpoint(name: "w", kind: .webhook, settings: ["url": "http://127.0.0.1:9/x"])])) == nil)
        #expect(Self.refusal(RoutingConfiguration(endpoints: [RoutingEndpoint(name: "s", kind: .storage)]))?.status == 400)
        #expect(Self.refusal(RoutingConfiguration(endpoints: [RoutingEndpoint(name: "e", kind: .eventHub, settings: ["partitionCount": "0"])]))?.status == 400)
        #expect(Self.refusal(RoutingConfiguration(endpoints: [RoutingEndpoint(name: "m", kind: .mqtt, settings: ["maxDeliveryAttempts": "0"])]))?.status == 400)
        #expect(Self.refusal(RoutingConfiguration(endpoints: [RoutingEndpoint(name: "m", kind: .mqtt, settings: ["maxDeliveryAttempts": "3"])])) == nil)
    }

    @Test("enrichment values: static, $iothubname and the three twin roots only")
    func enrichmentValues() {
        for value in ["plain", "$iothubname", "$twin.tags.site", "$twin.properties.desired.a.b", "$twin.properties.reported.x"] {
            #expect(Self.refusal(RoutingConfiguration(enrichments: [MessageEnrichment(key: "k", value: value, endpointNames: ["events"])])) == nil, "\(value)")
        }
        for value in ["$twin.deviceId", "$twin.tags", "$body.x", "$contentType", "$twin.properties.other.x"] {
            #expect(Self.refusal(RoutingConfiguration(enrichments: [MessageEnrichment(key: "k", value: value, endpointNames: ["events"])]))?.status == 400, "\(value)")
        }
        #expect(Self.refusal(RoutingConfiguration(enrichments: [MessageEnrichment(key: "k", value: "v", endpointNames: ["hot"])]))?.status == 400)
    }

    @Test("IoT Hub's counts: 100 routes, 10 endpoints, 10 enrichments")
    func counts() {
        let routes = (0...RoutingLimits.routesMax).map { Route(name: "r\($0)", endpointNames: ["events"]) }
        #expect(Self.refusal(RoutingConfiguration(routes: routes))?.status == 400)
        #expect(Self.refusal(RoutingConfiguration(routes: Array(routes.dropLast()))) == nil)
        let endpoints = (0...RoutingLimits.endpointsMax).map { RoutingEndpoint(name: "e\($0)", kind: .eventHub) }
        #expect(Self.refusal(RoutingConfiguration(endpoints: endpoints))?.status == 400)
        let enrichments = (0...RoutingLimits.enrichmentsMax).map { MessageEnrichment(key: "k\($0)", value: "v", endpointNames: ["events"]) }
        #expect(Self.refusal(RoutingConfiguration(enrichments: enrichments))?.status == 400)
    }
}
