import Logging
import NaveAuth
import NaveCore
import NaveIO
import NaveModel
import NaveStore

/// The hub's state on one node: the data directory (locked for this process), the SQLite
/// store, the identity registry loaded from it, and the TLS identity the device and service
/// listeners present. Opened before the listeners, closed after them.
public final class HubServices: Sendable {
    public let configuration: HubConfiguration
    public let dataDirectory: DataDirectory
    public let database: SQLiteDatabase
    public let registry: IdentityRegistry
    /// Device and module twins, in the same SQLite database.
    public let twins: DeviceTwins
    public let clock: any HubClock
    public let certificates: CertificateFiles
    public let tls: TLSContext

    /// Opens (creating when new) the data directory and its store, loads the registry, and
    /// makes a development CA and server certificate when none is configured or present.
    public static func open(_ configuration: NaveConfiguration, logger: Logger) async throws -> HubServices {
        let directory = try DataDirectory(path: configuration.dataDirectory)
        do {
            let certificates = try CertificateFiles.resolve(configuration.hub, in: directory, logger: logger)
            let tls = try TLSContext(serverCertificateChainPath: certificates.chainPath, privateKeyPath: certificates.keyPath)
            let database = try await SQLiteDatabase(path: directory.database)
            let clock = SystemClock()
            let registry = try await IdentityRegistry(store: SQLiteIdentityStore(database: database), clock: clock, random: SystemRandom())
            // h-twins wiring. At merge: the event log's sink instead of `DiscardingTelemetrySink`.
            let twins = DeviceTwins(store: SQLiteTwinStore(database: database), registry: registry, clock: clock,
                                    telemetry: DiscardingTelemetrySink())
            logger.info("hub opened", metadata: [
                "dataDirectory": "\(directory.path)", "hostName": "\(configuration.hub.hostName)",
                "devices": "\(registry.statistics.totalDeviceCount)", "certificate": "\(certificates.chainPath)",
            ])
            return HubServices(configuration: configuration.hub, dataDirectory: directory, database: database,
                               registry: registry, twins: twins, clock: clock, certificates: certificates, tls: tls)
        } catch {
            directory.close()
            throw error
        }
    }

    private init(configuration: HubConfiguration, dataDirectory: DataDirectory, database: SQLiteDatabase,
                 registry: IdentityRegistry, twins: DeviceTwins, clock: any HubClock, certificates: CertificateFiles,
                 tls: TLSContext) {
        self.configuration = configuration
        self.dataDirectory = dataDirectory
        self.database = database
        self.registry = registry
        self.twins = twins
        self.clock = clock
        self.certificates = certificates
        self.tls = tls
    }

    /// Closes the store and releases the data directory (after the listeners stopped).
    public func close() {
        try? database.close()
        dataDirectory.close()
    }
}

/// h-twins wiring, until the event log arrives: accepts every event and keeps none, so device
/// telemetry and twin change events cost nothing and acknowledgements are not held up.
struct DiscardingTelemetrySink: TelemetrySink {
    func append(_ event: TelemetryEvent) async throws(HubError) {}
}
