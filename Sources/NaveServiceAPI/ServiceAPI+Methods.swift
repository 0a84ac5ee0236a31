import NaveCore
import NaveHTTP
import NaveModel

/// Direct methods: `POST /twins/{id}/methods` and `POST /twins/{id}/modules/{mid}/methods`
/// (contract §4.2, flow §4.4). The HTTP status is 200 whenever the device answered; the
/// device's own status goes in the body. azure-iot-hub never retries these POSTs (§4.1), so a
/// 404103 or 504101 reaches the caller as it is.
extension ServiceAPI {
    func invokeMethod(on key: IdentityKey, _ request: HTTPRequest) async throws(HubError) -> HTTPResponse {
        let call = try MethodCallBody(request.body)
        let result = try await hub.methods.invoke(key, method: call.methodName, payload: call.payload,
                                              responseTimeoutSeconds: call.responseTimeoutSeconds,
                                              connectTimeoutSeconds: call.connectTimeoutSeconds)
        // `{"status":n,"payload":…}` (§4.3 CloudToDeviceMethodResult): the payload is one JSON
        // text already (`MethodResult` promises it), so it is spliced in, not parsed again.
        var body = Array("{\"status\":\(result.status),\"payload\":".utf8)
        body.reserveCapacity(body.count + result.payload.count + 1)
        body.append(contentsOf: result.payload)
        body.append(UInt8(ascii: "}"))
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/json; charset=utf-8"], body: body)
    }
}

/// The body of a method call as azure-iot-hub serialises `CloudToDeviceMethod` (§4.2):
/// `{"methodName","payload","responseTimeoutInSeconds","connectTimeoutInSeconds"}`; msrest
/// leaves out members that are None, so absent timeouts take IoT Hub's defaults, and a None
/// payload arrives as `""` and goes to the device as that JSON string.
struct MethodCallBody {
    var methodName: String
    /// The payload re-serialised as JSON text; `null` when absent.
    var payload: [UInt8]
    var responseTimeoutSeconds: Int
    var connectTimeoutSeconds: Int

    init(_ bytes: [UInt8]) throws(HubError) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes)
        } catch {
            throw .invalidJSON(error)
        }
        let reader = try JSONFieldReader(json)
        guard let name = try reader.string("methodName") else { throw reader.missing("methodName") }
        methodName = name
        payload = (reader.value("payload") ?? .null).serialized()
        responseTimeoutSeconds = Int(clamping: try reader.integer("responseTimeoutInSeconds")
            ?? Int64(DirectMethodLimits.responseTimeoutSecondsDefault))
        connectTimeoutSeconds = Int(clamping: try reader.integer("connectTimeoutInSeconds")
            ?? Int64(DirectMethodLimits.connectTimeoutSecondsDefault))
    }
}
