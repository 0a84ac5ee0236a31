import NaveModel
import NaveQuery

/// A routing configuration made ready for messages (reference §2.2): conditions parsed once,
/// endpoints numbered (slot 0 is the built-in `events`), routes grouped by source, and what a
/// source's conditions and enrichments read (`$body`, `$twin`) known up front, so a message's
/// document is built with only that.
///
/// Immutable: a change of configuration builds a new table and the sink swaps it in whole.
public struct RoutingTable: Sendable {
    struct CompiledRoute: Sendable {
        let name: String
        let condition: QueryExpression
        /// The route's endpoints as a bit set of slots.
        let endpoints: EndpointSet
    }

    /// One source's routes and what they read.
    struct SourceRoutes: Sendable {
        var routes: [CompiledRoute] = []
        var readsBody = false
        var readsTwin = false
    }

    /// Endpoint names by slot: `events` first, then the custom endpoints in configured order.
    public let endpointNames: [String]
    /// The configuration the table was built from.
    public let configuration: RoutingConfiguration
    let sources: [RouteSource: SourceRoutes]
    /// Enrichments (key, value) per endpoint slot.
    let enrichments: [[(key: String, value: EnrichmentValue)]]
    let enrichmentsReadTwin: Bool
    /// True when routing changes nothing: no route, the fallback on, no enrichment for `events`.
    /// The sink then hands every event straight to the built-in endpoint, as before routing.
    public let isPassThrough: Bool

    /// Validates `configuration` and compiles it.
    public init(_ configuration: RoutingConfiguration) throws(HubError) {
        try configuration.validate()
        self.configuration = configuration
        let names = [RoutingConfiguration.builtInEndpointName] + configuration.endpoints.map(\.name)
        endpointNames = names
        let slots = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let slotSet: ([String]) -> EndpointSet = { EndpointSet(slots: $0.compactMap { slots[$0] }) }
        var sources: [RouteSource: SourceRoutes] = [:]
        for route in configuration.routes where route.isEnabled {
            let condition = try RoutingConfiguration.parseCondition(route.condition, route: route.name)
            var entry = sources[route.source] ?? SourceRoutes()
            entry.routes.append(CompiledRoute(name: route.name, condition: condition, endpoints: slotSet(route.endpointNames)))
            let roots = Self.roots(of: condition)
            entry.readsBody = entry.readsBody || roots.body
            entry.readsTwin = entry.readsTwin || roots.twin
            sources[route.source] = entry
        }
        self.sources = sources
        var enrichments = Array(repeating: [(key: String, value: EnrichmentValue)](), count: names.count)
        var readTwin = false
        for enrichment in configuration.enrichments {
            let value = try EnrichmentValue(enrichment.value)
            readTwin = readTwin || value.readsTwin
            for name in enrichment.endpointNames { if let slot = slots[name] { enrichments[slot].append((enrichment.key, value)) } }
        }
        self.enrichments = enrichments
        enrichmentsReadTwin = readTwin
        isPassThrough = configuration.routes.isEmpty && configuration.fallbackEnabled && enrichments[0].isEmpty
    }

    /// A table with nothing configured: everything to `events`.
    public static let passThrough = try! RoutingTable(RoutingConfiguration())

    /// True when a message of `source` needs its sender's twin: a condition reads `$twin`, or
    /// an enrichment stamps a twin value.
    public func readsTwin(_ source: RouteSource) -> Bool {
        enrichmentsReadTwin || sources[source]?.readsTwin == true
    }

    /// The document conditions on `event` are evaluated over; its body is parsed only when a
    /// condition of its source reads `$body`.
    func document(for event: TelemetryEvent, enqueuedTime: Timestamp, twin: Twin?) -> RoutingMessageDocument {
        let readsBody = sources[RouteSource(event.source)]?.readsBody == true
        return RoutingMessageDocument(event: event, enqueuedTime: enqueuedTime,
                                      body: readsBody ? RoutingBody.json(of: event.message) : nil, twin: twin)
    }

