import ArgumentParser
import NaveModel

/// `nave module …`: module identities and their twins, like `az iot hub module-identity` and
/// `az iot hub module-twin`. A module lives under a device and authenticates on its own.
struct ModuleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "module",
        abstract: "Create, list, show, update and delete module identities; show their connection strings and twins.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self, ShowConnectionString.self, Twin.self]
    )

    /// Which module: `-d DEVICE -m MODULE`.
    struct Target: ParsableArguments {
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String
        @Option(name: [.customShort("m"), .long], help: "The module id.") var moduleId: String
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a module on a device (SAS keys are generated unless given).")
        @OptionGroup var hub: HubOptions
        @OptionGroup var target: Target
        @OptionGroup var credentials: CredentialOptions
        @Option(name: .long, help: "Who manages the module (free text, e.g. iotEdge).") var managedBy: String?

        func run() async throws {
            let request = ModuleRequest(deviceID: target.deviceId, moduleID: target.moduleId, managedBy: managedBy,
                                        authentication: try credentials.authentication())
            try await withHub(hub) { try await $0.putModule(request, ifMatch: nil) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a device's modules.")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String

        func run() async throws { try await withHub(hub) { try await $0.modules(deviceID: deviceId) } }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one module.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var target: Target

        func run() async throws { try await withHub(hub) { try await $0.module(deviceID: target.deviceId, moduleID: target.moduleId) } }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a module's keys or managedBy (what is not given is kept).")
        @OptionGroup var hub: HubOptions
        @OptionGroup var target: Target
        @OptionGroup var keys: KeyOptions
        @Option(name: .long, help: "Who manages the module.") var managedBy: String?
        @Option(name: .long, help: "Only if the module's etag is still this.") var etag: String?

        func run() async throws {
            try await withHub(hub) { access in
                // Read first: an update of a module that does not exist is "not found", never a create.
                let current = try ModuleRequest(json: try await access.module(deviceID: target.deviceId, moduleID: target.moduleId))
                var request = current
                if let managedBy { request.managedBy = managedBy }
                request.authentication = keys.applied(to: current.authentication)
                return try await access.putModule(request, ifMatch: etag ?? "*")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a module; its connections end.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var target: Target
        @Option(name: .long, help: "Only if the module's etag is still this.") var etag: String?

        func run() async throws {
            try await withHub(hub) { access in
                try await access.deleteModule(deviceID: target.deviceId, moduleID: target.moduleId, etag: etag)
                return nil
            }
        }
    }

    struct ShowConnectionString: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show-connection-string",
                                                        abstract: "Print the module's connection string (HostName=…;DeviceId=…;ModuleId=…;SharedAccessKey=…).")
        @OptionGroup var hub: HubOptions
        @OptionGroup var target: Target
        @Option(name: .long, help: "primary or secondary.") var key = "primary"

        func run() async throws {
            try await withHub(hub, printing: false) { access in
                let module = try await access.module(deviceID: target.deviceId, moduleID: target.moduleId)
                let value = try SASTokenArguments.key(key, in: module["authentication"]?["symmetricKey"],
                                                      of: "module '\(target.deviceId)/\(target.moduleId)'")
                hub.printConnectionString("HostName=\(hub.resolvedHostName);DeviceId=\(target.deviceId);ModuleId=\(target.moduleId);SharedAccessKey=\(value)")
                return nil
            }
        }
    }

    /// `nave module twin …`: the same as `nave twin … -m`, with the module required.
    struct Twin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "twin", abstract: "Show, update (merge) or replace a module twin's tags and desired properties.",
            subcommands: [Show.self, Update.self, Replace.self])

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a module twin.")
            @OptionGroup var hub: HubOptions
            @OptionGroup var target: Target

            func run() async throws { try await TwinCommand.show(hub, target.deviceId, target.moduleId) }
        }

        struct Update: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Merge tags and desired properties into a module twin (PATCH).")
            @OptionGroup var hub: HubOptions
            @OptionGroup var target: Target
            @OptionGroup var sections: TwinCommand.Sections

            func run() async throws { try await TwinCommand.update(hub, target.deviceId, target.moduleId, sections) }
        }

        struct Replace: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Replace a module twin's tags and desired properties (PUT).")
            @OptionGroup var hub: HubOptions
            @OptionGroup var target: Target
            @OptionGroup var sections: TwinCommand.Sections

            func run() async throws { try await TwinCommand.replace(hub, target.deviceId, target.moduleId, sections) }
        }
    }
}
