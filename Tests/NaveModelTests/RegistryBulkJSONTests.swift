import NaveModel
import Testing

/// Bulk registry bodies and results, statistics and shared access policies (contract §4.2–§4.4).
@Suite("Bulk registry, statistics and policy JSON")
struct RegistryBulkJSONTests {
    @Test("contract §4.2's bulk body, and every field of an entry")
    func bulkParse() throws {
        let sdk = try ExportImportDevice.bulkRequest(json: try JSONValue(parsing: """
            [{"id": "b1", "importMode": "create", "status": "enabled", "authentication": {"symmetricKey": {"primaryKey": "AAAA", "secondaryKey": "BBBB"}, "type": "sas"}}]
            """))
        #expect(sdk == [ExportImportDevice(deviceID: "b1", importMode: .create, status: .enabled,
                                           authentication: .sas(primaryKey: "AAAA", secondaryKey: "BBBB"))])
        let full = try ExportImportDevice(json: try JSONValue(parsing: """
            {"id":"d","moduleId":"m","eTag":"e1","importMode":"UpdateTwinIfMatchETag","status":"disabled","statusReason":"r",
             "twinETag":"t1","tags":{"loc":"x"},"properties":{"desired":{"a":1},"reported":{"b":2}},
             "capabilities":{"iotEdge":true},"deviceScope":"s","parentScopes":["p"],"unknown":1}
            """))
        #expect(full == ExportImportDevice(deviceID: "d", moduleID: "m", etag: "e1", importMode: .updateTwinIfMatchETag,
                                           status: .disabled, statusReason: "r", twinETag: "t1", tags: ["loc": "x"],
                                           desired: ["a": 1], reported: ["b": 2], iotEdge: true, deviceScope: "s",
                                           parentScopes: ["p"]))
        let delete = try ExportImportDevice(json: ["id": "d", "importMode": "delete"])
        #expect(delete.authentication == nil && delete.status == nil && delete.tags == nil)
    }

    @Test("bulk bodies refused", arguments: [
        (#"{"id":"d"}"#, 400_004, "The request body must be a JSON array of devices."),
        (#"[{"id":"a","importMode":"create"},{"id":"b","importMode":"upsert"}]"#, 400_004,
         "devices[1].importMode must be one of create, createOrUpdate, createOrUpdateIfMatchETag, update, updateIfMatchETag, delete, deleteIfMatchETag, updateTwin, updateTwinIfMatchETag."),
        (#"[{"id":"a"}]"#, 400_004, "devices[0].importMode must be one of create"),
        (#"[{"importMode":"create"}]"#, 400_004, "devices[0].id is required."),
        (#"[{"id":"a b","importMode":"create"}]"#, 400_004, "devices[0].id must be 1 to 128"),
        (#"[{"id":"a","moduleId":"","importMode":"create"}]"#, 400_004, "devices[0].moduleId must be 1 to 128"),
        (#"[{"id":"a","importMode":"create","authentication":{"type":"x"}}]"#, 400_004,
         "devices[0].authentication.type must be one of"),
        (#"[{"id":"a","importMode":"updateTwin","properties":{"desired":[]}}]"#, 400_004,
         "devices[0].properties.desired must be a JSON object."),
        (#"[1]"#, 400_004, "devices[0] must be a JSON object."),
    ])
    func bulkRefused(_ body: String, _ code: Int, _ message: String) throws {
        let json = try JSONValue(parsing: body)
        do {
            _ = try ExportImportDevice.bulkRequest(json: json)
            Issue.record("accepted: \(body)")
        } catch {
            #expect(error.code == code)
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test("more than 100 entries is 413002 TooManyDevices; exactly 100 is fine")
    func bulkLimit() throws {
        let entry: JSONValue = ["id": "d", "importMode": "delete"]
        #expect(try ExportImportDevice.bulkRequest(json: .array(Array(repeating: entry, count: 100))).count == 100)
        #expect(throws: HubError.tooManyDevices(count: 101, countMax: 100)) {
            try ExportImportDevice.bulkRequest(json: .array(Array(repeating: entry, count: 101)))
        }
    }

    @Test("bulk results render in IoT Hub's shape, 200 on success and 400 on any failure")
    func bulkResult() {
        let success = BulkRegistryOperationResult()
        #expect(success.httpStatus == 200 && success.json.serializedString() == #"{"isSuccessful":true,"errors":[],"warnings":[]}"#)
        let failure = BulkRegistryOperationResult(
            errors: [
                .init(deviceID: "x", operation: .create, error: .deviceAlreadyExists(deviceID: "x")),
                .init(deviceID: "y", moduleID: "m", operation: .delete, error: .moduleNotFound(deviceID: "y", moduleID: "m")),
            ],
            warnings: [.init(deviceID: "z", warningCode: "W", warningStatus: "S")])
        #expect(failure.httpStatus == 400 && !failure.isSuccessful)
        #expect(failure.json.serializedString() == """
            {"isSuccessful":false,"errors":[{"deviceId":"x","errorCode":"DeviceAlreadyExists","errorStatus":"Device 'x' already exists.",\
            "operation":"create"},{"deviceId":"y","errorCode":"ModuleNotFound","errorStatus":"Module 'm' is not registered on device 'y'.",\
            "moduleId":"m","operation":"delete"}],"warnings":[{"deviceId":"z","warningCode":"W","warningStatus":"S"}]}
            """)
    }

    @Test("statistics render with IoT Hub's field names")
    func statistics() {
        #expect(RegistryStatistics(totalDeviceCount: 3, enabledDeviceCount: 2, disabledDeviceCount: 1).json.serializedString()
                == #"{"totalDeviceCount":3,"enabledDeviceCount":2,"disabledDeviceCount":1}"#)
        #expect(ServiceStatistics(connectedDeviceCount: 5).json.serializedString() == #"{"connectedDeviceCount":5}"#)
    }

    @Test("shared access policies render as az iot hub policy list shows them, and read back")
    func policies() throws {
        let owner = SharedAccessPolicy(name: "iothubowner", rights: [.registryRead, .registryWrite, .serviceConnect, .deviceConnect],
                                       primaryKey: "AAAA", secondaryKey: "BBBB")
        #expect(owner.json.serializedString() == """
            {"keyName":"iothubowner","primaryKey":"AAAA","secondaryKey":"BBBB","rights":"RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect"}
            """)
        #expect(try SharedAccessPolicy(json: owner.json) == owner)
        let service = try SharedAccessPolicy(json: ["keyName": "service", "primaryKey": "p", "secondaryKey": "s", "rights": "serviceconnect"])
        #expect(service.rights == .serviceConnect)
        #expect(throws: HubError.self) {
            try SharedAccessPolicy(json: ["keyName": "x", "primaryKey": "p", "secondaryKey": "s", "rights": "Everything"])
        }
        #expect(throws: HubError.argumentInvalid("keyName is required.")) { try SharedAccessPolicy(json: [:]) }
    }
}
