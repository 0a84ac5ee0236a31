import NaveModel
import Testing

/// IoT Hub's error vocabulary and its REST body (contract §4.5).
@Suite("Hub errors")
struct HubErrorTests {
    static let catalog: [(HubError, Int, String)] = [
        (.badRequest("x"), 400_000, "GenericBadRequest"),
        (.invalidOperation("x"), 400_003, "InvalidOperation"),
        (.argumentInvalid("x"), 400_004, "ArgumentInvalid"),
        (.invalidJSON(JSONParseError(.trailingData, at: 3)), 400_004, "ArgumentInvalid"),
        (.deviceDefinedMultipleTimes(deviceID: "d"), 400_011, "DeviceDefinedMultipleTimes"),
        (.unauthorizedAccess(), 401_002, "IotHubUnauthorizedAccess"),
        (.unauthorized("x"), 401_003, "IoTHubUnauthorized"),
        (.quotaExceeded(), 403_002, "IotHubQuotaExceeded"),
        (.deviceMaximumQueueDepthExceeded(deviceID: "d", queueDepthMax: 50), 403_004, "DeviceMaximumQueueDepthExceeded"),
        (.deviceMaximumActiveFileUploadLimitExceeded(deviceID: "d", uploadsMax: 10), 403_006,
         "DeviceMaximumActiveFileUploadLimitExceeded"),
        (.routeNotFound(), 404_000, "GenericNotFound"),
        (.deviceNotFound(deviceID: "d"), 404_001, "DeviceNotFound"),
        (.jobNotFound(jobID: "j"), 404_002, "JobNotFound"),
        (.moduleNotFound(deviceID: "d", moduleID: "m"), 404_010, "ModuleNotFound"),
        (.deviceNotOnline(deviceID: "d", connectTimeoutSeconds: 30), 404_103, "DeviceNotOnline"),
        (.methodNotAllowed("PATCH"), 405_000, "GenericMethodNotAllowed"),
        (.deviceAlreadyExists(deviceID: "d"), 409_001, "DeviceAlreadyExists"),
        (.moduleAlreadyExistsOnDevice(deviceID: "d", moduleID: "m"), 409_301, "ModuleAlreadyExistsOnDevice"),
        (.preconditionFailed(), 412_001, "PreconditionFailed"),
        (.messageTooLarge(sizeBytes: 300_000, sizeBytesMax: 262_144), 413_001, "MessageTooLarge"),
        (.tooManyDevices(count: 101, countMax: 100), 413_002, "TooManyDevices"),
        (.throttled(), 429_001, "ThrottlingException"),
        (.serverError("x"), 500_001, "ServerError"),
        (.serviceUnavailable(), 503_001, "ServiceUnavailable"),
        (.gatewayTimeout(deviceID: "d", responseTimeoutSeconds: 30), 504_101, "GatewayTimeout"),
    ]

    @Test("every constructor carries IoT Hub's code, name and matching HTTP status")
    func codes() {
        for (error, code, name) in Self.catalog {
            #expect(error.code == code && error.name == name && error.errorCodeHeaderValue == name, "\(error)")
            #expect(error.status == code / 1000 && !error.message.isEmpty)
        }
        #expect(Set(Self.catalog.map(\.1)).count == Self.catalog.count - 1, "codes are distinct (invalidJSON shares 400004)")
    }

    @Test("the body is exactly IoT Hub's shape, with the detail as an escaped JSON string")
    func bodyBytes() {
        let error = HubError.deviceNotOnline(deviceID: "dev1", connectTimeoutSeconds: 0)
        let body = error.responseBody(trackingID: "t-1", timestamp: Timestamp(millisecondsSinceEpoch: 1_541_582_577_605))
        #expect(String(decoding: body, as: UTF8.self) == #"""
            {"Message":"{\"errorCode\":404103,\"trackingId\":\"t-1\",\"message\":\"Timed out waiting for device 'dev1' to connect.\",\"info\":{\"timeout\":\"00:00:00\"},\"timestampUtc\":\"2018-11-07T09:22:57.605Z\"}","ExceptionMessage":""}
            """#)
        #expect(HubError.errorCodeHeaderName == "iothub-errorcode" && error.errorCodeHeaderValue == "DeviceNotOnline")
    }

    @Test("every error's body parses back to its fields")
    func bodiesParseBack() throws {
        let timestamp = Timestamp(millisecondsSinceEpoch: 1_704_067_200_000)
        for (error, _, _) in Self.catalog {
            let body = try JSONValue(parsing: error.responseBody(trackingID: "track\"1", timestamp: timestamp))
            #expect(body.objectValue?.keys == ["Message", "ExceptionMessage"])
            #expect(body["ExceptionMessage"] == "")
            let inner = try JSONValue(parsing: try #require(body["Message"]?.stringValue))
            #expect(inner.objectValue?.keys == ["errorCode", "trackingId", "message", "info", "timestampUtc"])
            #expect(inner["errorCode"] == .integer(Int64(error.code)))
            #expect(inner["trackingId"] == "track\"1")
            #expect(inner["message"]?.stringValue == error.message)
            #expect(inner["info"] == .object(error.info))
            #expect(inner["timestampUtc"] == "2024-01-01T00:00:00Z")
        }
    }

    @Test("timeouts appear in info as .NET TimeSpan text")
    func timeSpans() {
        #expect(HubError.deviceNotOnline(deviceID: "d", connectTimeoutSeconds: 300).info["timeout"] == "00:05:00")
        #expect(HubError.gatewayTimeout(deviceID: "d", responseTimeoutSeconds: 3_725).info["timeout"] == "01:02:05")
    }

    @Test("a JSON parse failure becomes ArgumentInvalid naming reason and offset, not content")
    func invalidJSON() {
        let error = HubError.invalidJSON(JSONParseError(.duplicateKey, at: 17))
        #expect(error.status == 400 && error.message.contains("duplicateKey at byte 17"))
    }
}
