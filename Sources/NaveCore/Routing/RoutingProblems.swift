import NaveModel
import Synchronization

/// What routing could not do for one message, which IoT Hub reports in its `routes` resource
/// log (reference §2.2, §2.5): a condition that was neither true nor false, an enriched message
/// too large for its endpoint. The message itself goes on (the route counts as not matched;
/// the oversized copy is dropped for that endpoint only).
public enum RoutingProblem: Sendable, Equatable {
    /// The route's condition evaluated to `undefined` or `null` (§2.2: false, and logged).
    case conditionUndefined(route: String)
    /// With its enrichments the message was `bytes` long, over `RoutingLimits.enrichedMessageBytesMax`.
    case enrichedTooLarge(endpoint: String, bytes: Int)

    /// The problem's kind and subject: what reports are throttled by.
    var key: String {
        switch self {
        case .conditionUndefined(let route): "route:" + route
        case .enrichedTooLarge(let endpoint, _): "endpoint:" + endpoint
        }
    }
}

/// Hands routing problems to `report` at most once per `intervalMillis` per route or endpoint,
/// with how many occurred since the last report, so a condition that is undefined for every
/// message writes one log line a minute, not one per message.
public final class RoutingProblemLog: Sendable {
    public typealias Report = @Sendable (_ problem: RoutingProblem, _ occurrences: Int) -> Void

    private struct Entry {
        var lastReported: Int64
        var suppressed: Int
    }

    private let report: Report
    private let clock: any HubClock
    private let intervalMillis: Int64
    private let entries = Mutex<[String: Entry]>([:])

    /// Problems counted since start, all kinds.
    private let total = Atomic<Int>(0)

    public init(clock: any HubClock, intervalMillis: Int64 = 60_000, report: @escaping Report) {
        self.clock = clock
        self.intervalMillis = intervalMillis
        self.report = report
    }

    public var count: Int { total.load(ordering: .relaxed) }

    func record(_ problem: RoutingProblem) {
        total.add(1, ordering: .relaxed)
        let now = clock.now().millisecondsSinceEpoch
        let due: Int? = entries.withLock { entries in
            // Keys are bounded by the configuration: routes and endpoints (RoutingLimits).
            guard var entry = entries[problem.key] else {
                entries[problem.key] = Entry(lastReported: now, suppressed: 0)
                return 1
            }
            entry.suppressed += 1
            defer { entries[problem.key] = entry }
            guard now - entry.lastReported >= intervalMillis else { return nil }
            let occurrences = entry.suppressed
            entry = Entry(lastReported: now, suppressed: 0)
            return occurrences
        }
        if let due { report(problem, due) }
    }
}
