import NaveAuth
import NaveEncoding
import Testing

/// SAS tokens: the contract's worked examples (§1.3, §4.1), tokens built with Python's formulas
/// (generated once with python3 and pasted here), round trips and every refusal outcome.
@Suite("SAS tokens")
struct SASTokenTests {
    /// Contract §1.3: base64 of `0123456789abcdef0123456789abcdef`.
    static let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    static let otherKey = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
    static let deviceToken = "SharedAccessSignature sr=localhost%2Fdevices%2Fdev1&sig=StV1LKrmrPQwxa9b7CKLCIrq632%2FnHOwoVCyxlkKjK4%3D&se=1795757557"
    static let moduleToken = "SharedAccessSignature sr=localhost%2Fdevices%2Fdev1%2Fmodules%2Fmod1&sig=apGQs4jRPg6Z534spNk4Bp3U3qoBv0TjEb3FskOVgdo%3D&se=1795757557"
    static let serviceToken = "SharedAccessSignature sr=localhost%3A8443&sig=YA9eH3UB8XcHyxGKWeANLDK2n4hmfTnHqtF%2BBAJEhHM%3D&se=1795757596&skn=iothubowner"
    /// A service signature with a raw `/` (quote keeps it) and an escaped `+`.
    static let serviceTokenWithSlash = "SharedAccessSignature sr=localhost&sig=yqer3QnrzNUqV4QCUjJTEfA4vFz/ZOsL52Dmv%2BUbweA%3D&se=1795757598&skn=iothubowner"
    static let device = SASResource.device(hostName: "localhost", deviceID: "dev1")
    static let now: Int64 = 1_795_750_000

