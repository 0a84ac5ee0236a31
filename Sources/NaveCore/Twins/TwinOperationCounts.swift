import Synchronization

/// Twin operations done since start (issue #16's `nave_twin_operations_total{op}`), whoever
/// asked: the REST API, devices over MQTT, jobs, import and automatic configurations. Only
/// operations that succeeded count; refusals show in the REST status counts.
public struct TwinOperationCounts: Sendable, Equatable {
    /// Reads: back-end `GET /twins/{id}` and device `GET` of `$iothub/twin`.
    public var get = 0
    /// Back-end `PATCH` of tags and desired properties.
    public var update = 0
    /// Back-end `PUT` of tags and desired properties.
    public var replace = 0
    /// Reported-properties patches from devices.
    public var reported = 0

    public init(get: Int = 0, update: Int = 0, replace: Int = 0, reported: Int = 0) {
        self.get = get
        self.update = update
        self.replace = replace
        self.reported = reported
    }
}

/// The counters behind `TwinOperationCounts`: one relaxed atomic add per twin operation, which
/// already costs a store round trip (a SQLite read or a durable write), so the add is noise
/// beside it. Twin operations are not the per-message telemetry path issue #16 keeps free of
/// atomics.
final class TwinOperationCounters: Sendable {
    enum Operation {
        case get, update, replace, reported
    }

    private let get = Atomic<Int>(0)
    private let update = Atomic<Int>(0)
    private let replace = Atomic<Int>(0)
    private let reported = Atomic<Int>(0)

    func count(_ operation: Operation) {
        switch operation {
        case .get: get.add(1, ordering: .relaxed)
        case .update: update.add(1, ordering: .relaxed)
        case .replace: replace.add(1, ordering: .relaxed)
        case .reported: reported.add(1, ordering: .relaxed)
        }
    }

    var snapshot: TwinOperationCounts {
        TwinOperationCounts(get: get.load(ordering: .relaxed), update: update.load(ordering: .relaxed),
                            replace: replace.load(ordering: .relaxed), reported: reported.load(ordering: .relaxed))
    }
}
