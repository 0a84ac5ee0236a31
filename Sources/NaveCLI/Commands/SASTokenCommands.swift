import ArgumentParser
import Glibc
import NaveAuth
import NaveModel

/// `nave device generate-sas-token` and `nave hub generate-sas-token`, like `az iot hub
/// generate-sas-token`: a token signed here with a key read from the hub, printed as
/// `{"sas": "SharedAccessSignature sr=…"}`. The signing is `NaveAuth`'s, the same code the
/// node verifies with (contract §1.3 for devices and modules, §4.1 for the service).
enum SASTokenArguments {
    /// How long a token lasts unless `--duration` says otherwise: az's default, one hour.
    static let defaultDurationSeconds = 3_600
    /// The longest `--duration` accepted: a year, beyond which a leaked token is a standing key.
    static let maximumDurationSeconds = 365 * 24 * 3_600

    /// `se`: now plus `duration` seconds, after checking the duration.
    static func expiry(after duration: Int) throws -> Int64 {
        guard (1...maximumDurationSeconds).contains(duration) else {
            throw CommandFailure(description: "--duration must be 1…\(maximumDurationSeconds) seconds", status: .usage)
        }
        return Int64(time(nil)) + Int64(duration)
    }

    /// The `primary` or `secondary` entry of `keys` (`primaryKey`/`secondaryKey` members).
    static func key(_ keyType: String, in keys: JSONValue?, of owner: String) throws -> String {
        guard keyType == "primary" || keyType == "secondary" else {
            throw CommandFailure(description: "--key-type must be primary or secondary", status: .usage)
        }
        guard let key = keys?[keyType + "Key"]?.stringValue, !key.isEmpty else {
            throw CommandFailure(description: "\(owner) has no \(keyType) SAS key")
        }
        return key
    }

    static func printed(_ token: String, _ hub: HubOptions) {
        hub.format.print(["sas": .string(token)])
    }
}

extension DeviceCommand {
    struct GenerateSASToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-sas-token",
            abstract: "Print a SAS token a device (or, with -m, a module) connects with: MQTT password, HTTP Authorization.")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "The device id.") var deviceId: String
        @Option(name: [.customShort("m"), .long], help: "Sign for this module of the device, with the module's key.") var moduleId: String?
        @Option(name: .long, help: "Seconds until the token expires.") var duration = SASTokenArguments.defaultDurationSeconds
        @Option(name: .long, help: "primary or secondary: which of the identity's keys signs.") var keyType = "primary"

        func run() async throws {
            let expiry = try SASTokenArguments.expiry(after: duration)
            let hostName = hub.resolvedHostName
            try await withHub(hub, printing: false) { access in
                let identity = if let moduleId {
                    try await access.module(deviceID: deviceId, moduleID: moduleId)
                } else {
                    try await access.device(deviceId)
                }
                let owner = moduleId.map { "module '\(deviceId)/\($0)'" } ?? "device '\(deviceId)'"
                let key = try SASTokenArguments.key(keyType, in: identity["authentication"]?["symmetricKey"], of: owner)
                let resource = "\(hostName)/devices/\(deviceId)" + (moduleId.map { "/modules/\($0)" } ?? "")
                SASTokenArguments.printed(try SASToken.deviceToken(resourceURI: resource, key: key, expiry: expiry), hub)
                return nil
            }
        }
    }
}

extension HubCommand {
    struct GenerateSASToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-sas-token",
            abstract: "Print a service SAS token for a shared access policy (the REST API's Authorization header).")
        @OptionGroup var hub: HubOptions
        @Option(name: .long, help: "The shared access policy (default: --login's, else iothubowner).") var policy: String?
        @Option(name: .long, help: "Seconds until the token expires.") var duration = SASTokenArguments.defaultDurationSeconds
        @Option(name: .long, help: "primary or secondary: which of the policy's keys signs.") var keyType = "primary"

        func run() async throws {
            let expiry = try SASTokenArguments.expiry(after: duration)
            let hostName = hub.resolvedHostName
            let login = try hub.login.map(RemoteHub.Login.init(parsing:))
            let name = policy ?? login?.keyName ?? "iothubowner"
            // --login's own policy signs with the key in the string (no read of the policies needed).
            if let login, login.keyName == name, keyType == "primary" {
                SASTokenArguments.printed(try SASToken.serviceToken(hostName: hostName, keyName: name, key: login.key, expiry: expiry), hub)
                return
            }
            try await withHub(hub, printing: false) { access in
                let found = try await access.policies().arrayValue?.first { $0["keyName"]?.stringValue == name }
                guard let found else { throw CommandFailure(description: "no shared access policy named '\(name)'", status: .notFound) }
                let key = try SASTokenArguments.key(keyType, in: found, of: "policy '\(name)'")
                SASTokenArguments.printed(try SASToken.serviceToken(hostName: hostName, keyName: name, key: key, expiry: expiry), hub)
                return nil
            }
        }
    }
}