    /// The endpoints `event` goes to (§2.2): every endpoint of every enabled route of its
    /// source whose condition is exactly `true`, once each; when none matched, `events` if the
    /// fallback is on and the message is device telemetry (the fallback route's source is
    /// `DeviceMessages`; other sources reach only what their routes name).
    /// A condition that is neither true nor false (`undefined`, `null`) counts as not matched
    /// and goes to `problems` (§2.2: "logs a routing error").
    public func endpoints(for event: TelemetryEvent, enqueuedTime: Timestamp, twin: Twin?,
                          problems: RoutingProblemLog? = nil) -> EndpointSet {
        if isPassThrough { return EndpointSet(slots: [0]) }
        return endpoints(for: document(for: event, enqueuedTime: enqueuedTime, twin: twin), problems: problems)
    }

    func endpoints(for document: RoutingMessageDocument, problems: RoutingProblemLog? = nil) -> EndpointSet {
        var matched = false
        var result = EndpointSet()
        for route in sources[RouteSource(document.event.source)]?.routes ?? [] {
            switch route.condition.evaluate(in: document) {
            case .value(.bool(true)):
                matched = true
                result.formUnion(route.endpoints)
            case .value(.bool(false)): continue
            case .undefined, .value: problems?.record(.conditionUndefined(route: route.name))
            }
        }
        if !matched, configuration.fallbackEnabled, document.event.source == .telemetry { result.insert(0) }
        return result
    }

    /// `event` as endpoint `slot` receives it: with that endpoint's enrichments as application
    /// properties (§2.5; an enrichment replaces a property of the same name). Without
    /// enrichments the event is returned as it is, no copy. Nil when the enriched message is
    /// over `RoutingLimits.enrichedMessageBytesMax` (§2.5: dropped; told to `problems`).
    public func enriched(_ event: TelemetryEvent, for slot: Int, hubName: String, twin: Twin?,
                         problems: RoutingProblemLog? = nil) -> TelemetryEvent? {
        let stamps = enrichments[slot]
        guard !stamps.isEmpty else { return event }
        var copy = event
        for (key, value) in stamps {
            let text = value.stamp(hubName: hubName, twin: twin)
            if let index = copy.message.applicationProperties.firstIndex(where: { $0.name == key }) {
                copy.message.applicationProperties[index].value = text
            } else {
                copy.message.applicationProperties.append(MessageProperty(key, text))
            }
        }
        let bytes = copy.message.sizeBytes
        guard bytes <= RoutingLimits.enrichedMessageBytesMax else {
            problems?.record(.enrichedTooLarge(endpoint: endpointNames[slot], bytes: bytes))
            return nil
        }
        return copy
    }

    /// Whether `condition` reads `$body` and `$twin`; an iterative walk (the parser bounded
    /// the tree's size).
    static func roots(of condition: QueryExpression) -> (body: Bool, twin: Bool) {
        var body = false
        var twin = false
        var pending = [condition]
        while let next = pending.popLast() {
            switch next {
            case .path(let path):
                if path.segments.first == .name("$body") { body = true }
                if path.segments.first == .name("$twin") { twin = true }
            case .not(let operand), .negate(let operand): pending.append(operand)
            case .binary(_, let left, let right): pending += [left, right]
            case .membership(let operand, _, _): pending.append(operand)
            case .call(_, let arguments): pending += arguments
            case .literal, .undefined: break
            }
        }
        return (body, twin)
    }
}

/// A set of endpoint slots (at most `RoutingLimits.endpointSlotsMax`), as bits: a routing
/// decision allocates nothing.
public struct EndpointSet: Sendable, Hashable, Sequence {
    var bits: UInt64 = 0

    init() {}

    init(slots: [Int]) { for slot in slots { insert(slot) } }

    mutating func insert(_ slot: Int) { bits |= 1 << UInt64(slot) }
    mutating func formUnion(_ other: EndpointSet) { bits |= other.bits }

    public var isEmpty: Bool { bits == 0 }
    public var count: Int { bits.nonzeroBitCount }
    public func contains(_ slot: Int) -> Bool { bits & (1 << UInt64(slot)) != 0 }

    public func makeIterator() -> Iterator { Iterator(remaining: bits) }

    /// Slots in ascending order.
    public struct Iterator: IteratorProtocol {
        var remaining: UInt64

        public mutating func next() -> Int? {
            guard remaining != 0 else { return nil }
            let slot = remaining.trailingZeroBitCount
            remaining &= remaining - 1
            return slot
        }
    }
}
