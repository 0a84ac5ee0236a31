import NaveAuth
import NaveEncoding
import Testing

/// MQTT CONNECT usernames (contract §1.2) and connection strings (§3, §4.1).
@Suite("MQTT usernames and connection strings")
struct IdentityStringTests {
    static let userAgent = "azure-iot-device-iothub-py%2F2.14.0%283.11.7%3BLinux%20%231%20SMP%20PREEMPT_DYNAMIC%20%400%3Bx86_64%29"
    static let decodedUserAgent = "azure-iot-device-iothub-py/2.14.0(3.11.7;Linux #1 SMP PREEMPT_DYNAMIC @0;x86_64)"

    @Test("device username from the contract")
    func device() throws {
        let username = try MQTTUsername(parsing: "localhost/dev1/?api-version=2019-10-01&DeviceClientType=\(Self.userAgent)",
                                        clientID: "dev1", expectedHostName: "localhost")
        #expect(username.hostName == "localhost" && username.deviceID == "dev1" && username.moduleID == nil)
        #expect(username.apiVersion == "2019-10-01")
        #expect(username.deviceClientType == Self.decodedUserAgent)
        #expect(username.modelID == nil && username.query.count == 2)
    }

    @Test("PnP username carries model-id")
    func plugAndPlay() throws {
        let text = "localhost/pnpdev/?api-version=2020-09-30&DeviceClientType=\(Self.userAgent)&model-id=dtmi%3Acom%3Aexample%3AThermostat%3B1"
        let username = try MQTTUsername(parsing: text, clientID: "pnpdev")
        #expect(username.deviceID == "pnpdev" && username.apiVersion == "2020-09-30")
        #expect(username.modelID == "dtmi:com:example:Thermostat;1")
    }

    @Test("module username: client id dev1/mod1")
    func module() throws {
        let username = try MQTTUsername(parsing: "localhost/dev1/mod1/?api-version=2019-10-01&DeviceClientType=x",
                                        clientID: "dev1/mod1", expectedHostName: "LOCALHOST")
        #expect(username.deviceID == "dev1" && username.moduleID == "mod1" && username.hostName == "localhost")
    }

    @Test("HostName, not GatewayHostName, and ids that are not URL-encoded")
    func hostAndRawIDs() throws {
        let username = try MQTTUsername(parsing: "myhub.azure-devices.net/dev%1:a/?api-version=2019-10-01",
                                        clientID: "dev%1:a")
        #expect(username.hostName == "myhub.azure-devices.net" && username.deviceID == "dev%1:a")
        // Only the first "/?" splits: a later one belongs to the query.
        let query = try MQTTUsername(parsing: "h/d/?a=%2F%3F&b=/?", clientID: "d")
        #expect(query.query == [QueryItem(name: "a", value: "/?"), QueryItem(name: "b", value: "/?")])
        let empty = try MQTTUsername(parsing: "h/d/?", clientID: "d")
        #expect(empty.query.isEmpty && empty.apiVersion == nil)
    }

    static let refusals: [(String, String, MQTTUsernameError)] = [
        ("localhost/dev1?api-version=1", "dev1", .missingQuery),
        ("localhost/dev1/api-version=1", "dev1", .missingQuery),
        ("", "dev1", .missingQuery),
        ("localhost/dev2/?api-version=1", "dev1", .clientIDMismatch),
        ("localhost/Dev1/?api-version=1", "dev1", .clientIDMismatch),
        ("localhost/dev1/?api-version=1", "dev1/mod1", .clientIDMismatch),
        ("localhost/dev1/mod1/?api-version=1", "dev1", .clientIDMismatch),
        ("/dev1/?api-version=1", "dev1", .clientIDMismatch),
        ("dev1/?api-version=1", "dev1", .clientIDMismatch),
        ("a/b/dev1/?x=1", "dev1", .clientIDMismatch),
        ("xdev1/?x=1", "dev1", .clientIDMismatch),
        ("localhost/dev1/?api-version=1", "", .invalidClientID),
        ("localhost/dev1/?api-version=1", "dev1/", .invalidClientID),
        ("localhost/a/b/c/?api-version=1", "a/b/c", .invalidClientID),
        ("otherhub/dev1/?api-version=1", "dev1", .wrongHostName(got: "otherhub")),
        ("localhost/dev1/?api-version=%zz", "dev1", .badPercentEscape),
        ("localhost/dev1/?model-id=a&model-id=b", "dev1", .duplicateParameter("model-id")),
        ("localhost/dev1/?" + String(repeating: "a", count: 5000), "dev1", .tooLong(byteCount: 5016)),
    ]

