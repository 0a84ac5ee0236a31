import ArgumentParser
import NaveModel

/// `nave device …`: the identity registry, like `az iot hub device-identity`.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Create, list, show, update, delete, export and import device identities.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self, ShowConnectionString.self, GenerateSASToken.self,
                      Export.self, Import.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a device (SAS keys are generated unless given).")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String
        @OptionGroup var credentials: CredentialOptions
        @Option(name: .long, help: "enabled or disabled.") var status = "enabled"

        func run() async throws {
            guard let status = DeviceStatus(rawValue: status) else {
                throw CommandFailure(description: "--status must be enabled or disabled", status: .usage)
            }
            let request = DeviceRequest(deviceID: deviceId, status: status, statusReason: nil, authentication: try credentials.authentication())
            try await withHub(hub) { try await $0.createDevice(request) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List devices (their SAS keys only with --show-keys).")
        @OptionGroup var hub: HubOptions
        @Option(name: .long, help: "At most this many.") var top: Int?
        @Flag(name: .long, help: "Include each device's SAS keys (secret: they connect as the device).") var showKeys = false

        func run() async throws {
            try await withHub(hub) { access in
                let devices = try await access.devices(top: top)
                return showKeys ? devices : .array((devices.arrayValue ?? []).map(Self.withoutKeys))
            }
        }

        /// `device` with its symmetric keys nulled: a listing goes to terminals, logs and
        /// tickets, and a key in it connects as the device. `show` and `--show-keys` keep them.
        static func withoutKeys(_ device: JSONValue) -> JSONValue {
            guard var object = device.objectValue, var authentication = object["authentication"]?.objectValue,
                  var keys = authentication["symmetricKey"]?.objectValue else { return device }
            keys["primaryKey"] = .null
            keys["secondaryKey"] = .null
            authentication["symmetricKey"] = .object(keys)
            object["authentication"] = .object(authentication)
            return .object(object)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one device.")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String

        func run() async throws { try await withHub(hub) { try await $0.device(deviceId) } }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a device's status or credentials (keys are kept unless given).")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String
        @Option(name: .long, help: "enabled or disabled.") var status: String?
        @Option(name: .long, help: "Why the status is what it is.") var statusReason: String?
        @OptionGroup var keys: KeyOptions
        @Option(name: .long, help: "Only if the device's etag is still this.") var etag: String?

        func run() async throws {
            try await withHub(hub) { access in
                let current = try DeviceRequest(json: try await access.device(deviceId))
                var request = current
                if let status {
                    guard let parsed = DeviceStatus(rawValue: status) else {
                        throw CommandFailure(description: "--status must be enabled or disabled", status: .usage)
                    }
                    request.status = parsed
                }
                if let statusReason { request.statusReason = statusReason }
                request.authentication = keys.applied(to: current.authentication)
                return try await access.updateDevice(request, etag: etag)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a device and its modules; its connections end.")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String
        @Option(name: .long, help: "Only if the device's etag is still this.") var etag: String?

        func run() async throws {
            try await withHub(hub) { access in
                try await access.deleteDevice(deviceId, etag: etag)
                return nil
            }
        }
    }

    struct ShowConnectionString: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show-connection-string",
                                                        abstract: "Print the device's connection string (primary key).")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String
        @Option(name: .long, help: "primary or secondary.") var key = "primary"

        func run() async throws {
            try await withHub(hub, printing: false) { access in
                let authentication = try DeviceRequest(json: try await access.device(deviceId)).authentication
                guard authentication.kind == .sas, let value = key == "secondary" ? authentication.secondaryKey : authentication.primaryKey else {
                    throw CommandFailure(description: "\(deviceId) does not authenticate with SAS keys")
                }
                hub.printConnectionString("HostName=\(hub.resolvedHostName);DeviceId=\(deviceId);SharedAccessKey=\(value)")
                return nil
            }
        }
    }
}
