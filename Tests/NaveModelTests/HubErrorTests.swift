import NaveModel
import NaveTestSupport
import Testing

/// IoT Hub's error vocabulary and its REST body (contract §4.5).
@Suite("Hub errors")
struct HubErrorTests {
    @Test("every constructor carries IoT Hub's code, name and matching HTTP status")
    func codes() {
        for (error, code, name) in HubErrorCatalog.all {
            #expect(error.code == code && error.name == name && error.errorCodeHeaderValue == name, "\(error)")
            #expect(error.status == code / 1000 && !error.message.isEmpty)
        }
        #expect(Set(HubErrorCatalog.all.map(\.1)).count == HubErrorCatalog.all.count - 6,
                "codes are distinct (invalidJSON shares 400004, policyNotFound and consumerGroupNotFound 404000, consumerGroupAlreadyExists and jobAlreadyExists 409000, storageFull 503001)")
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
        for (error, _, _) in HubErrorCatalog.all {
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
