/// An IoT Hub connection string (contract §3, §4.1):
/// `HostName=…;DeviceId=…[;ModuleId=…];SharedAccessKey=…[;GatewayHostName=…]` for devices and
/// modules, `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…` for services.
///
/// `description` hides the key and signature; `formatted` is the full text for a user to copy.
public struct ConnectionString: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var hostName: String
    public var deviceID: String?
    public var moduleID: String?
    /// The shared access policy a service key belongs to (`iothubowner`, …).
    public var sharedAccessKeyName: String?
    /// Base64 key. Secret.
    public var sharedAccessKey: String?
    /// A ready-made token instead of a key. Secret.
    public var sharedAccessSignature: String?
    /// The host to dial when it differs from `HostName` (§3); `HostName` still goes in tokens.
    public var gatewayHostName: String?
    /// `x509=true` marks an X.509 device; the Python SDK refuses it in connection strings.
    public var x509: String?

    /// Keys in the order `formatted` writes them, which is the order the Azure portal shows.
    public static let keys = ["HostName", "DeviceId", "ModuleId", "SharedAccessKeyName", "SharedAccessKey",
                              "SharedAccessSignature", "GatewayHostName", "x509"]

    public init(hostName: String, deviceID: String? = nil, moduleID: String? = nil, sharedAccessKeyName: String? = nil,
                sharedAccessKey: String? = nil, sharedAccessSignature: String? = nil, gatewayHostName: String? = nil,
                x509: String? = nil) {
        self.hostName = hostName
        self.deviceID = deviceID
        self.moduleID = moduleID
        self.sharedAccessKeyName = sharedAccessKeyName
        self.sharedAccessKey = sharedAccessKey
        self.sharedAccessSignature = sharedAccessSignature
        self.gatewayHostName = gatewayHostName
        self.x509 = x509
    }

    /// Parses `text` as the Python SDKs do: `;`-separated `Key=value` pairs, each split on its
    /// first `=` (base64 keys end with `=`); key names exact (case-sensitive); no repeats; a
    /// non-empty `HostName` required. One trailing `;` is tolerated.
    public init(parsing text: some StringProtocol) throws(ConnectionStringError) {
        var text = Substring(text)
        if text.hasSuffix(";") { text = text.dropLast() }
        var values: [String: String] = [:]
        for pair in text.split(separator: ";", omittingEmptySubsequences: false) {
            guard let equals = pair.firstIndex(of: "=") else { throw .pairWithoutEquals }
            let key = String(pair[..<equals])
            guard Self.keys.contains(key) else { throw .unknownKey(key) }
            guard values[key] == nil else { throw .duplicateKey(key) }
            values[key] = String(pair[pair.index(after: equals)...])
        }
        guard let hostName = values["HostName"], !hostName.isEmpty else { throw .missingHostName }
        self.init(hostName: hostName, deviceID: values["DeviceId"], moduleID: values["ModuleId"],
                  sharedAccessKeyName: values["SharedAccessKeyName"], sharedAccessKey: values["SharedAccessKey"],
                  sharedAccessSignature: values["SharedAccessSignature"], gatewayHostName: values["GatewayHostName"],
                  x509: values["x509"])
    }

    /// The connection string text, keys in `keys` order, absent values left out. Values are
    /// written as they are: one containing `;` cannot be represented and would not parse back.
    public var formatted: String {
        pairs(redacted: false)
    }

    public var description: String { pairs(redacted: true) }

    /// `dump` and debuggers see the redacted text too.
    public var customMirror: Mirror { Mirror(self, children: ["redacted": description]) }

    private func pairs(redacted: Bool) -> String {
        let values = [hostName, deviceID, moduleID, sharedAccessKeyName, sharedAccessKey, sharedAccessSignature,
                      gatewayHostName, x509]
        var parts: [String] = []
        for (key, value) in zip(Self.keys, values) {
            guard let value else { continue }
            let secret = key == "SharedAccessKey" || key == "SharedAccessSignature"
            parts.append("\(key)=\(redacted && secret ? "<redacted>" : value)")
        }
        return parts.joined(separator: ";")
    }
}

/// Why a connection string did not parse. Never quotes values (keys are secret).
public enum ConnectionStringError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A segment without `=`, including an empty one (`a=1;;b=2`).
    case pairWithoutEquals
    case unknownKey(String)
    case duplicateKey(String)
    case missingHostName

    public var description: String {
        switch self {
        case .pairWithoutEquals: "connection string has a part without '='"
        case .unknownKey(let key): "connection string has unknown key '\(key.prefix(32))'"
        case .duplicateKey(let key): "connection string repeats '\(key)'"
        case .missingHostName: "connection string lacks HostName"
        }
    }
}
