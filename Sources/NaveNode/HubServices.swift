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
    public let clock: any HubClock
    public let certificates: CertificateFiles
    public let tls: TLSContext
    /// Where device telemetry goes (in memory until the event log arrives).
    public let telemetry: any TelemetrySink = InMemoryTelemetrySink()
    /// The C2D queues' store and what it held at open; the node starts the queues over them
    /// once its loops (their scheduler) run.
    public let cloudToDeviceStore: SQLiteCloudToDeviceStore
    let cloudToDeviceSnapshot: CloudToDeviceSnapshot

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
            let cloudToDeviceStore = SQLiteCloudToDeviceStore(database: database)
            let cloudToDeviceSnapshot = try await cloudToDeviceStore.loadCloudToDevice()
            logger.info("hub opened", metadata: [
                "dataDirectory": "\(directory.path)", "hostName": "\(configuration.hub.hostName)",
                "devices": "\(registry.statistics.totalDeviceCount)", "certificate": "\(certificates.chainPath)",
            ])
            return HubServices(configuration: configuration.hub, dataDirectory: directory, database: database,
                               registry: registry, clock: clock, certificates: certificates, tls: tls,
                               cloudToDeviceStore: cloudToDeviceStore, cloudToDeviceSnapshot: cloudToDeviceSnapshot)
        } catch {
            directory.close()
            throw error
        }
    }

    private init(configuration: HubConfiguration, dataDirectory: DataDirectory, database: SQLiteDatabase,
                 registry: IdentityRegistry, clock: any HubClock, certificates: CertificateFiles, tls: TLSContext,
                 cloudToDeviceStore: SQLiteCloudToDeviceStore, cloudToDeviceSnapshot: CloudToDeviceSnapshot) {
        self.cloudToDeviceStore = cloudToDeviceStore
        self.cloudToDeviceSnapshot = cloudToDeviceSnapshot
        self.configuration = configuration
        self.dataDirectory = dataDirectory
        self.database = database
        self.registry = registry
        self.clock = clock
        self.certificates = certificates
        self.tls = tls
    }

    /// The façade over these resources: C2D queues started from the stored snapshot, timers
    /// on `scheduler`.
    func makeHub(scheduler: any HubScheduler) -> Hub {
        let cloudToDevice = CloudToDeviceQueues(registry: registry, store: cloudToDeviceStore, loaded: cloudToDeviceSnapshot,
                                                clock: clock, scheduler: scheduler, random: SystemRandom())
        return Hub(registry: registry, hostName: configuration.hostName, clock: clock, scheduler: scheduler,
                   telemetry: telemetry, cloudToDevice: cloudToDevice)
    }

    /// Closes the store and releases the data directory (after the listeners stopped).
    public func close() {
        try? database.close()
        dataDirectory.close()
    }
}
