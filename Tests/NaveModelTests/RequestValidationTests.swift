import NaveModel
import Testing

/// Every way a registry request body can be refused: 400004 ArgumentInvalid with a message
/// naming the member, so a client sees what to fix.
@Suite("Request validation")
struct RequestValidationTests {
    static let long = String(repeating: "a", count: 129)
    static let bigKey = String(repeating: "A", count: 88)  // base64 of 66 bytes

    @Test("device bodies refused with ArgumentInvalid and a clear message", arguments: [
        ("[]", "The request body must be a JSON object."),
        ("{}", "deviceId is required."),
        (#"{"deviceId":5}"#, "deviceId must be a string."),
        (#"{"deviceId":"a/b"}"#, "deviceId must be 1 to 128 ASCII letters"),
        (#"{"deviceId":""}"#, "deviceId must be 1 to 128 ASCII letters"),
        (#"{"deviceId":"\#(long)"}"#, "deviceId must be 1 to 128 ASCII letters"),
        (#"{"deviceId":"d","status":"paused"}"#, "status must be one of enabled, disabled."),
        (#"{"deviceId":"d","status":true}"#, "status must be a string."),
        (#"{"deviceId":"d","statusReason":"\#(long)"}"#, "statusReason must be at most 128 characters."),
        (#"{"deviceId":"d","authentication":"sas"}"#, "authentication must be a JSON object."),
        (#"{"deviceId":"d","authentication":{"type":"password"}}"#,
         "authentication.type must be one of sas, selfSigned, certificateAuthority, none."),
        (#"{"deviceId":"d","authentication":{"type":"sas","symmetricKey":[]}}"#,
         "authentication.symmetricKey must be a JSON object."),
        (#"{"deviceId":"d","authentication":{"type":"sas","symmetricKey":{"primaryKey":"AAAA"}}}"#,
         "authentication.symmetricKey needs both primaryKey and secondaryKey, or neither"),
        (#"{"deviceId":"d","authentication":{"type":"sas","symmetricKey":{"primaryKey":"not base64!","secondaryKey":"AAAA"}}}"#,
         "authentication.symmetricKey.primaryKey must be base64 of 1 to 64 bytes."),
        (#"{"deviceId":"d","authentication":{"type":"sas","symmetricKey":{"primaryKey":"AAAA","secondaryKey":"\#(bigKey)"}}}"#,
         "authentication.symmetricKey.secondaryKey must be base64 of 1 to 64 bytes."),
        (#"{"deviceId":"d","authentication":{"type":"sas","symmetricKey":{"primaryKey":"AAAA","secondaryKey":7}}}"#,
         "authentication.symmetricKey.secondaryKey must be a string."),
        (#"{"deviceId":"d","authentication":{"type":"selfSigned"}}"#,
         "authentication.x509Thumbprint.primaryThumbprint is required for type selfSigned."),
        (#"{"deviceId":"d","authentication":{"type":"selfSigned","x509Thumbprint":{"primaryThumbprint":"XYZ"}}}"#,
         "authentication.x509Thumbprint.primaryThumbprint must be 40 (SHA-1) or 64 (SHA-256) hex digits."),
        (#"{"deviceId":"d","capabilities":{"iotEdge":"yes"}}"#, "capabilities.iotEdge must be true or false."),
        (#"{"deviceId":"d","parentScopes":[1]}"#, "parentScopes must be an array of strings."),
        (#"{"deviceId":"d","deviceScope":{}}"#, "deviceScope must be a string."),
        (#"{"deviceId":"other"}"#, "deviceId 'other' does not match 'd' in the request path."),
    ])
    func deviceRefused(_ body: String, _ message: String) throws {
        let json = try JSONValue(parsing: body)
        do {
            _ = try DeviceRequest(json: json, pathDeviceID: body == "{}" ? nil : "d")
            Issue.record("accepted: \(body)")
        } catch {
            #expect(error.code == 400_004 && error.status == 400 && error.name == "ArgumentInvalid")
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test("device and module ids follow IoT Hub's character set", arguments: [
        ("a", true), ("dev-1", true), ("-:.+%_#*?!(),=@;$'", true), ("Az09", true),
        (String(repeating: "x", count: 128), true), (String(repeating: "x", count: 129), false),
        ("", false), ("a/b", false), ("a b", false), ("é", false), ("a\u{0}", false), ("a&b", false),
        ("a\"b", false), ("<x>", false), ("a\\b", false), ("a[b]", false), ("a{b}", false), ("a~b", false),
    ])
    func identityIDs(_ id: String, _ valid: Bool) {
        #expect(IdentityID.isValid(id) == valid)
    }

    @Test("module bodies: ids required and checked")
    func moduleRefused() throws {
        #expect(throws: HubError.argumentInvalid("moduleId is required.")) {
            try ModuleRequest(json: ["deviceId": "d"], pathDeviceID: "d")
        }
        #expect(throws: HubError.self) { try ModuleRequest(json: ["deviceId": "d", "moduleId": "m/1"]) }
        #expect(throws: HubError.argumentInvalid("managedBy must be a string.")) {
            try ModuleRequest(json: ["deviceId": "d", "moduleId": "m", "managedBy": 1])
        }
    }
}
