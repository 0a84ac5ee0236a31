import NaveModel
import Synchronization

/// Makes and keeps the durable sinks of custom endpoints: the node gives each `eventhub`
/// endpoint a log of its own under the data directory; tests and embedders keep them in memory.
/// Routing asks for the sinks of a whole endpoint list on every configuration change, so an
/// implementation opens what is new and keeps what it already has.
public protocol RoutingEndpointSinks: Sendable {
    /// A sink for each of `endpoints` by name; throws 400 for a kind this hub cannot serve
    /// (nothing is applied then).
    func sinks(for endpoints: [RoutingEndpoint]) async throws(HubError) -> [String: any TelemetrySink]
    /// The readable log behind endpoint `name` (an `eventhub` endpoint), if it has one.
    func eventSource(named name: String) -> (any EventSource)?
    /// Called once a configuration without some endpoints is in force: their logs, dead
    /// letters and cursors go (an endpoint created again under the same name starts empty,
    /// as on IoT Hub).
    func retire(keeping endpoints: [RoutingEndpoint]) async
}

extension RoutingEndpointSinks {
    public func eventSource(named name: String) -> (any EventSource)? { nil }
    public func retire(keeping endpoints: [RoutingEndpoint]) async {}
}

/// Endpoint sinks in memory: one `InMemoryTelemetrySink` per endpoint name, kept across changes.
public final class InMemoryRoutingEndpointSinks: RoutingEndpointSinks {
    private let made = Mutex<[String: InMemoryTelemetrySink]>([:])
    private let clock: any HubClock

    public init(clock: any HubClock = ManualClock()) { self.clock = clock }

    public func sinks(for endpoints: [RoutingEndpoint]) async throws(HubError) -> [String: any TelemetrySink] {
        made.withLock { made in
            var result: [String: any TelemetrySink] = [:]
            for endpoint in endpoints {
                let sink = made[endpoint.name] ?? InMemoryTelemetrySink(clock: clock)
                made[endpoint.name] = sink
                result[endpoint.name] = sink
            }
            return result
        }
    }

    /// The sink of endpoint `name`, if one was made.
    public func sink(named name: String) -> InMemoryTelemetrySink? { made.withLock { $0[name] } }
}
