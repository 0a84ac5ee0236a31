import ArgumentParser
import NaveCore
import NaveModel

/// `nave route …`: routes, the fallback route and `route test`, like `az iot hub route`
/// (reference §2.2). Conditions are checked when the route is saved: one that does not parse
/// is refused with the parser's message.
struct RouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Create, list, show, update, delete and test message routes; switch the fallback route.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self, Test.self, Fallback.self]
    )

    static func source(_ text: String) throws -> RouteSource {
        guard let source = RouteSource(named: text) else {
            throw ValidationError("--source must be devicemessages, twinchangeevents, devicelifecycleevents or deviceconnectionstateevents")
        }
        return source
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a route.")
        @OptionGroup var hub: HubOptions
        @Option(name: .customLong("route-name")) var name: String
        @Option var source: String = "devicemessages"
        @Option(name: .customLong("endpoint-name"), help: "The endpoint ('events' is the built-in one); repeat for several.")
        var endpointNames: [String]
        @Option(help: "The routing query; true when omitted.") var condition: String = "true"
        @Option var enabled: Bool = true

        func run() async throws {
            let route = Route(name: name, source: try RouteCommand.source(source), condition: condition, endpointNames: endpointNames,
                              isEnabled: enabled)
            try await withHub(hub) { try await $0.putRoutingEntry(.route(route), replacing: false) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a route's source, condition, endpoints or enabled flag.")
        @OptionGroup var hub: HubOptions
        @Option(name: .customLong("route-name")) var name: String
        @Option var source: String?
        @Option(name: .customLong("endpoint-name")) var endpointNames: [String] = []
        @Option var condition: String?
        @Option var enabled: Bool?

        func run() async throws {
            try await withHub(hub) { access in
                var route = try Route(json: try await access.routingEntry(.routes, name: name))
                if let source { route.source = try RouteCommand.source(source) }
                if !endpointNames.isEmpty { route.endpointNames = endpointNames }
                if let condition { route.condition = condition }
                if let enabled { route.isEnabled = enabled }
                return try await access.putRoutingEntry(.route(route), replacing: true)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the routes in order.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await withHub(hub) { try await $0.routingEntries(.routes) } }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one route.")
        @OptionGroup var hub: HubOptions
        @Option(name: .customLong("route-name")) var name: String
        func run() async throws { try await withHub(hub) { try await $0.routingEntry(.routes, name: name) } }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a route.")
        @OptionGroup var hub: HubOptions
        @Option(name: .customLong("route-name")) var name: String
        func run() async throws {
            try await withHub(hub) { access in
                try await access.deleteRoutingEntry(.routes, name: name)
                return nil
            }
        }
    }

    struct Fallback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch the fallback route: messages no route matches go to the built-in events endpoint while it is on.")
        @OptionGroup var hub: HubOptions
        @Option var enabled: Bool
        func run() async throws { try await withHub(hub) { try await $0.setRoutingFallback(enabled: enabled) } }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Test a sample message: which routes match (and why not the others), and the endpoints it would reach.")
        @OptionGroup var hub: HubOptions
        @Option var source: String = "devicemessages"
        @Option var body: String?
        @Option(name: .customLong("content-type")) var contentType: String?
        @Option(name: .customLong("content-encoding")) var contentEncoding: String?
        @Option(name: .customLong("app-property"), help: "key=value; repeat for several.") var appProperties: [String] = []
        @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String?
        @Option(name: [.customShort("m"), .customLong("module-id")]) var moduleID: String?

        func run() async throws {
            var properties = JSONObject()
            for item in appProperties {
                guard let equals = item.firstIndex(of: "=") else { throw ValidationError("--app-property takes key=value") }
                properties[String(item[..<equals])] = .string(String(item[item.index(after: equals)...]))
            }
            var sample = JSONObject([("source", .string(try RouteCommand.source(source).rawValue)), ("appProperties", .object(properties))])
            sample["body"] = body.map(JSONValue.string)
            sample["contentType"] = contentType.map(JSONValue.string)
            sample["contentEncoding"] = contentEncoding.map(JSONValue.string)
            sample["deviceId"] = deviceID.map(JSONValue.string)
            sample["moduleId"] = moduleID.map(JSONValue.string)
            try await withHub(hub) { try await $0.testRoutes(.object(sample)) }
        }
    }
}
