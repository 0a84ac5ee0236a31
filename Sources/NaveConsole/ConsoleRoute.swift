import NaveModel

/// The console's pages and actions, from the path below `/console`. GET shows, POST changes
/// (and answers with a redirect, so a reload never repeats a change).
enum ConsoleRoute: Equatable {
    case home
    case asset(String)
    case signIn
    case signOut
    /// The device list (GET: search and paging) and device creation (POST).
    case devices
    /// A device's or module's page: status, keys, connection string, its modules.
    case identity(IdentityKey)
    /// Enable, disable, regenerate a key, delete (POST only).
    case identityUpdate(IdentityKey)
    /// Module creation under a device (POST only).
    case modules(deviceID: String)
    case twin(IdentityKey)
    case methods(IdentityKey)
    /// A device's cloud-to-device queue: send, purge (C2D queues are per device).
    case messages(deviceID: String)
    case feedback
    case telemetry
    /// The live telemetry page's long poll (JSON).
    case telemetryEvents
    case node
    case routing

    /// Segments after `console`; nil for a path the console does not serve.
    init?(segments: [String]) {
        switch segments.count {
        case 0: self = .home
        case 1:
            switch segments[0] {
            case "signin": self = .signIn
            case "signout": self = .signOut
            case "devices": self = .devices
            case "feedback": self = .feedback
            case "telemetry": self = .telemetry
            case "node": self = .node
            case "routing": self = .routing
            default: return nil
            }
        default:
            if segments.count == 2, segments[0] == "assets" { self = .asset(segments[1]); return }
            if segments == ["telemetry", "events"] { self = .telemetryEvents; return }
            guard segments[0] == "devices" else { return nil }
            self.init(identitySegments: Array(segments.dropFirst()))
        }
    }

    /// `{id}[/modules/{mid}][/twin|/methods|/update]`, `{id}/modules`, `{id}/messages`.
    private init?(identitySegments segments: [String]) {
        let deviceID = segments[0]
        var key = IdentityKey(deviceID: deviceID)
        var rest = segments.dropFirst()
        if rest.first == "modules" {
            if rest.count == 1 { self = .modules(deviceID: deviceID); return }
            key = IdentityKey(deviceID: deviceID, moduleID: rest.dropFirst().first!)
            rest = rest.dropFirst(2)
        }
        switch rest.first {
        case nil: self = .identity(key)
        case "update" where rest.count == 1: self = .identityUpdate(key)
        case "twin" where rest.count == 1: self = .twin(key)
        case "methods" where rest.count == 1: self = .methods(key)
        case "messages" where rest.count == 1 && key.moduleID == nil: self = .messages(deviceID: deviceID)
        default: return nil
        }
    }

    /// What a GET (`change` false) or POST needs, as the REST API asks for the same operation
    /// (`ServiceRoute.requiredRights`): registry reads RegistryRead, registry changes
    /// RegistryWrite, anything that reaches a device (twin writes, methods, C2D, events)
    /// ServiceConnect, and routing tests an owner's three rights.
    func requiredRights(change: Bool) -> AccessRights {
        switch self {
        case .home, .asset, .signIn, .signOut: []
        case .devices, .identity, .node: change ? .registryWrite : .registryRead
        case .identityUpdate, .modules: .registryWrite
        case .twin: change ? .serviceConnect : .registryRead
        case .methods, .messages, .feedback, .telemetry, .telemetryEvents: .serviceConnect
        case .routing: change ? [.registryRead, .registryWrite, .serviceConnect] : .registryRead
        }
    }

    /// Whether the route answers POST; the others answer only GET.
    var acceptsPost: Bool {
        switch self {
        case .signIn, .signOut, .devices, .identityUpdate, .modules, .twin, .methods, .messages, .routing: true
        default: false
        }
    }

    /// Whether the route answers GET.
    var acceptsGet: Bool {
        switch self {
        case .signOut, .identityUpdate, .modules: false
        default: true
        }
    }
}