    @Test("contract §1.3 worked example: signature, wire form, parse and verify")
    func deviceVector() throws {
        #expect(try SASToken.signature(stringToSign: "localhost%2Fdevices%2Fdev1\n1795757557", key: Self.key)
                == "StV1LKrmrPQwxa9b7CKLCIrq632/nHOwoVCyxlkKjK4=")
        let signed = try SASToken.deviceToken(resourceURI: "localhost/devices/dev1", key: Self.key, expiry: 1_795_757_557)
        #expect(signed == Self.deviceToken)
        let token = try SASToken(parsing: Self.deviceToken)
        #expect(token.rawResource == "localhost%2Fdevices%2Fdev1")
        #expect(token.resource == "localhost/devices/dev1")
        #expect(token.signature == "StV1LKrmrPQwxa9b7CKLCIrq632/nHOwoVCyxlkKjK4=")
        #expect(token.expiry == 1_795_757_557 && token.keyName == nil)
        #expect(token.verify(expectedResource: Self.device, keys: [Self.key], now: Self.now) == .valid(expiresAt: 1_795_757_557))
    }

    @Test("module tokens sign and verify as azure-iot-device builds them")
    func moduleVector() throws {
        let uri = "localhost/devices/dev1/modules/mod1"
        #expect(try SASToken.deviceToken(resourceURI: uri, key: Self.key, expiry: 1_795_757_557) == Self.moduleToken)
        let module = SASResource.module(hostName: "localhost", deviceID: "dev1", moduleID: "mod1")
        #expect(SASToken.verify(Self.moduleToken, expectedResource: module, keys: [Self.key], now: Self.now)
                == .valid(expiresAt: 1_795_757_557))
        #expect(SASToken.verify(Self.moduleToken, expectedResource: Self.device, keys: [Self.key], now: Self.now)
                == .wrongResource(got: uri))
        #expect(SASToken.verify(Self.deviceToken, expectedResource: module, keys: [Self.key], now: Self.now)
                == .wrongResource(got: "localhost/devices/dev1"))
    }

    @Test("contract §4.1 service example parses; its string to sign is sr and se as sent")
    func serviceContractExample() throws {
        let example = "SharedAccessSignature sr=localhost%3A8443&sig=4ApDdpQ5l6/Ej9IVrrJb0Rp9%2BS9zv3DZaxIYYTU8/RI%3D&se=1795757596&skn=iothubowner"
        let token = try SASToken(parsing: example)
        #expect(token.rawResource == "localhost%3A8443" && token.resource == "localhost:8443")
        #expect(token.signature == "4ApDdpQ5l6/Ej9IVrrJb0Rp9+S9zv3DZaxIYYTU8/RI=")
        #expect(token.rawExpiry == "1795757596" && token.keyName == "iothubowner")
        // The contract does not give this example's key: the resource check passes and only the
        // signature fails under a key that is not it.
        #expect(token.verify(expectedResource: .service(hostName: "localhost"), keys: [Self.key], now: Self.now) == .badSignature)
    }

    @Test("service tokens sign as azure-iot-hub builds them (quote_plus sr, sig keeps '/')")
    func serviceVectors() throws {
        #expect(try SASToken.serviceToken(hostName: "localhost:8443", keyName: "iothubowner", key: Self.key, expiry: 1_795_757_596)
                == Self.serviceToken)
        #expect(try SASToken.serviceToken(hostName: "localhost", keyName: "iothubowner", key: Self.key, expiry: 1_795_757_598)
                == Self.serviceTokenWithSlash)
        let token = try SASToken(parsing: Self.serviceTokenWithSlash)
        #expect(token.signature == "yqer3QnrzNUqV4QCUjJTEfA4vFz/ZOsL52Dmv+UbweA=")
    }

    @Test("service sr is accepted with or without the port, host case-insensitively")
    func servicePorts() {
        let valid596 = SASVerification.valid(expiresAt: 1_795_757_596)
        for host in ["localhost", "localhost:8443", "LOCALHOST", "LocalHost:443"] {
            #expect(SASToken.verify(Self.serviceToken, expectedResource: .service(hostName: host), keys: [Self.key], now: Self.now)
                    == valid596, "\(host)")
            #expect(SASToken.verify(Self.serviceTokenWithSlash, expectedResource: .service(hostName: host), keys: [Self.key],
                                    now: Self.now) == .valid(expiresAt: 1_795_757_598), "\(host)")
        }
        for host in ["otherhost", "localhost.example", "localhost:", "local"] {
            #expect(SASToken.verify(Self.serviceToken, expectedResource: .service(hostName: host), keys: [Self.key], now: Self.now)
                    == .wrongResource(got: "localhost:8443"), "\(host)")
        }
        // A device token is no service token.
        #expect(SASToken.verify(Self.deviceToken, expectedResource: .service(hostName: "localhost"), keys: [Self.key], now: Self.now)
                == .wrongResource(got: "localhost/devices/dev1"))
    }

    @Test("round trips for device, module and service forms with generated keys")
    func roundTrips() throws {
        let generator = SymmetricKeyGenerator()
        for index in 0..<20 {
            let key = generator.makeKey()
            let expiry = Self.now + Int64(index) * 97 + 1
            let deviceID = "dev-\(index)@x:y"
            let device = try SASToken.deviceToken(resourceURI: "myhub.example/devices/\(deviceID)", key: key, expiry: expiry)
            #expect(SASToken.verify(device, expectedResource: .device(hostName: "MyHub.example", deviceID: deviceID), keys: [key],
                                    now: Self.now) == .valid(expiresAt: expiry))
            let module = try SASToken.deviceToken(resourceURI: "myhub.example/devices/\(deviceID)/modules/m \(index)", key: key,
                                                  expiry: expiry, keyName: "device")
            #expect(try SASToken(parsing: module).keyName == "device")
            #expect(SASToken.verify(module, expectedResource: .module(hostName: "myhub.example", deviceID: deviceID, moduleID: "m \(index)"),
                                    keys: [key], now: Self.now) == .valid(expiresAt: expiry))
            let service = try SASToken.serviceToken(hostName: "myhub.example:8443", keyName: "service", key: key, expiry: expiry)
            #expect(SASToken.verify(service, expectedResource: .service(hostName: "myhub.example"), keys: [key], now: Self.now)
                    == .valid(expiresAt: expiry))
        }
    }

    @Test("refusals: expired, wrong device, wrong host, tampered signature, wrong key")
    func refusals() {
        let verify = { (token: String, resource: SASResource, keys: [String], now: Int64) in
            SASToken.verify(token, expectedResource: resource, keys: keys, now: now)
        }
        #expect(verify(Self.deviceToken, Self.device, [Self.key], 1_795_757_556) == .valid(expiresAt: 1_795_757_557))
        #expect(verify(Self.deviceToken, Self.device, [Self.key], 1_795_757_557) == .expired)
        #expect(verify(Self.deviceToken, Self.device, [Self.key], 1_900_000_000) == .expired)
        #expect(verify(Self.deviceToken, .device(hostName: "localhost", deviceID: "dev2"), [Self.key], Self.now)
                == .wrongResource(got: "localhost/devices/dev1"))
        #expect(verify(Self.deviceToken, .device(hostName: "localhost", deviceID: "Dev1"), [Self.key], Self.now)
                == .wrongResource(got: "localhost/devices/dev1"))
        #expect(verify(Self.deviceToken, .device(hostName: "myhub.example", deviceID: "dev1"), [Self.key], Self.now)
                == .wrongResource(got: "localhost/devices/dev1"))
        let tampered = Self.deviceToken.replacingFirst("StV1", with: "StV2")
        #expect(verify(tampered, Self.device, [Self.key], Self.now) == .badSignature)
        let notBase64 = Self.deviceToken.replacingFirst("StV1", with: "St!1")
        #expect(verify(notBase64, Self.device, [Self.key], Self.now) == .badSignature)
        let laterExpiry = Self.deviceToken.replacingFirst("se=1795757557", with: "se=1795757558")
        #expect(verify(laterExpiry, Self.device, [Self.key], Self.now) == .badSignature)
        #expect(verify(Self.deviceToken, Self.device, [Self.otherKey], Self.now) == .badSignature)
        #expect(verify(Self.deviceToken, Self.device, [], Self.now) == .badSignature)
        #expect(verify(Self.deviceToken, Self.device, ["not base64!", ""], Self.now) == .badSignature)
    }

    @Test("the secondary key is accepted, and the host compares case-insensitively")
    func secondaryKeyAndHostCase() throws {
        #expect(SASToken.verify(Self.deviceToken, expectedResource: Self.device, keys: [Self.otherKey, Self.key], now: Self.now)
                == .valid(expiresAt: 1_795_757_557))
        #expect(SASToken.verify(Self.deviceToken, expectedResource: .device(hostName: "LocalHost", deviceID: "dev1"),
                                keys: [Self.key], now: Self.now) == .valid(expiresAt: 1_795_757_557))
        // The signature covers `sr` as sent, so a client that wrote its host in capitals signed those.
        let upper = try SASToken.deviceToken(resourceURI: "LOCALHOST/devices/dev1", key: Self.key, expiry: 1_795_757_557)
        #expect(SASToken.verify(upper, expectedResource: Self.device, keys: [Self.key], now: Self.now) == .valid(expiresAt: 1_795_757_557))
    }

    @Test("fields may come in any order")
    func fieldOrder() {
        let reordered = "SharedAccessSignature se=1795757557&sig=StV1LKrmrPQwxa9b7CKLCIrq632%2FnHOwoVCyxlkKjK4%3D&sr=localhost%2Fdevices%2Fdev1"
        #expect(SASToken.verify(reordered, expectedResource: Self.device, keys: [Self.key], now: Self.now) == .valid(expiresAt: 1_795_757_557))
    }

    @Test("Event Hubs variant: HMAC over the key string's UTF-8 bytes (contract §0.1 item 8)")
    func eventHubsKeys() throws {
        let stringToSign = "sb%3A%2F%2Flocalhost%2Fmyhub\n1795757557"
        #expect(try SASToken.signature(stringToSign: stringToSign, key: Self.key, keyEncoding: .utf8)
                == "4FcyG+tLBCikaaj4VhRn8c5IoHTHYAE9Q68JzANH9eo=")
        let token = try SASToken.deviceToken(resourceURI: "sb://localhost/myhub", key: Self.key, expiry: 1_795_757_557,
                                             keyName: "iothubowner", keyEncoding: .utf8)
        let audience = SASResource.exact("sb://localhost/myhub")
        #expect(SASToken.verify(token, expectedResource: audience, keys: [Self.key], now: Self.now, keyEncoding: .utf8)
                == .valid(expiresAt: 1_795_757_557))
        #expect(SASToken.verify(token, expectedResource: audience, keys: [Self.key], now: Self.now) == .badSignature)
        #expect(throws: SASError.keyNotBase64) { try SASToken.signature(stringToSign: "x", key: "not base64") }
    }

    @Test("descriptions never show the signature")
    func redaction() throws {
        let token = try SASToken(parsing: Self.deviceToken)
        #expect(!token.description.contains("StV1") && token.description.contains("localhost/devices/dev1"))
        #expect(!String(describing: token).contains("StV1"))
        var dumped = ""
        dump(token, to: &dumped)
        #expect(!dumped.contains("StV1"))
    }
}

extension String {
    /// `self` with the first occurrence of `target` replaced (test helper; no Foundation here).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return self[..<range.lowerBound] + replacement + self[range.upperBound...]
    }
}
