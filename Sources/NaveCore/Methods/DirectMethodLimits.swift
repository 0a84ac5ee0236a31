import NaveModel

/// The bounds of direct-method calls, with their units in their names (STYLE habit 4).
public struct DirectMethodLimits: Sendable, Equatable {
    /// Largest request or response payload, bytes (contract §8: 128 KB).
    public var payloadBytesMax = 131_072
    /// Longest method name, UTF-8 bytes. IoT Hub documents no bound; this one keeps the topic
    /// `$iothub/methods/POST/{name}/?$rid=…` far below any MQTT packet limit.
    public var methodNameBytesMax = 128
    /// Calls waiting for a device at once, over all devices; beyond it, 429 (contract §8
    /// throttles direct methods per unit; this bounds the memory the waits hold).
    public var pendingCallsMax = 10_000
    /// How often a call inside its connect timeout looks for the device again, milliseconds.
    public var connectPollMillis: Int64 = 100

    /// `responseTimeoutInSeconds`: default and valid range (contract §4.4, §8).
    public static let responseTimeoutSecondsDefault = 30
    public static let responseTimeoutSecondsRange = 5...300
    /// `connectTimeoutInSeconds`: default and valid range (contract §4.4, §8).
    public static let connectTimeoutSecondsDefault = 0
    public static let connectTimeoutSecondsRange = 0...300

    public init() {}

    /// Why these limits cannot be used, or nil when they can.
    public var invalidReason: String? {
        if !(1...(1 << 20)).contains(payloadBytesMax) { return "payloadBytesMax must be 1...1048576" }
        if !(1...1024).contains(methodNameBytesMax) { return "methodNameBytesMax must be 1...1024" }
        if !(1...1_000_000).contains(pendingCallsMax) { return "pendingCallsMax must be 1...1000000" }
        if !(1...10_000).contains(connectPollMillis) { return "connectPollMillis must be 1...10000" }
        return nil
    }
}

extension DirectMethodLimits {
    /// Checks a call before anything waits for it: timeouts in IoT Hub's ranges (400004,
    /// contract §4.4), a name IoT Hub would accept (its devguide allows printable US-ASCII
    /// except `$ ( ) < > @ , ; : \ " / [ ] ? = { }`, space and tab), a JSON payload of at most
    /// 128 KB (§8; 413001 over it).
    func validate(method: String, payload: [UInt8], responseTimeoutSeconds: Int, connectTimeoutSeconds: Int) throws(HubError) {
        guard Self.responseTimeoutSecondsRange.contains(responseTimeoutSeconds) else {
            throw .argumentInvalid("responseTimeoutInSeconds must be 5...300; it is \(responseTimeoutSeconds).")
        }
        guard Self.connectTimeoutSecondsRange.contains(connectTimeoutSeconds) else {
            throw .argumentInvalid("connectTimeoutInSeconds must be 0...300; it is \(connectTimeoutSeconds).")
        }
        guard !method.isEmpty, method.utf8.count <= methodNameBytesMax else {
            throw .argumentInvalid("The method name must have 1 to \(methodNameBytesMax) bytes.")
        }
        guard method.utf8.allSatisfy(Self.isMethodNameByte) else {
            throw .argumentInvalid("The method name may hold printable US-ASCII only, without $()<>@,;:\\\"/[]?={} or spaces.")
        }
        guard payload.count <= payloadBytesMax else {
            throw .messageTooLarge(sizeBytes: payload.count, sizeBytesMax: payloadBytesMax)
        }
        if !payload.isEmpty {
            do {
                _ = try JSONValue(parsing: payload, limits: JSONLimits(documentBytesMax: payloadBytesMax))
            } catch {
                throw .argumentInvalid("The method payload is not valid JSON: \(error.description).")
            }
        }
    }

    private static func isMethodNameByte(_ byte: UInt8) -> Bool {
        guard (0x21...0x7E).contains(byte) else { return false }
        return !methodNameSeparators.contains(byte)
    }

    /// The separators IoT Hub refuses in a method name: made once, not per byte of every name.
    private static let methodNameSeparators: [UInt8] = Array("$()<>@,;:\\\"/[]?={}".utf8)

    /// The device's answer as the one JSON text `MethodResult.payload` promises (contract §1.6:
    /// the SDK sends `json.dumps(payload)`, so `null` for None; other clients may send nothing).
    func normalizedAnswer(_ payload: [UInt8]) -> Result<[UInt8], HubError> {
        guard payload.count <= payloadBytesMax else {
            return .failure(.messageTooLarge(sizeBytes: payload.count, sizeBytesMax: payloadBytesMax))
        }
        if payload.allSatisfy(Self.isJSONWhitespace) { return .success(Array("null".utf8)) }
        if (try? JSONValue(parsing: payload, limits: JSONLimits(documentBytesMax: payloadBytesMax))) != nil {
            return .success(payload)
        }
        // Not JSON: hand it to the back end as a string rather than lose it or break the body.
        return .success(JSONValue.string(String(decoding: payload, as: UTF8.self)).serialized())
    }

    /// RFC 8259 §2's insignificant whitespace: space, tab, line feed, carriage return.
    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
