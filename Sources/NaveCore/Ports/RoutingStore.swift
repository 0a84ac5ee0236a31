/// Where the hub's routing configuration is kept. `MessageRouting` loads it once at start and
/// writes the whole configuration through on every change (it is at most a few hundred rows);
/// a save replaces what was stored, all or nothing.
public protocol RoutingStore: Sendable {
    /// The stored configuration; a store that never saved one returns the default (nothing
    /// configured, fallback on).
    func loadRouting() async throws -> RoutingConfiguration
    /// Replaces the stored configuration with `configuration` in one transaction.
    func saveRouting(_ configuration: RoutingConfiguration) async throws
}

/// A routing store in memory (tests, embedders without disk).
public actor InMemoryRoutingStore: RoutingStore {
    private var configuration: RoutingConfiguration

    public init(_ configuration: RoutingConfiguration = RoutingConfiguration()) { self.configuration = configuration }

    public func loadRouting() async throws -> RoutingConfiguration { configuration }

    public func saveRouting(_ configuration: RoutingConfiguration) async throws { self.configuration = configuration }
}
