import NaveModel

/// The embeddable hub: a protocol-neutral façade over the registry and the hub's services.
/// Device adapters (MQTT today) call it for what devices do (telemetry, twin requests, method
/// answers, C2D acknowledgements); the REST API calls it for what back ends do. Its services
/// reach connected devices through `LiveConnection.deliver`.
public final class Hub: Sendable {
    public let registry: IdentityRegistry
    public let clock: any HubClock
    public let scheduler: any HubScheduler
    public let telemetry: any TelemetrySink
    public let twins: any TwinService
    public let methods: any MethodService
    public let cloudToDevice: any CloudToDeviceService
    /// Devices' durable MQTT sessions (which IoT Hub topics each subscribed to).
    public let sessions: DeviceSessions
    /// The hub host name (SAS `sr`, usernames, connection strings).
    public let hostName: String

    public init(registry: IdentityRegistry, hostName: String, clock: any HubClock, scheduler: any HubScheduler,
                telemetry: any TelemetrySink, sessions: DeviceSessions, twins: any TwinService = UnavailableDeviceServices(),
                methods: any MethodService = UnavailableDeviceServices(),
                cloudToDevice: any CloudToDeviceService = UnavailableDeviceServices()) {
        self.registry = registry
        self.hostName = hostName
        self.clock = clock
        self.scheduler = scheduler
        self.telemetry = telemetry
        self.sessions = sessions
        self.twins = twins
        self.methods = methods
        self.cloudToDevice = cloudToDevice
    }

    /// Connection state per identity, and the way to reach a connected device.
    public var connections: LiveConnections { registry.connections }
}
