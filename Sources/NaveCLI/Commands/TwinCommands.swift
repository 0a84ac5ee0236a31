import ArgumentParser
import NaveModel

/// `nave twin …`: device and module twins, like `az iot hub device-twin` / `module-twin`.
struct TwinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twin",
        abstract: "Show, update (merge) or replace the tags and desired properties of a device or module twin.",
        subcommands: [Show.self, Update.self, Replace.self]
    )

    /// Which twin: a device's, or one of its modules'.
    struct Target: ParsableArguments {
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String
        @Option(name: [.customShort("m"), .long], help: "The module id, for a module twin.") var moduleId: String?
    }

    /// What to write: JSON objects for the two sections the back end owns.
    struct Sections: ParsableArguments {
        @Option(name: .long, help: #"Desired properties as a JSON object, e.g. '{"interval":5}' (null deletes when updating)."#)
        var desired: String?
        @Option(name: .long, help: #"Tags as a JSON object, e.g. '{"loc":"b1"}'."#)
        var tags: String?
        @Option(name: .long, help: "Only if the twin's etag is still this (default: unconditional).")
        var etag: String?

        func update() throws -> TwinUpdate {
            TwinUpdate(tags: try Self.object(tags, "--tags"), desired: try Self.object(desired, "--desired"))
        }

        private static func object(_ text: String?, _ option: String) throws -> JSONObject? {
            guard let text else { return nil }
            guard let object = (try? JSONValue(parsing: text))?.objectValue else {
                throw CommandFailure(description: "\(option) must be a JSON object", status: .usage)
            }
            return object
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a twin (tags, desired and reported properties, versions).")
        @OptionGroup var hub: HubOptions
        @OptionGroup var target: Target

        func run() async throws { try await TwinCommand.show(hub, target.deviceId, target.moduleId) }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge tags and desired properties into a twin (PATCH); the device hears of desired changes.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var target: Target
        @OptionGroup var sections: Sections

        func run() async throws { try await TwinCommand.update(hub, target.deviceId, target.moduleId, sections) }
    }

    struct Replace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a twin's tags and desired properties (PUT); a section not given becomes empty. Reported properties stay.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var target: Target
        @OptionGroup var sections: Sections

        func run() async throws { try await TwinCommand.replace(hub, target.deviceId, target.moduleId, sections) }
    }

    // What `nave twin …` and `nave module twin …` both do.

    static func show(_ hub: HubOptions, _ deviceID: String, _ moduleID: String?) async throws {
        try await withHub(hub) { try await $0.twin(deviceID: deviceID, moduleID: moduleID) }
    }

    static func update(_ hub: HubOptions, _ deviceID: String, _ moduleID: String?, _ sections: Sections) async throws {
        let update = try sections.update()
        guard update.tags != nil || update.desired != nil else { throw CommandFailure(description: "give --desired or --tags", status: .usage) }
        try await withHub(hub) { try await $0.updateTwin(deviceID: deviceID, moduleID: moduleID, update, etag: sections.etag) }
    }

    static func replace(_ hub: HubOptions, _ deviceID: String, _ moduleID: String?, _ sections: Sections) async throws {
        let update = try sections.update()
        try await withHub(hub) { try await $0.replaceTwin(deviceID: deviceID, moduleID: moduleID, update, etag: sections.etag) }
    }
}
