import NaveModel
import NaveQuery
import Synchronization

/// IoT Hub's automatic device configurations (ADM, reference §4): `/configurations` with etags,
/// and the application of each configuration's content to the desired properties of the twins
/// its target condition selects (`Twin.applyConfigurations`: priority wins per path, removal
/// reverts, retagging un-targets).
///
/// Application is synchronous, where real IoT Hub works in 5-minute passes (§4.3
/// recommendation): a create, update or delete re-evaluates the twins the configuration targets
/// or had targeted before it returns, and the twin service tells this service of every change to
/// a twin's tags or reported properties (`TwinContentObserver`), which re-evaluates that twin
/// alone. No timer scans the fleet. Each twin is evaluated under its twin gate against the
/// configurations as they are then, so concurrent configuration writes and twin changes settle
/// on the same result.
///
/// Configuration writes run one at a time (a gate), with their re-evaluation; reads take the
/// in-memory set.
public final class DeviceConfigurations: Sendable {
    /// A stored configuration with its target condition parsed.
    struct Active: Sendable {
        let configuration: DeviceConfiguration
        /// Nil for an empty target condition, which targets nothing.
        let target: ScopedCondition?
    }

    let store: any ConfigurationStore
    let twins: DeviceTwins
    let clock: any HubClock
    public let limits: ConfigurationLimits
    let active: Mutex<[String: Active]>
    let writes = WriteGate()
    let failedApplications = Atomic<Int>(0)

    /// Configurations as loaded from `store` (`open` loads them). Registers with the twin
    /// service for content changes and with the registry for new identities.
    public init(store: any ConfigurationStore, loaded: [DeviceConfiguration], twins: DeviceTwins, clock: any HubClock,
                limits: ConfigurationLimits = ConfigurationLimits()) {
        precondition(limits.invalidReason == nil, "configurations: \(limits.invalidReason ?? "")")
        self.store = store
        self.twins = twins
        self.clock = clock
        self.limits = limits
        var active: [String: Active] = [:]
        for configuration in loaded {
            // A stored condition was parsed when it was stored; one this build cannot read
            // targets nothing rather than stopping the hub.
            active[configuration.id] = Active(configuration: configuration, target: try? Self.target(of: configuration))
        }
        self.active = Mutex(active)
        twins.setContentObserver(self)
        twins.registry.addDeletionObserver(self)
    }

    /// Loads the configurations from `store`.
    public static func open(store: any ConfigurationStore, twins: DeviceTwins, clock: any HubClock,
                            limits: ConfigurationLimits = ConfigurationLimits()) async throws -> DeviceConfigurations {
        DeviceConfigurations(store: store, loaded: try await store.loadConfigurations(), twins: twins, clock: clock, limits: limits)
    }

    /// Twin re-evaluations that failed (the twin rules refused the result, a store error):
    /// the twin keeps what it had; the next change to it or to a configuration tries again.
    public var failedApplicationCount: Int { failedApplications.load(ordering: .relaxed) }

    var query: HubQuery { HubQuery(registry: twins.registry, twins: twins) }

    // MARK: Reads

    /// The configuration `id`; ConfigurationNotFound otherwise.
    public func configuration(_ id: String) throws(HubError) -> DeviceConfiguration {
        guard let found = active.withLock({ $0[id]?.configuration }) else { throw .configurationNotFound(id: id) }
        return found
    }

    /// Every configuration, oldest first (then by id), the first `top` when given.
    public func configurations(top: Int? = nil) -> [DeviceConfiguration] {
        let all = active.withLock { $0.values.map(\.configuration) }.sorted {
            ($0.createdTime, $0.id) < ($1.createdTime, $1.id)
        }
        return top.map { Array(all.prefix($0)) } ?? all
    }

    // MARK: Writes

