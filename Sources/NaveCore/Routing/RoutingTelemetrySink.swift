import NaveModel
import Synchronization

/// Where routing finds a sender's twin for `$twin` conditions and twin enrichments (§2.3, §2.5).
public protocol RoutingTwinSource: Sendable {
    /// The current twin of `key`, nil when it has none.
    func routingTwin(of key: IdentityKey) async -> Twin?
}

/// The hub's telemetry sink once routing exists: decides each event's endpoints with the
/// current `RoutingTable` and appends it, enriched per endpoint, to each of them; `append`
/// returns only when every endpoint it went to holds it durably (issue #15: the device's
/// acknowledgement waits for every log a message is routed to).
///
/// With nothing configured (`RoutingTable.isPassThrough`) an event goes straight to the
/// built-in endpoint: one lock-protected load of the table is all routing adds.
/// A configuration change swaps table and endpoint sinks together (`apply`), so an event is
/// routed wholly by the old or wholly by the new setup.
public final class RoutingTelemetrySink: TelemetrySink {
    struct Snapshot: Sendable {
        var table: RoutingTable
        /// Sinks by slot; slot 0 is the built-in endpoint.
        var sinks: [any TelemetrySink]
    }

    private let builtIn: any TelemetrySink
    private let state: Mutex<Snapshot>
    private let clock: any HubClock
    private let hubName: String
    private let twinSource: Mutex<(any RoutingTwinSource)?>
    private let dropped = Atomic<Int>(0)
    private let stamp: HubEventStamp
    /// Undefined conditions and oversized enriched messages (throttled reports).
    public let problems: RoutingProblemLog

    /// Routes to `builtIn` alone until a configuration is applied. `hubName` is what
    /// `$iothubname` stamps; `problems` hears, at most once a minute per route or endpoint, of
    /// conditions that were neither true nor false and of enriched messages that were dropped.
    public init(builtIn: any TelemetrySink, hubName: String, clock: any HubClock,
                problems: @escaping RoutingProblemLog.Report = { _, _ in }) {
        self.builtIn = builtIn
        self.hubName = hubName
        self.clock = clock
        self.problems = RoutingProblemLog(clock: clock, report: problems)
        stamp = HubEventStamp(hubName: hubName, clock: clock)
        state = Mutex(Snapshot(table: .passThrough, sinks: [builtIn]))
        twinSource = Mutex(nil)
    }

    /// Where twins come from (set once the twin service exists: it is built after the sink).
    public func setTwinSource(_ source: any RoutingTwinSource) {
        twinSource.withLock { $0 = source }
    }

    /// Makes `table` current; `endpointSinks` holds a sink for each of the table's custom
    /// endpoints, by name.
    public func apply(_ table: RoutingTable, endpointSinks: [String: any TelemetrySink]) throws(HubError) {
        var sinks: [any TelemetrySink] = [builtIn]
        for name in table.endpointNames.dropFirst() {
            guard let sink = endpointSinks[name] else { throw .serverError("No sink for routing endpoint '\(name)'.") }
            sinks.append(sink)
        }
        state.withLock { $0 = Snapshot(table: table, sinks: sinks) }
    }

    /// The table in force.
    public var table: RoutingTable { state.withLock { $0.table } }

    /// Messages no route and no fallback took since start (IoT Hub drops them too, §2.2).
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    public func append(_ event: TelemetryEvent) async throws(HubError) {
        // Device telemetry goes on as the caller's value: `let e = cond ? event : stamped(event)`
        // copied the whole event (retaining every field) per message.
        if event.source == .telemetry { return try await route(event) }
        try await route(stamp.stamped(event))
    }

    /// Device telemetry while nothing is configured goes to the built-in endpoint's callback
    /// path; anything else (hub events to stamp, routes to evaluate) takes `append(_:)`.
    public func appendNow(_ event: TelemetryEvent, completion: @escaping TelemetryCompletion) -> Bool {
        guard event.source == .telemetry, state.withLock({ $0.table.isPassThrough }) else { return false }
        return builtIn.appendNow(event, completion: completion)
    }

    /// Routes a stamped (or device) event.
    private func route(_ event: TelemetryEvent) async throws(HubError) {
        // The common case reads one flag under the lock: copying the snapshot out would retain
        // and release every field of the table per message.
        guard let snapshot = state.withLock({ $0.table.isPassThrough ? nil : $0 }) else { return try await builtIn.append(event) }
        let table = snapshot.table
        let key = IdentityKey(deviceID: event.deviceID, moduleID: event.moduleID)
        let twin = table.readsTwin(RouteSource(event.source)) ? await twinSource.withLock({ $0 })?.routingTwin(of: key) : nil
        let slots = table.endpoints(for: event, enqueuedTime: clock.now(), twin: twin, problems: problems)
        if slots.isEmpty {
            dropped.add(1, ordering: .relaxed)
            return
        }
        if slots.count == 1, let slot = slots.first(where: { _ in true }) {
            guard let enriched = table.enriched(event, for: slot, hubName: hubName, twin: twin, problems: problems) else { return }
            return try await snapshot.sinks[slot].append(enriched)
        }
        try await appendConcurrently(event, to: slots, snapshot, twin: twin)
    }

    /// Appends to several endpoints at once (each log's group commit runs in parallel) and
    /// waits for all; the first refusal is thrown after every append finished.
    private func appendConcurrently(_ event: TelemetryEvent, to slots: EndpointSet, _ snapshot: Snapshot, twin: Twin?) async throws(HubError) {
        let (hubName, problems) = (hubName, problems)
        let failure = await withTaskGroup(of: HubError?.self) { group in
            for slot in slots {
                guard let enriched = snapshot.table.enriched(event, for: slot, hubName: hubName, twin: twin, problems: problems) else { continue }
                let sink = snapshot.sinks[slot]
                group.addTask {
                    do throws(HubError) { try await sink.append(enriched) } catch { return error }
                    return nil
                }
            }
            var first: HubError?
            for await result in group where first == nil { first = result }
            return first
        }
        if let failure { throw failure }
    }
}
