import NaveCore
import NaveModel
import Synchronization

/// The node's custom endpoints (issue #15): each `eventhub` endpoint is an `EventLog` of its own
/// under `<data>/endpoints/<name>/`, partitioned by device like the built-in one (its
/// `partitionCount` setting, the built-in's count by default), so an append returns once the
/// event is durable there too and readers follow it like `events`.
///
/// Logs are opened when an endpoint first appears and kept open until the node closes: a
/// deleted endpoint's log may still take appends routed by the table being swapped out, and a
/// re-created endpoint of the same name carries on in the same files.
public final class EventLogEndpointSinks: RoutingEndpointSinks {
    private let directory: String
    private let configuration: EventLogConfiguration
    private let clock: any HubClock
    private let logs = Mutex<[String: EventLog]>([:])

    /// Endpoint logs go under `dataDirectory/endpoints`; `configuration` is the built-in
    /// log's, whose partition count an endpoint may override.
    public init(dataDirectory: String, configuration: EventLogConfiguration, clock: any HubClock) {
        directory = dataDirectory + "/endpoints"
        self.configuration = configuration
        self.clock = clock
    }

    public func sinks(for endpoints: [RoutingEndpoint]) async throws(HubError) -> [String: any TelemetrySink] {
        var result: [String: any TelemetrySink] = [:]
        for endpoint in endpoints {
            try Self.checkSupported(endpoint)
            result[endpoint.name] = EventLogTelemetrySink(log: try log(for: endpoint))
        }
        return result
    }

    /// Refuses the endpoint kinds a node cannot serve yet (only `eventhub` so far); the CLI
    /// checks with this too when it changes a stopped node's store.
    public static func checkSupported(_ endpoint: RoutingEndpoint) throws(HubError) {
        guard endpoint.kind == .eventHub else {
            throw .argumentInvalid("Endpoint '\(endpoint.name)': \(endpoint.kind.rawValue) endpoints are not supported by this node yet.")
        }
    }

    /// The open log of endpoint `name`, if it was configured since the node started.
    public func log(named name: String) -> EventLog? { logs.withLock { $0[name] } }

    public func eventSource(named name: String) -> (any EventSource)? { log(named: name) }

    private func log(for endpoint: RoutingEndpoint) throws(HubError) -> EventLog {
        if let open = log(named: endpoint.name) { return open }
        var configuration = configuration
        if let count = endpoint.settings["partitionCount"].flatMap(Int.init) { configuration.partitionCount = count }
        let clock = clock
        do {
            let log = try EventLog(directory: directory + "/" + endpoint.name, configuration: configuration, clock: { clock.now() })
            logs.withLock { $0[endpoint.name] = log }
            return log
        } catch .partitionCountMismatch(let stored, _) {
            throw .argumentInvalid("Endpoint '\(endpoint.name)' has \(stored) partitions on disk; its partitionCount cannot change.")
        } catch {
            throw .serverError("The log of endpoint '\(endpoint.name)' could not be opened: \(error)")
        }
    }

    /// Closes every endpoint log (the node is stopping).
    public func close() async {
        for log in logs.withLock({ Array($0.values) }) { await log.close() }
    }
}
