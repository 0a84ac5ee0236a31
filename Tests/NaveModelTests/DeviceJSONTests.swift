import NaveModel
import Testing

/// IoT Hub's `Device` and `Module` JSON (contract §4.3) rendered from identities, and request
/// bodies (contract §4.2's examples among them) read back into validated requests.
@Suite("Device and module JSON")
struct DeviceJSONTests {
    static let primaryKey = "c2VjcmV0LXByaW1hcnkta2V5LTMyLWJ5dGVzLWxvbmc="
    static let secondaryKey = "c2VjcmV0LXNlY29uZGFyeS1rZXktMzItYnl0ZXMtbG8="
    static let thumbprint = "8CB692F3D18F109A32BFC71144559590261FB557"

    static func device(_ authentication: Authentication) -> DeviceIdentity {
        DeviceIdentity(deviceID: "dev1", generationID: "638000000000000001", etag: "MQ==", status: .enabled,
                       statusUpdatedTime: .never, authentication: authentication)
    }

    @Test("a new SAS device renders exactly as IoT Hub's Device")
    func renderSAS() {
        let json = Self.device(.sas(primaryKey: Self.primaryKey, secondaryKey: Self.secondaryKey)).json()
        #expect(json.serializedString() == """
            {"deviceId":"dev1","generationId":"638000000000000001","etag":"MQ==","connectionState":"Disconnected",\
            "status":"enabled","statusReason":null,"connectionStateUpdatedTime":"0001-01-01T00:00:00Z",\
            "statusUpdatedTime":"0001-01-01T00:00:00Z","lastActivityTime":"0001-01-01T00:00:00Z",\
            "cloudToDeviceMessageCount":0,"authentication":{"symmetricKey":{"primaryKey":"\(Self.primaryKey)",\
            "secondaryKey":"\(Self.secondaryKey)"},"x509Thumbprint":{"primaryThumbprint":null,"secondaryThumbprint":null},\
            "type":"sas"},"capabilities":{"iotEdge":false},"parentScopes":[]}
            """)
    }

    @Test("presence fields, edge capability and scopes render")
    func renderPresence() throws {
        var identity = Self.device(.selfSigned(primaryThumbprint: Self.thumbprint))
        identity.status = .disabled
        identity.statusReason = "because"
        identity.iotEdge = true
        identity.deviceScope = "ms-azure-iot-edge://edge1-1"
        identity.parentScopes = ["ms-azure-iot-edge://edge0-0"]
        let presence = PresenceFields(isConnected: true, connectionStateUpdatedTime: Timestamp(millisecondsSinceEpoch: 1_704_067_200_000),
                                      lastActivityTime: Timestamp(millisecondsSinceEpoch: 1_704_067_201_500), cloudToDeviceMessageCount: 3)
        let json = identity.json(presence: presence)
        #expect(json["connectionState"] == "Connected" && json["status"] == "disabled" && json["statusReason"] == "because")
        #expect(json["connectionStateUpdatedTime"] == "2024-01-01T00:00:00Z")
        #expect(json["lastActivityTime"] == "2024-01-01T00:00:01.500Z")
        #expect(json["cloudToDeviceMessageCount"] == 3 && json["capabilities"]?["iotEdge"] == true)
        #expect(json["deviceScope"] == "ms-azure-iot-edge://edge1-1" && json["parentScopes"] == ["ms-azure-iot-edge://edge0-0"])
        #expect(json["authentication"] == [
            "symmetricKey": ["primaryKey": nil, "secondaryKey": nil],
            "x509Thumbprint": ["primaryThumbprint": .string(Self.thumbprint), "secondaryThumbprint": nil],
            "type": "selfSigned",
        ])
    }

    @Test("a rendered device reads back as a request with the same settings", arguments: [
        Authentication.sas(primaryKey: DeviceJSONTests.primaryKey, secondaryKey: DeviceJSONTests.secondaryKey),
        Authentication.selfSigned(primaryThumbprint: DeviceJSONTests.thumbprint, secondaryThumbprint: String(repeating: "ab", count: 32)),
        Authentication(kind: .certificateAuthority), Authentication(kind: .none),
    ])
    func roundTrip(_ authentication: Authentication) throws {
        var identity = Self.device(authentication)
        identity.statusReason = "r\u{E9}ason \"quoted\""
        identity.iotEdge = true
        identity.parentScopes = ["a", "b"]
        let bytes = identity.json(presence: PresenceFields(isConnected: true, cloudToDeviceMessageCount: 7)).serialized()
        let request = try DeviceRequest(json: try JSONValue(parsing: bytes), pathDeviceID: "dev1")
        #expect(request == DeviceRequest(deviceID: "dev1", status: .enabled, statusReason: identity.statusReason,
                                         authentication: authentication, iotEdge: true, parentScopes: ["a", "b"]))
    }

    @Test("contract §4.2's device bodies are accepted")
    func contractBodies() throws {
        let sas = try DeviceRequest(json: try JSONValue(parsing: """
            {"deviceId": "dev1", "status": "enabled", "authentication": {"symmetricKey": {"primaryKey": "AAAA", "secondaryKey": "BBBB"}, "type": "sas"}, "capabilities": {"iotEdge": false}}
            """))
        #expect(sas == DeviceRequest(deviceID: "dev1", authentication: .sas(primaryKey: "AAAA", secondaryKey: "BBBB")))
        let x509 = try DeviceRequest(json: try JSONValue(parsing: """
            {"deviceId": "x509dev", "status": "enabled", "authentication": {"x509Thumbprint": {"primaryThumbprint": "8CB692F3D18F109A32BFC71144559590261FB557"}, "type": "selfSigned"}, "capabilities": {"iotEdge": false}}
            """))
        #expect(x509.authentication == .selfSigned(primaryThumbprint: Self.thumbprint))
        let ca = try DeviceRequest(json: try JSONValue(parsing: """
            {"deviceId": "cadev", "status": "disabled", "statusReason": "because", "authentication": {"type": "certificateAuthority"}, "capabilities": {"iotEdge": true}}
            """))
        #expect(ca == DeviceRequest(deviceID: "cadev", status: .disabled, statusReason: "because",
                                    authentication: Authentication(kind: .certificateAuthority), iotEdge: true))
        let generate = try DeviceRequest(json: try JSONValue(parsing: """
            {"deviceId": "d", "status": "enabled", "authentication": {"symmetricKey": {}, "type": "sas"}}
            """))
        #expect(generate.authentication == Authentication(kind: .sas), "no keys: the hub generates them")
    }

    @Test("tolerated variations", arguments: [
        (#"{"deviceId":"d","authentication":{"symmetricKey":{"primaryKey":null,"secondaryKey":null},"type":"SAS"}}"#,
         DeviceRequest(deviceID: "d")),
        (#"{"deviceId":"d","status":"Disabled","etag":"zzz","connectionState":"Connected","future":{"x":[1]}}"#,
         DeviceRequest(deviceID: "d", status: .disabled)),
        (#"{"deviceId":"d","statusReason":null,"authentication":null,"capabilities":null}"#, DeviceRequest(deviceID: "d")),
        (#"{}"#, DeviceRequest(deviceID: "d")),
        (#"{"deviceId":"d","authentication":{"type":"selfSigned","symmetricKey":{"primaryKey":"AAAA","secondaryKey":"BBBB"},"x509Thumbprint":{"primaryThumbprint":"8c:b6:92:f3:d1:8f:10:9a:32:bf:c7:11:44:55:95:90:26:1f:b5:57"}}}"#,
         DeviceRequest(deviceID: "d", authentication: .selfSigned(primaryThumbprint: "8c:b6:92:f3:d1:8f:10:9a:32:bf:c7:11:44:55:95:90:26:1f:b5:57"))),
        (#"{"deviceId":"d","authentication":{"type":"none","symmetricKey":{"primaryKey":"AAAA"}}}"#,
         DeviceRequest(deviceID: "d", authentication: Authentication(kind: .none))),
    ])
    func tolerated(_ body: String, _ expected: DeviceRequest) throws {
        #expect(try DeviceRequest(json: try JSONValue(parsing: body), pathDeviceID: "d") == expected)
    }

    @Test("modules render and read back; contract §4.2's module body is accepted")
    func modules() throws {
        let module = ModuleIdentity(deviceID: "dev1", moduleID: "mod1", managedBy: nil, generationID: "g", etag: "Mg==",
                                    authentication: .sas(primaryKey: Self.primaryKey, secondaryKey: Self.secondaryKey))
        let json = module.json()
        #expect(json.objectValue?.keys == ["moduleId", "managedBy", "deviceId", "generationId", "etag", "connectionState",
                                            "connectionStateUpdatedTime", "lastActivityTime", "cloudToDeviceMessageCount",
                                            "authentication"])
        #expect(json["managedBy"] == .null && json["connectionState"] == "Disconnected")
        let back = try ModuleRequest(json: try JSONValue(parsing: json.serialized()), pathDeviceID: "dev1", pathModuleID: "mod1")
        #expect(back == ModuleRequest(deviceID: "dev1", moduleID: "mod1", authentication: module.authentication))
        let sdk = try ModuleRequest(json: try JSONValue(parsing: """
            {"moduleId": "mod1", "managedBy": "", "deviceId": "dev1", "authentication": {"symmetricKey": {}, "type": "sas"}}
            """), pathDeviceID: "dev1", pathModuleID: "mod1")
        #expect(sdk == ModuleRequest(deviceID: "dev1", moduleID: "mod1", managedBy: ""))
        #expect(throws: HubError.argumentInvalid("moduleId 'mod2' does not match 'mod1' in the request path.")) {
            try ModuleRequest(json: ["moduleId": "mod2"], pathDeviceID: "dev1", pathModuleID: "mod1")
        }
    }
}
