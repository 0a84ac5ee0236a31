import NaveEncoding

/// The MQTT CONNECT username of an IoT Hub device or module (contract §1.2):
/// `{hostname}/{client_id}/?{query}`, with `client_id` the CONNECT client identifier (`dev1` or
/// `dev1/mod1`), neither part URL-encoded, and a percent-encoded query
/// (`api-version=…&DeviceClientType=…[&model-id=…]`).
public struct MQTTUsername: Sendable, Equatable {
    /// Longest username accepted, in bytes: the SDK's is about 200 with a long `product_info`.
    public static let textBytesMax = 4096

    /// `HostName` from the client's connection string (not `GatewayHostName`, §1.2).
    public let hostName: String
    public let deviceID: String
    /// Set when the client id is `device/module`.
    public let moduleID: String?
    /// `api-version`, e.g. `2019-10-01` (or `2020-09-30` for PnP devices).
    public let apiVersion: String?
    /// `DeviceClientType`: the SDK's user agent and product info, decoded.
    public let deviceClientType: String?
    /// `model-id`: the device's IoT Plug and Play model (a `dtmi:` id).
    public let modelID: String?
    /// Every query parameter, decoded, in order (unknown ones included).
    public let query: [QueryItem]

    /// Parses `username` for a CONNECT whose client identifier is `clientID`: splits on the first
    /// `/?`, requires the part before it to be `{hostname}/{clientID}`, and decodes the query.
    /// - Parameter expectedHostName: when given, the username's host must equal it (ignoring
    ///   ASCII case, as DNS names compare).
    public init(parsing username: some StringProtocol, clientID: some StringProtocol,
                expectedHostName: String? = nil) throws(MQTTUsernameError) {
        let username = Substring(username)
        guard username.utf8.count <= Self.textBytesMax else { throw .tooLong(byteCount: username.utf8.count) }
        let clientID = Substring(clientID)
        let parts = clientID.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { throw .invalidClientID }
        guard let separator = Self.querySeparator(in: username.utf8) else { throw .missingQuery }
        let prefix = username[..<separator]
        // The prefix is `{hostname}/{client_id}`, compared as bytes (no Unicode normalisation:
        // ids are matched exactly); host names hold no `/`.
        let suffix = Array(("/" + clientID).utf8)
        guard prefix.utf8.count > suffix.count, prefix.utf8.suffix(suffix.count).elementsEqual(suffix) else {
            throw .clientIDMismatch
        }
        let host = String(decoding: prefix.utf8.dropLast(suffix.count), as: UTF8.self)
        guard !host.utf8.contains(UInt8(ascii: "/")) else { throw .clientIDMismatch }
        if let expectedHostName, host.lowercased() != expectedHostName.lowercased() {
            throw .wrongHostName(got: host)
        }
        let queryStart = username.utf8.index(separator, offsetBy: 2)
        guard let query = QueryString.parse(username[queryStart...]) else { throw .badPercentEscape }
        hostName = host
        deviceID = parts[0]
        moduleID = parts.count == 2 ? parts[1] : nil
        apiVersion = try Self.single("api-version", in: query)
        deviceClientType = try Self.single("DeviceClientType", in: query)
        modelID = try Self.single("model-id", in: query)
        self.query = query
    }

    /// Where the first `/?` starts (found on bytes: both are ASCII).
    private static func querySeparator(in bytes: Substring.UTF8View) -> String.Index? {
        var index = bytes.startIndex
        while let slash = bytes[index...].firstIndex(of: UInt8(ascii: "/")) {
            let next = bytes.index(after: slash)
            if next != bytes.endIndex && bytes[next] == UInt8(ascii: "?") { return slash }
            index = next
        }
        return nil
    }

    /// The value of `name`, nil when absent; a repeated parameter is ambiguous and refused.
    private static func single(_ name: String, in query: [QueryItem]) throws(MQTTUsernameError) -> String? {
        var found: String?
        for item in query where item.name == name {
            guard found == nil else { throw .duplicateParameter(name) }
            found = item.value
        }
        return found
    }
}

/// Why a CONNECT username was refused (the broker answers "bad user name or password"). Usernames
/// hold no secrets, so reasons may quote them.
public enum MQTTUsernameError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLong(byteCount: Int)
    /// The client id is empty, has an empty part, or has more than one `/`.
    case invalidClientID
    /// No `/?` separates the identity from the query.
    case missingQuery
    /// The part before `/?` is not `{hostname}/{client_id}`.
    case clientIDMismatch
    case wrongHostName(got: String)
    case badPercentEscape
    case duplicateParameter(String)

    public var description: String {
        switch self {
        case .tooLong(let count): "username is \(count) bytes, more than \(MQTTUsername.textBytesMax)"
        case .invalidClientID: "client id is not 'device' or 'device/module'"
        case .missingQuery: "username has no '/?' before its query"
        case .clientIDMismatch: "username does not start with '{hostname}/{client id}'"
        case .wrongHostName(let host): "username names host '\(host)', not this hub"
        case .badPercentEscape: "username query has a bad percent escape"
        case .duplicateParameter(let name): "username query repeats '\(name)'"
        }
    }
}
