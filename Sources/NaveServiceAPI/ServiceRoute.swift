import NaveCore
import NaveModel

/// The REST resources of IoT Hub's service API that Nave serves (contract §4.2), matched from
/// a request's method and decoded path segments.
enum ServiceRoute: Equatable {
    case devices                            // GET list, POST bulk
    case query                              // POST /devices/query (the query language)
    case device(String)                     // GET, PUT, DELETE
    case modules(device: String)            // GET
    case module(device: String, module: String) // GET, PUT, DELETE
    case deviceStatistics                   // GET /statistics/devices
    case serviceStatistics                  // GET /statistics/service
    case twin(String)                       // GET, PUT (replace), PATCH (update)
    case moduleTwin(device: String, module: String) // GET, PUT, PATCH
    case methods(IdentityKey)               // POST /twins/{d}[/modules/{m}]/methods
    // Nave's own: shared access policies (IoT Hub manages them through Azure Resource
    // Manager, which Nave does not have), for `nave policy` against a running node.
    case policies                           // GET
    case policy(String)                     // PUT, DELETE
    case policyKey(String)                  // POST …/regenerateKey?key=primary|secondary|swap
    // Nave's own: reading the built-in events endpoint (long polling), for monitor-events.
    case events                             // GET
    // Nave's own: the events endpoint's consumer groups (IoT Hub manages them through Azure
    // Resource Manager), for `nave hub consumer-group` against a running node.
    case consumerGroups                     // GET /eventHub/consumerGroups
    case consumerGroup(String)              // PUT, DELETE /eventHub/consumerGroups/{name}
    /// Cloud-to-device: purge, feedback, and Nave's own send (`CloudToDeviceRoute`).
    case cloudToDevice(CloudToDeviceRoute)
    /// Scheduled jobs (`/jobs/v2/…`) and import/export jobs (`/jobs/create`, `/jobs[/{id}]`):
    /// `JobRoute`.
    case jobs(JobRoute)
    /// Automatic device configurations: `/configurations…` (`ConfigurationRoute`).
    case configurations(ConfigurationRoute)
    /// Nave's own: message routing's configuration, `/routing/…` (`RoutingRoute`).
    case routing(RoutingRoute)

    /// The route for `segments`, or nil when no resource has that path (404).
    init?(segments: [String]) {
        if let route = CloudToDeviceRoute(segments: segments) {
            self = .cloudToDevice(route)
            return
        }
        if let route = JobRoute(segments: segments) {
            self = .jobs(route)
            return
        }
        if let route = ConfigurationRoute(segments: segments) {
            self = .configurations(route)
            return
        }
        if let route = RoutingRoute(segments: segments) {
            self = .routing(route)
            return
        }
        switch segments.count {
        case 1 where segments[0] == "devices": self = .devices
        case 2 where segments == ["devices", "query"]: self = .query
        case 2 where segments[0] == "devices": self = .device(segments[1])
        case 2 where segments == ["statistics", "devices"]: self = .deviceStatistics
        case 2 where segments == ["statistics", "service"]: self = .serviceStatistics
        case 1 where segments[0] == "policies": self = .policies
        case 1 where segments[0] == "events": self = .events
        case 2 where Self.namesConsumerGroups(segments): self = .consumerGroups
        case 3 where Self.namesConsumerGroups(segments): self = .consumerGroup(segments[2])
        case 2 where segments[0] == "policies": self = .policy(segments[1])
        case 3 where segments[0] == "policies" && segments[2] == "regenerateKey": self = .policyKey(segments[1])
        case 3 where segments[0] == "devices" && segments[2] == "modules": self = .modules(device: segments[1])
        case 4 where segments[0] == "devices" && segments[2] == "modules": self = .module(device: segments[1], module: segments[3])
        case 2 where segments[0] == "twins": self = .twin(segments[1])
        case 4 where segments[0] == "twins" && segments[2] == "modules": self = .moduleTwin(device: segments[1], module: segments[3])
        case 3 where segments[0] == "twins" && segments[2] == "methods": self = .methods(IdentityKey(deviceID: segments[1]))
        case 5 where segments[0] == "twins" && segments[2] == "modules" && segments[4] == "methods":
            self = .methods(IdentityKey(deviceID: segments[1], moduleID: segments[3]))
        default: return nil
        }
    }

