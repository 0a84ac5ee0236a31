import Glibc
import NaveAuth
import NaveEncoding
import NaveModel
import NaveStore

/// A running node reached through its REST API over HTTPS: either the one a `--login`
/// connection string names (its `HostName`, or `GatewayHostName` when given, contract §3), or
/// the one holding a data directory, whose address and host name come from `node.json`, trust
/// from its development CA and credentials from its iothubowner policy.
struct RemoteHub: HubAccess {
    let client: ServiceClient
    let hostName: String
    let keyName: String
    let key: String

    /// What a `--login` service connection string gives: the host name tokens are signed for,
    /// where to dial, and the policy's key.
    struct Login {
        var hostName: String
        var dialHost: String
        var port: Int
        var keyName: String
        var key: String

        /// IoT Hub's REST API is HTTPS on 443 unless `HostName` (or `GatewayHostName`) says otherwise.
        static let defaultPort = 443

        init(parsing text: String) throws {
            let parsed = try ConnectionString(parsing: text)
            guard let name = parsed.sharedAccessKeyName, let secret = parsed.sharedAccessKey else {
                throw CommandFailure(description: "--login needs SharedAccessKeyName and SharedAccessKey", status: .usage)
            }
            let (host, port) = try RemoteHub.split(parsed.hostName, defaultPort: Self.defaultPort)
            let gateway = try parsed.gatewayHostName.map { try RemoteHub.split($0, defaultPort: port) }
            (hostName, keyName, key) = (parsed.hostName, name, secret)
            (dialHost, self.port) = gateway ?? (host, port)
        }
    }

    /// The node `login` names; its certificate must chain to `caPath` (nil: the system's CAs).
    init(login: Login, caPath: String?) {
        client = ServiceClient(address: login.dialHost, port: login.port, hostName: login.dialHost, caPath: caPath)
        (hostName, keyName, key) = (login.hostName, login.keyName, login.key)
    }

    /// The node running on the data directory at `path`, as its iothubowner.
    init(dataDirectory path: String) async throws {
        guard let advertisement = try DataDirectory.readAdvertisement(in: path) else {
            throw CommandFailure(description: "a node holds \(path) but has not published node.json yet; try again")
        }
        var (address, port) = try Self.split(advertisement.restAddress, defaultPort: nil)
        if address == "0.0.0.0" { address = "127.0.0.1" }
        if address == "::" { address = "::1" }
        hostName = advertisement.hostName
        client = ServiceClient(address: address, port: port, hostName: hostName, caPath: path + "/certs/ca.pem")
        let policy = try await StoredPolicies.policy(named: "iothubowner", in: path)
        (keyName, key) = (policy.name, policy.primaryKey)
    }

    func createDevice(_ request: DeviceRequest) async throws -> JSONValue {
        try call("PUT", "/devices/\(escaped(request.deviceID))", body: request.json)
    }

    func updateDevice(_ request: DeviceRequest, etag: String?) async throws -> JSONValue {
        try call("PUT", "/devices/\(escaped(request.deviceID))", body: request.json, ifMatch: "\"\(etag ?? "*")\"")
    }

    func device(_ deviceID: String) async throws -> JSONValue { try call("GET", "/devices/\(escaped(deviceID))") }

    func devices(top: Int?) async throws -> JSONValue {
        try call("GET", "/devices", query: top.map { "top=\($0)&" } ?? "")
    }

    func deleteDevice(_ deviceID: String, etag: String?) async throws {
        _ = try call("DELETE", "/devices/\(escaped(deviceID))", ifMatch: "\"\(etag ?? "*")\"")
    }

    func policies() async throws -> JSONValue { try call("GET", "/policies") }

    func createPolicy(name: String, rights: AccessRights) async throws -> JSONValue {
        try call("PUT", "/policies/\(escaped(name))", body: ["rights": .string(rights.description)])
    }

    func deletePolicy(name: String) async throws { _ = try call("DELETE", "/policies/\(escaped(name))") }

    func regenerateKey(policy: String, slot: String) async throws -> JSONValue {
        try call("POST", "/policies/\(escaped(policy))/regenerateKey", query: "key=\(slot)&")
    }

    func events(query: [(String, String)]) async throws -> JSONValue {
        let text = query.map { "\($0.0)=\(PercentEncoding.encode($0.1, safe: ""))&" }.joined()
        return try call("GET", "/events", query: text)
    }

    func twin(deviceID: String, moduleID: String?) async throws -> JSONValue {
        try call("GET", twinPath(deviceID, moduleID))
    }

    func updateTwin(deviceID: String, moduleID: String?, _ update: TwinUpdate, etag: String?) async throws -> JSONValue {
        try call("PATCH", twinPath(deviceID, moduleID), body: update.json, ifMatch: "\"\(etag ?? "*")\"")
    }

