import Foundation
import NaveCore
import NaveModel
import Synchronization

/// The node's custom endpoints (issue #15): each endpoint is an `EventLog` of its own under
/// `<data>/endpoints/<name>/`, partitioned by device like the built-in one (its
/// `partitionCount` setting, the built-in's count by default), so an append returns once the
/// event is durable there. An `eventhub` endpoint is read like `events`; an external one
/// (`webhook`, `storage`, `mqtt`) is fed from its log by an `EndpointDelivery` (its cursor checkpointed in the
/// node's store) once the node starts deliveries, with a dead-letter log beside it.
///
/// Logs are opened when an endpoint first appears and kept open until the node closes: a
/// deleted endpoint's log may still take appends routed by the table being swapped out, and a
/// re-created endpoint of the same name carries on in the same files.
public final class EventLogEndpointSinks: RoutingEndpointSinks {
    /// Makes the deliverer of an external endpoint; throws 400 for settings it cannot use.
    public typealias DelivererFactory = @Sendable (RoutingEndpoint) throws(HubError) -> any EndpointDeliverer

    private struct Deliveries {
        var factory: DelivererFactory
        var scheduler: any HubScheduler
        var checkpoints: any CheckpointStore
        var running: [String: (endpoint: RoutingEndpoint, delivery: EndpointDelivery)] = [:]
    }

    private let directory: String
    private let configuration: EventLogConfiguration
    private let clock: any HubClock
    private let logs = Mutex<[String: EventLog]>([:])
    private let deliveries = Mutex<Deliveries?>(nil)

    /// Endpoint logs go under `dataDirectory/endpoints`; `configuration` is the built-in
    /// log's, whose partition count an endpoint may override.
    public init(dataDirectory: String, configuration: EventLogConfiguration, clock: any HubClock) {
        directory = dataDirectory + "/endpoints"
        self.configuration = configuration
        self.clock = clock
    }

    /// `MessageRouting` calls this one change at a time (its changes are serialized).
    public func sinks(for endpoints: [RoutingEndpoint]) async throws(HubError) -> [String: any TelemetrySink] {
        var result: [String: any TelemetrySink] = [:]
        for endpoint in endpoints {
            result[endpoint.name] = EventLogTelemetrySink(log: try log(named: endpoint.name, partitionCount: endpoint.partitionCount))
        }
        try await reconcileDeliveries(endpoints)
        return result
    }