    @Test("refused usernames", arguments: refusals)
    func refused(_ row: (String, String, MQTTUsernameError)) {
        #expect(throws: row.2) { try MQTTUsername(parsing: row.0, clientID: row.1, expectedHostName: "localhost") }
    }

    @Test("connection strings: device, module, gateway, service; keys ending in '='")
    func connectionStrings() throws {
        let device = try ConnectionString(parsing: "HostName=localhost;DeviceId=dev1;SharedAccessKey=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        #expect(device.hostName == "localhost" && device.deviceID == "dev1" && device.moduleID == nil)
        #expect(device.sharedAccessKey == "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        let module = try ConnectionString(parsing: "HostName=myhub.azure-devices.net;DeviceId=dev1;ModuleId=mod1;SharedAccessKey=a==;GatewayHostName=localhost;")
        #expect(module.moduleID == "mod1" && module.gatewayHostName == "localhost" && module.sharedAccessKey == "a==")
        let service = try ConnectionString(parsing: "HostName=localhost:8443;SharedAccessKeyName=iothubowner;SharedAccessKey=k=")
        #expect(service.hostName == "localhost:8443" && service.sharedAccessKeyName == "iothubowner" && service.deviceID == nil)
        let x509 = try ConnectionString(parsing: "HostName=h;DeviceId=d;x509=true")
        #expect(x509.x509 == "true")
        let token = try ConnectionString(parsing: "HostName=h;DeviceId=d;SharedAccessSignature=SharedAccessSignature sr=h%2Fdevices%2Fd&sig=a%3D&se=1")
        #expect(token.sharedAccessSignature == "SharedAccessSignature sr=h%2Fdevices%2Fd&sig=a%3D&se=1")
    }

    @Test("connection strings format in portal order and parse back; description hides secrets")
    func formatting() throws {
        let value = ConnectionString(hostName: "localhost", deviceID: "dev1", moduleID: "mod1", sharedAccessKey: "c2VjcmV0=",
                                     gatewayHostName: "gw")
        #expect(value.formatted == "HostName=localhost;DeviceId=dev1;ModuleId=mod1;SharedAccessKey=c2VjcmV0=;GatewayHostName=gw")
        #expect(try ConnectionString(parsing: value.formatted) == value)
        #expect(!value.description.contains("c2VjcmV0") && value.description.contains("SharedAccessKey=<redacted>"))
        var dumped = ""
        dump(value, to: &dumped)
        #expect(!dumped.contains("c2VjcmV0"))
        let service = ConnectionString(hostName: "h", sharedAccessKeyName: "iothubowner", sharedAccessKey: "k=")
        #expect(service.formatted == "HostName=h;SharedAccessKeyName=iothubowner;SharedAccessKey=k=")
    }

    static let badConnectionStrings: [(String, ConnectionStringError)] = [
        ("", .pairWithoutEquals),
        (";;", .pairWithoutEquals),
        ("HostName=h;;DeviceId=d", .pairWithoutEquals),
        ("HostName=h;DeviceId", .pairWithoutEquals),
        ("HostName=h;hostname=x", .unknownKey("hostname")),
        ("HostName=h;Foo=bar", .unknownKey("Foo")),
        ("HostName=h;DeviceId=a;DeviceId=b", .duplicateKey("DeviceId")),
        ("DeviceId=d;SharedAccessKey=k=", .missingHostName),
        ("HostName=;DeviceId=d", .missingHostName),
    ]

    @Test("malformed connection strings", arguments: badConnectionStrings)
    func badConnectionString(_ row: (String, ConnectionStringError)) {
        #expect(throws: row.1) { try ConnectionString(parsing: row.0) }
    }
}
