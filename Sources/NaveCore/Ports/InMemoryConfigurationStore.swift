import NaveModel
import Synchronization

/// Configurations kept in memory only (tests, embedders without disk).
public final class InMemoryConfigurationStore: ConfigurationStore {
    private let configurations = Mutex<[String: DeviceConfiguration]>([:])

    public init() {}

    public func loadConfigurations() async throws -> [DeviceConfiguration] {
        configurations.withLock { Array($0.values) }
    }

    public func saveConfiguration(_ configuration: DeviceConfiguration) async throws {
        configurations.withLock { $0[configuration.id] = configuration }
    }

    public func deleteConfiguration(id: String) async throws {
        _ = configurations.withLock { $0.removeValue(forKey: id) }
    }
}