    /// Starts feeding external endpoints, now and whenever one is created: `factory` makes each
    /// one's deliverer, `checkpoints` keeps their cursors, `scheduler` times their retries.
    /// Called once, when the node's loops run and before its listeners take changes.
    public func startDeliveries(_ factory: @escaping DelivererFactory, endpoints: [RoutingEndpoint], scheduler: any HubScheduler,
                                checkpoints: any CheckpointStore) async throws(HubError) {
        deliveries.withLock { $0 = Deliveries(factory: factory, scheduler: scheduler, checkpoints: checkpoints) }
        _ = try await sinks(for: endpoints)
        // Endpoints deleted while the node was stopped (through the store) leave their folder.
        let kept = Set(endpoints.map(\.name))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !kept.contains(name) {
            try? await checkpoints.deleteCheckpoints(of: EndpointDelivery.checkpointKey(name))
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    /// The open log of endpoint `name`, if it was configured since the node started.
    public func log(named name: String) -> EventLog? { logs.withLock { $0[name] } }

    public func eventSource(named name: String) -> (any EventSource)? { log(named: name) }

    /// What endpoint `name`'s delivery did since it started (nil when it has none).
    public func deliveryCounts(of name: String) -> EndpointDelivery.Counters? {
        deliveries.withLock { $0?.running[name]?.delivery.counts }
    }

    /// Every running delivery's counts and backlog, by endpoint name (a metrics scrape).
    public func deliveryStatistics() -> [String: (counts: EndpointDelivery.Counters, backlog: Int)] {
        let running = deliveries.withLock { $0?.running ?? [:] }
        return running.mapValues { ($0.delivery.counts, $0.delivery.backlog) }
    }

    /// Starts the deliveries of new external endpoints (and of changed ones, with their new
    /// settings) and stops those of endpoints no longer configured.
    private func reconcileDeliveries(_ endpoints: [RoutingEndpoint]) async throws(HubError) {
        guard let context = deliveries.withLock({ $0 }) else { return }
        let external = endpoints.filter { $0.kind != .eventHub }
        var stopping: [EndpointDelivery] = []
        var starting: [(RoutingEndpoint, EndpointDelivery)] = []
        for endpoint in external where context.running[endpoint.name]?.endpoint != endpoint {
            let deliverer = try context.factory(endpoint)
            let source = try log(named: endpoint.name, partitionCount: endpoint.partitionCount)
            let deadLetters = EventLogTelemetrySink(log: try log(named: RoutingEndpoint.deadLetterLogName(of: endpoint.name), partitionCount: 1))
            let settings = EndpointDeliverySettings(attemptsMax: endpoint.deliveryAttemptsMax)
            starting.append((endpoint, EndpointDelivery(endpoint: endpoint.name, source: source, checkpoints: context.checkpoints,
                                                        deliverer: deliverer, deadLetters: deadLetters, settings: settings,
                                                        scheduler: context.scheduler)))
        }
        let names = Set(external.map(\.name))
        deliveries.withLock { state in
            guard var current = state else { return }
            for (name, running) in current.running where !names.contains(name) || starting.contains(where: { $0.0.name == name }) {
                stopping.append(running.delivery)
                current.running[name] = nil
            }
            for (endpoint, delivery) in starting { current.running[endpoint.name] = (endpoint, delivery) }
            state = current
        }
        for delivery in stopping { await delivery.stop() }
        for (_, delivery) in starting { delivery.start() }
    }

    private func log(named name: String, partitionCount: Int?) throws(HubError) -> EventLog {
        if let open = log(named: name) { return open }
        var configuration = configuration
        if let partitionCount { configuration.partitionCount = partitionCount }
        let clock = clock
        do {
            let log = try EventLog(directory: directory + "/" + name, configuration: configuration, clock: { clock.now() })
            logs.withLock { $0[name] = log }
            return log
        } catch .partitionCountMismatch(let stored, _) {
            throw .argumentInvalid("Endpoint '\(name)' has \(stored) partitions on disk; its partitionCount cannot change.")
        } catch {
            throw .serverError("The log of endpoint '\(name)' could not be opened: \(error)")
        }
    }

    /// Closes and deletes the logs (and dead-letter logs) of endpoints no longer configured, and
    /// their delivery cursors. Their deliveries were stopped when the configuration changed.
    public func retire(keeping endpoints: [RoutingEndpoint]) async {
        let kept = Set(endpoints.map(\.name))
        let retired = logs.withLock { logs -> [(name: String, log: EventLog)] in
            let gone = logs.filter { !kept.contains(Self.endpointName(ofLog: $0.key)) }
            for name in gone.keys { logs[name] = nil }
            return gone.map { ($0.key, $0.value) }
        }
        guard !retired.isEmpty else { return }
        for (_, log) in retired { await log.close() }
        let checkpoints = deliveries.withLock { $0?.checkpoints }
        for name in Set(retired.map { Self.endpointName(ofLog: $0.name) }) {
            try? await checkpoints?.deleteCheckpoints(of: EndpointDelivery.checkpointKey(name))
            // The dead-letter log is under the endpoint's directory: one removal takes both.
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    /// The endpoint a log belongs to: `NAME` for `NAME` and for its dead letters `NAME/deadletter`.
    private static func endpointName(ofLog log: String) -> String {
        String(log.prefix { $0 != "/" })
    }

    /// Stops every delivery and closes every endpoint log (the node is stopping).
    public func close() async {
        let running = deliveries.withLock { state in
            defer { state?.running = [:] }
            return state.map { Array($0.running.values.map(\.delivery)) } ?? []
        }
        for delivery in running { await delivery.stop() }
        for log in logs.withLock({ Array($0.values) }) { await log.close() }
    }
}

extension RoutingEndpoint {
    /// The `partitionCount` setting, when given.
    var partitionCount: Int? { settings["partitionCount"].flatMap(Int.init) }

    /// The `maxDeliveryAttempts` setting (attempts before dead-lettering; `validate()` bounded
    /// it), or the default.
    var deliveryAttemptsMax: Int {
        settings["maxDeliveryAttempts"].flatMap(Int.init) ?? EndpointDeliverySettings().attemptsMax
    }
}
