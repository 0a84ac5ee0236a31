import ArgumentParser
import NaveModel

/// `nave method …`: direct methods on connected devices, like `az iot hub invoke-device-method`
/// and `invoke-module-method`. Calls go through a running node (only it holds the device's
/// connection).
struct MethodCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "method",
        abstract: "Call direct methods on connected devices and modules.",
        subcommands: [Invoke.self]
    )

    struct Invoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call a method and print the device's answer: {\"status\": …, \"payload\": …}.",
            discussion: """
            The node answers 404 (DeviceNotOnline) when the device is not connected and \
            subscribed to methods within --connect-timeout, and 504 (GatewayTimeout) when it \
            does not answer within --timeout.
            """
        )
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String
        @Option(name: [.customShort("m"), .long], help: "A module of the device, to call the module's method.") var moduleId: String?
        @Option(name: .long, help: "The method name.") var methodName: String
        @Option(name: .long, help: "The payload, as JSON.") var methodPayload = "{}"
        @Option(name: .long, help: "Seconds to wait for the answer (5...300).") var timeout = 30
        @Option(name: .long, help: "Seconds to wait for the device to connect (0...300).") var connectTimeout = 0

        func run() async throws {
            let payload: JSONValue
            do {
                payload = try JSONValue(parsing: methodPayload)
            } catch {
                throw CommandFailure(description: "--method-payload is not JSON: \(error.description)")
            }
            let call = MethodCall(deviceID: deviceId, moduleID: moduleId, methodName: methodName, payload: payload,
                                  responseTimeoutSeconds: timeout, connectTimeoutSeconds: connectTimeout)
            try await withHub(hub) { try await $0.invokeMethod(call) }
        }
    }
}