    func replaceTwin(deviceID: String, moduleID: String?, _ update: TwinUpdate, etag: String?) async throws -> JSONValue {
        try call("PUT", twinPath(deviceID, moduleID), body: update.json, ifMatch: "\"\(etag ?? "*")\"")
    }

    private func twinPath(_ deviceID: String, _ moduleID: String?) -> String {
        "/twins/\(escaped(deviceID))" + (moduleID.map { "/modules/\(escaped($0))" } ?? "")
    }

    func invokeMethod(_ invocation: MethodCall) async throws -> JSONValue {
        let path = "/twins/\(escaped(invocation.deviceID))" + (invocation.moduleID.map { "/modules/\(escaped($0))" } ?? "") + "/methods"
        // The node answers only when the device did or a timeout passed: wait for both, and some.
        return try call("POST", path, body: invocation.json,
                        timeoutSeconds: invocation.connectTimeoutSeconds + invocation.responseTimeoutSeconds + 10)
    }

    func query(_ text: String, continuation: String?) async throws -> (rows: [JSONValue], continuation: String?) {
        let token = try SASToken.serviceToken(hostName: hostName, keyName: keyName, key: key, expiry: Int64(time(nil)) + 300)
        var headers = [("Authorization", token), ("Accept", "application/json"), ("Content-Type", "application/json; charset=utf-8")]
        if let continuation { headers.append(("x-ms-continuation", continuation)) }
        let response = try client.send(method: "POST", path: "/devices/query?api-version=2021-04-12", headers: headers,
                                       body: JSONValue.object(["query": .string(text)]).serialized())
        let json = (try? JSONValue(parsing: response.body)) ?? .null
        guard response.status == 200, let rows = json.arrayValue else {
            throw CommandFailure(description: Self.describeFailure(status: response.status, json: json))
        }
        return (rows, response.header("x-ms-continuation"))
    }

    func close() async {}

    func createImportExportJob(_ properties: JSONValue) async throws -> JSONValue {
        try call("POST", "/jobs/create", body: properties)
    }

    func importExportJob(_ jobID: String) async throws -> JSONValue { try call("GET", "/jobs/\(escaped(jobID))") }

    /// One request; a non-2xx answer becomes the hub's error.
    func call(_ method: String, _ path: String, query: String = "", body: JSONValue? = nil,
                      ifMatch: String? = nil, timeoutSeconds: Int? = nil) throws -> JSONValue {
        let token = try SASToken.serviceToken(hostName: hostName, keyName: keyName, key: key, expiry: Int64(time(nil)) + 300)
        var headers = [("Authorization", token), ("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json; charset=utf-8")) }
        if let ifMatch { headers.append(("If-Match", ifMatch)) }
        var client = client
        if let timeoutSeconds { client.timeoutSeconds = timeoutSeconds }
        let response = try client.send(method: method, path: path + "?" + query + "api-version=2021-04-12",
                                       headers: headers, body: body?.serialized() ?? [])
        let json = response.body.isEmpty ? JSONValue.null : (try? JSONValue(parsing: response.body)) ?? .null
        guard (200..<300).contains(response.status) else {
            throw CommandFailure(description: Self.describeFailure(status: response.status, json: json),
                                 status: response.status == 404 ? .notFound : .failure)
        }
        return json
    }

    /// IoT Hub's error body carries the detail as a JSON string in `Message` (contract §4.5).
    static func describeFailure(status: Int, json: JSONValue) -> String {
        if let message = json["Message"]?.stringValue, let detail = try? JSONValue(parsing: message),
           let text = detail["message"]?.stringValue, let code = detail["errorCode"]?.int64Value {
            return "\(text) (HTTP \(status), \(code))"
        }
        return "the node answered HTTP \(status)"
    }

    func escaped(_ segment: String) -> String { PercentEncoding.encode(segment, safe: "") }

    /// `host:port`, `[v6]:port` or (with a default port) a bare host, as host and port.
    static func split(_ address: String, defaultPort: Int?) throws -> (String, Int) {
        let bracketed = address.hasPrefix("[")
        let colon = bracketed ? address.range(of: "]:")?.upperBound : address.lastIndex(of: ":").map { address.index(after: $0) }
        guard let colon, let port = Int(address[colon...]), (1...65_535).contains(port) else {
            guard let defaultPort, !address.isEmpty, !address.contains(":") || bracketed else {
                throw CommandFailure(description: "\(address) is not a usable host:port")
            }
            return (bracketed ? String(address.dropFirst().dropLast()) : address, defaultPort)
        }
        var host = String(address[..<address.index(before: colon)])
        if bracketed { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