    /// `PUT /configurations/{id}` (§4.1): without `ifMatch` a create (ConfigurationAlreadyExists
    /// when the id is taken, quota refusal past `configurationsMax`); with it an update of the
    /// target condition, labels, priority and metrics (ConfigurationNotFound, PreconditionFailed
    /// for another etag, `*` matching any; different content is refused). The targeted twins are
    /// re-evaluated before it returns. Returns the stored configuration and whether it was created.
    public func put(_ request: ConfigurationRequest, ifMatch: String?) async throws(HubError) -> (DeviceConfiguration, created: Bool) {
        try await writes.holding { () async throws(HubError) -> (DeviceConfiguration, created: Bool) in
            let existing = active.withLock { $0[request.id]?.configuration }
            let next: DeviceConfiguration
            if let ifMatch {
                guard let existing else { throw .configurationNotFound(id: request.id) }
                guard ETag.matches(ifMatch: ifMatch, current: existing.etag) else { throw .preconditionFailed() }
                next = try existing.updated(by: request, at: clock.now())
            } else {
                guard existing == nil else { throw .configurationAlreadyExists(id: request.id) }
                guard active.withLock({ $0.count }) < limits.configurationsMax else {
                    throw .configurationQuotaExceeded(countMax: limits.configurationsMax)
                }
                next = DeviceConfiguration(creating: request, at: clock.now())
            }
            let target = try Self.validated(next)
            do {
                try await store.saveConfiguration(next)
            } catch {
                throw .storeRefused(error, what: "the configuration", context: "the configuration store refused it")
            }
            active.withLock { $0[next.id] = Active(configuration: next, target: target) }
            await reevaluate(configurationID: next.id, target: next.targetCondition)
            return (next, existing == nil)
        }
    }

    /// `DELETE /configurations/{id}` (§4.1): `ifMatch` nil or `*` always, else the etag. The
    /// twins it targeted lose its settings and get the next matching configuration's (§4.3).
    public func delete(_ id: String, ifMatch: String?) async throws(HubError) {
        try await writes.holding { () async throws(HubError) in
            guard let existing = active.withLock({ $0[id]?.configuration }) else { throw .configurationNotFound(id: id) }
            guard ETag.matches(ifMatch: ifMatch, current: existing.etag) else { throw .preconditionFailed() }
            do {
                try await store.deleteConfiguration(id: id)
            } catch {
                throw .storeRefused(error, what: "the configuration", context: "the configuration store refused the deletion")
            }
            _ = active.withLock { $0.removeValue(forKey: id) }
            await reevaluate(configurationID: id, target: nil)
        }
    }

    // MARK: Conditions

    /// The parsed target of `configuration`; nil for an empty condition.
    static func target(of configuration: DeviceConfiguration) throws(HubError) -> ScopedCondition? {
        let text = configuration.targetCondition
        guard !text.allSatisfy(\.isWhitespace) else { return nil }
        do {
            return try QueryParser.parseScopedCondition(text)
        } catch {
            throw .argumentInvalid("targetCondition is invalid: \(error.description)")
        }
    }

    /// Checks what a configuration's queries must be before it is stored: a target condition
    /// and custom metric queries the language accepts, and a target of the content's twins
    /// (`moduleContent` goes with `FROM devices.modules`, §4.3). Returns the parsed target.
    static func validated(_ configuration: DeviceConfiguration) throws(HubError) -> ScopedCondition? {
        let target = try target(of: configuration)
        if let target {
            guard target.collection != .deviceJobs else { throw .argumentInvalid("targetCondition selects devices or modules.") }
            let forModules = target.collection == .modules
            guard forModules == (configuration.content.scope == .modules) else {
                throw .argumentInvalid(forModules
                    ? "targetCondition selects module twins (FROM devices.modules); the content must be moduleContent."
                    : "moduleContent needs a targetCondition of the form FROM devices.modules WHERE ….")
            }
        }
        for (name, query) in configuration.metricQueries {
            if let error = metricQueryError(query.stringValue ?? "") {
                throw .argumentInvalid("metrics.queries.\(name) is invalid: \(error)")
            }
        }
        return target
    }

    /// The language's message for a custom metric query it refuses, nil for a valid one.
    static func metricQueryError(_ text: String) -> String? {
        do {
            _ = try QueryParser.parseQuery(text)
            return nil
        } catch {
            return error.description
        }
    }
}
