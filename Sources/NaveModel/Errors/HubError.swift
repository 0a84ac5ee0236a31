/// The hub's one error vocabulary (STYLE habit 5): every refusal inside the hub is a
/// `HubError`, and each protocol edge translates it: REST sends `status` with IoT Hub's error
/// body and `iothub-errorcode` header (contract §4.5), MQTT and AMQP map `code` to their own
/// return codes and conditions. The constructors in `HubError+Catalog.swift` are the only
/// codes the hub uses, with IoT Hub's documented numbers and names.
public struct HubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// HTTP status (400, 404, …); always `code / 1000`.
    public var status: Int
    /// IoT Hub's six-digit error code, e.g. 404001.
    public var code: Int
    /// IoT Hub's name for the code, e.g. `DeviceNotFound`; the `iothub-errorcode` header value.
    public var name: String
    /// Human-readable; may name ids and sizes, never keys, tokens or payloads (STYLE habit 12).
    public var message: String
    /// Extra detail IoT Hub puts under `info`, e.g. `{"timeout":"00:00:30"}` for DeviceNotOnline.
    public var info: JSONObject

    public init(status: Int, code: Int, name: String, message: String, info: JSONObject = JSONObject()) {
        precondition(code / 1000 == status, "IoT Hub error codes start with their HTTP status")
        self.status = status
        self.code = code
        self.name = name
        self.message = message
        self.info = info
    }

    public var description: String { "\(code) \(name): \(message)" }
}

extension HubError {
    /// The response header IoT Hub names the error in (contract §4.5).
    public static let errorCodeHeaderName = "iothub-errorcode"

    /// The `iothub-errorcode` header value: the error's name.
    public var errorCodeHeaderValue: String { name }

    /// The inner document IoT Hub serializes into `Message`: `errorCode`, `trackingId`,
    /// `message`, `info`, `timestampUtc`. The caller supplies the tracking id and the time
    /// (NaveModel has no clock and no randomness).
    public func detailJSON(trackingID: String, timestamp: Timestamp) -> JSONValue {
        .object(JSONObject([
            ("errorCode", .integer(Int64(code))),
            ("trackingId", .string(trackingID)),
            ("message", .string(message)),
            ("info", .object(info)),
            ("timestampUtc", .string(timestamp.iso8601)),
        ]))
    }

    /// The response body exactly in IoT Hub's shape (contract §4.5): the detail document as a
    /// JSON *string* under `Message`, and an empty `ExceptionMessage`:
    /// `{"Message":"{\"errorCode\":404103,…}","ExceptionMessage":""}`.
    public func responseBody(trackingID: String, timestamp: Timestamp) -> [UInt8] {
        let detail = detailJSON(trackingID: trackingID, timestamp: timestamp).serializedString()
        let body: JSONValue = .object(JSONObject([
            ("Message", .string(detail)),
            ("ExceptionMessage", .string("")),
        ]))
        return body.serialized()
    }
}
