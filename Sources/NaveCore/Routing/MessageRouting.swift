import NaveModel
import Synchronization

/// The hub's routing service (issue #15): the configuration as stored, and every change to it
/// — routes, endpoints, enrichments, the fallback — checked, stored, then applied to the
/// running hub at once by swapping the routing sink's table (no restart).
///
/// Changes are serialized; each builds the whole new configuration, validates it by compiling
/// its table, opens the endpoint sinks it needs, writes it to the store and only then swaps it
/// in, so a refused or failed change leaves both the store and the running table as they were.
public final class MessageRouting: Sendable {
    private let store: any RoutingStore
    public let sink: RoutingTelemetrySink
    private let endpointSinks: any RoutingEndpointSinks
    private let current: Mutex<RoutingConfiguration>
    private let gate = WriteGate()
    private let clock: any HubClock

    /// Loads the stored configuration and applies it to `sink`.
    public static func open(store: any RoutingStore, sink: RoutingTelemetrySink, endpointSinks: any RoutingEndpointSinks,
                            clock: any HubClock) async throws(HubError) -> MessageRouting {
        let configuration: RoutingConfiguration
        do {
            configuration = try await store.loadRouting()
        } catch {
            throw .serverError("the routing store failed to load: \(error)")
        }
        try sink.apply(RoutingTable(configuration), endpointSinks: try await endpointSinks.sinks(for: configuration.endpoints))
        return MessageRouting(store: store, sink: sink, endpointSinks: endpointSinks, configuration: configuration, clock: clock)
    }

    private init(store: any RoutingStore, sink: RoutingTelemetrySink, endpointSinks: any RoutingEndpointSinks,
                 configuration: RoutingConfiguration, clock: any HubClock) {
        self.store = store
        self.sink = sink
        self.endpointSinks = endpointSinks
        self.clock = clock
        current = Mutex(configuration)
    }

    /// The configuration in force.
    public var configuration: RoutingConfiguration { current.withLock { $0 } }

    /// Replaces the whole configuration (YAML's `routing:` at start, `PUT /routing`).
    @discardableResult
    public func replace(with configuration: RoutingConfiguration) async throws(HubError) -> RoutingConfiguration {
        try await change { $0 = configuration }
    }

    /// Applies `edit` to the current configuration, then validates, stores and swaps in the
    /// result; returns it. `edit` throws to refuse (not found, already exists).
    @discardableResult
    public func change(_ edit: (inout RoutingConfiguration) throws(HubError) -> Void) async throws(HubError) -> RoutingConfiguration {
        await gate.acquire()
        do throws(HubError) {
            let next = try await applyLocked(edit)
            await gate.release()
            return next
        } catch {
            await gate.release()
            throw error
        }
    }

    private func applyLocked(_ edit: (inout RoutingConfiguration) throws(HubError) -> Void) async throws(HubError) -> RoutingConfiguration {
        var next = configuration
        try edit(&next)
        let table = try RoutingTable(next)
        let sinks = try await endpointSinks.sinks(for: next.endpoints)
        do {
            try await store.saveRouting(next)
        } catch {
            throw .serverError("the routing store failed to save: \(error)")
        }
        try sink.apply(table, endpointSinks: sinks)
        current.withLock { $0 = next }
        // Messages now go only where the new table says: what no endpoint uses any more goes.
        await endpointSinks.retire(keeping: next.endpoints)
        return next
    }

    /// The readable log of `eventhub` endpoint `name` (`GET /events?endpoint=`), nil when no
    /// such endpoint is configured.
    public func eventSource(ofEndpoint name: String) -> (any EventSource)? {
        guard configuration.endpoint(named: name)?.kind == .eventHub else { return nil }
        return endpointSinks.eventSource(named: name)
    }

    /// The dead-letter log of external endpoint `name` (`webhook`, `storage`, `mqtt`): the
    /// messages its delivery gave up on, with `deadLetterReason` and `deliveryAttempts`
    /// (`GET /events?endpoint=NAME&deadLetter=true`). Nil when no such endpoint is configured.
    public func deadLetterSource(ofEndpoint name: String) -> (any EventSource)? {
        guard let endpoint = configuration.endpoint(named: name), endpoint.kind != .eventHub else { return nil }
        return endpointSinks.eventSource(named: RoutingEndpoint.deadLetterLogName(of: endpoint.name))
    }

    /// Tests `event` against the configuration in force (`route test`): what each route
    /// decides and where the message would go. `twin` is the sender's twin when known.
    public func test(_ event: TelemetryEvent, twin: Twin?) -> RouteTestResult {
        sink.table.test(event, enqueuedTime: clock.now(), twin: twin)
    }
}
