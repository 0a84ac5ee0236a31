import NaveModel

/// Where automatic device configurations are kept (reference §4). `DeviceConfigurations`
/// loads them once at start and writes through on every create, update and delete; what a
/// configuration did to each twin is kept in the twin itself (`TwinConfigurations`).
public protocol ConfigurationStore: Sendable {
    /// Every stored configuration, in no particular order.
    func loadConfigurations() async throws -> [DeviceConfiguration]
    /// Inserts or replaces the configuration with `configuration.id`.
    func saveConfiguration(_ configuration: DeviceConfiguration) async throws
    /// Removes the configuration; an id not stored is ignored.
    func deleteConfiguration(id: String) async throws
}

/// Why a configuration store refused; a refused write stored nothing.
public enum ConfigurationStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case storage(String)
    case full(String)

    public var description: String {
        switch self {
        case .storage(let reason): "configuration store failed: \(reason)"
        case .full(let reason): "configuration store is full: \(reason)"
        }
    }
}

extension ConfigurationStoreError: StoreFailure {
    public var isFull: Bool { if case .full = self { true } else { false } }
}