    /// `eventHub/consumerGroups…`, its words in any case, as Azure Resource Manager's
    /// `…/eventHubEndpoints/events/ConsumerGroups/{name}` matches them.
    private static func namesConsumerGroups(_ segments: [String]) -> Bool {
        segments[0].lowercased() == "eventhub" && segments[1].lowercased() == "consumergroups"
    }

    /// The methods each resource serves (others get 405).
    var methods: Set<String> {
        switch self {
        case .devices: ["GET", "POST"]
        case .query: ["POST"]
        case .device, .module: ["GET", "PUT", "DELETE"]
        case .modules, .deviceStatistics, .serviceStatistics, .policies, .events, .consumerGroups: ["GET"]
        case .policy, .consumerGroup: ["PUT", "DELETE"]
        case .policyKey, .methods: ["POST"]
        case .twin, .moduleTwin: ["GET", "PUT", "PATCH"]
        case .cloudToDevice(let route): [route.method]
        case .jobs(let route): route.methods
        case .configurations(let route): route.methods
        case .routing(let route): route.methods
        }
    }

    /// What the calling policy must hold (IoT Hub's permissions: reads need RegistryRead,
    /// changes RegistryWrite, service statistics ServiceConnect).
    func requiredRights(for method: String) -> AccessRights {
        switch self {
        // Invoking a method needs ServiceConnect, as on IoT Hub (its devguide on direct methods).
        case .serviceStatistics, .events, .methods, .consumerGroups: .serviceConnect
        // A query reads the registry and twins, however it is sent (IoT Hub: RegistryRead).
        case .query: .registryRead
        // Readers (ServiceConnect) may see the groups; creating or deleting one changes the
        // hub (on IoT Hub an Azure Resource Manager operation) and deleting one cuts another
        // application's readers off, so that also takes RegistryWrite: iothubowner, not service.
        case .consumerGroup: [.serviceConnect, .registryWrite]
        // Policies hold keys: only an owner-like policy may see or change them.
        case .policies, .policy, .policyKey: [.registryRead, .registryWrite, .serviceConnect]
        // Twin reads are registry reads; twin writes reach devices, so IoT Hub asks for
        // ServiceConnect (its permissions table: "update … desired properties").
        case .twin, .moduleTwin: method == "GET" ? .registryRead : .serviceConnect
        // Sending, purging and reading feedback talk to devices: ServiceConnect (IoT Hub's
        // permissions table: "send cloud-to-device messages … receive delivery acknowledgments").
        case .cloudToDevice: .serviceConnect
        // Reading jobs is a registry read; a job patches twins and calls methods over the
        // fleet, so creating or cancelling one takes both RegistryWrite and ServiceConnect.
        // An import/export job reads the registry with its keys and writes it back: IoT Hub asks
        // for RegistryRead and RegistryWrite (its import/export page); it reaches no device.
        case .jobs(.createImportExport): [.registryRead, .registryWrite]
        case .jobs(.importExportJob) where method != "GET": [.registryRead, .registryWrite]
        case .jobs: method == "GET" ? .registryRead : [.registryWrite, .serviceConnect]
        // Configurations are registry data (IoT Hub: RegistryRead to read and test queries,
        // RegistryWrite to change them or apply content).
        case .configurations(let route): method == "GET" || route == .testQueries ? .registryRead : .registryWrite
        // Routing decides where every message goes and may stamp twin values on it: changing
        // it (or testing it, which reads twins) is an owner's act, like policies.
        case .routing(let route):
            route == .test || method != "GET" ? [.registryRead, .registryWrite, .serviceConnect] : .registryRead
        default: method == "GET" ? .registryRead : .registryWrite
        }
    }
}
