import ArgumentParser
import NaveModel

/// `nave c2d …`: cloud-to-device messages, like `az iot device c2d-message send` and
/// `az iot device c2d-message purge`.
struct CloudToDeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c2d",
        abstract: "Send cloud-to-device messages and purge a device's queue.",
        subcommands: [Send.self, Purge.self]
    )

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a message for a device (delivered when it is connected and subscribed, or over HTTPS).",
            discussion: """
            Property names follow azure-iot-hub's send_c2d_message: messageId, correlationId, userId, \
            contentType, contentEncoding and expiryTimeUtc (milliseconds or ISO 8601) are system \
            properties; any other name is an application property.
            """
        )
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String
        @Option(name: .customLong("prop"), help: "A property name=value (repeatable).") var properties: [String] = []
        @Option(name: .long, help: "Feedback wanted: none, positive, negative or full.") var ack: String?
        @Option(name: .long, help: "Time to live in seconds (default 3600, at most 172800).") var ttl: Int?
        @Argument(help: "The message body (UTF-8 text).") var body: String

        func run() async throws {
            var pairs: [(name: String, value: String)] = []
            for property in properties {
                guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                    throw CommandFailure(description: "--prop needs name=value (got \(property))")
                }
                pairs.append((String(property[..<equals]), String(property[property.index(after: equals)...])))
            }
            if let ack {
                guard CloudToDeviceAck(rawValue: ack) != nil else { throw CommandFailure(description: "--ack must be none, positive, negative or full") }
                pairs.append((CloudToDeviceAck.propertyName, ack))
            }
            let message: DeviceMessage
            do {
                message = try CloudToDeviceSendRequest.message(body: Array(body.utf8), properties: pairs)
            } catch {
                throw CommandFailure(description: error.commandLine)
            }
            let request = CloudToDeviceSendRequest(message: message, ttlSeconds: ttl)
            try await withHub(hub) { try await $0.sendCloudToDevice(request, deviceID: deviceId) }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete every message queued for a device; prints how many.")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String

        func run() async throws { try await withHub(hub) { try await $0.purgeCloudToDevice(deviceID: deviceId) } }
    }
}
