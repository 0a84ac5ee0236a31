import NaveModel
import Testing

/// Parses a JSON object literal written in a test.
func object(_ text: String) throws -> JSONObject {
    try #require(try JSONValue(parsing: text).objectValue)
}

/// The twin document: versions, etag, metadata, merge and replace (contract §1.10, §4.4).
@Suite("Twin document")
struct TwinDocumentTests {
    static let created = Timestamp(secondsSinceEpoch: 1_700_000_000)
    static let later = Timestamp(millisecondsSinceEpoch: 1_700_000_100_250)

    func newTwin(moduleID: String? = nil) -> Twin {
        Twin(deviceID: "dev1", moduleID: moduleID, identityGenerationID: "gen-1", createdAt: Self.created)
    }

    @Test("a new twin has every version at 1, etag AAAAAAAAAAE= and an empty GET body with both $versions")
    func newTwinShape() {
        let twin = newTwin()
        #expect(twin.version == 1 && twin.desired.version == 1 && twin.reported.version == 1)
        #expect(twin.etag == "AAAAAAAAAAE=")
        #expect(twin.deviceJSON.serializedString() == #"{"desired":{"$version":1},"reported":{"$version":1}}"#)
    }

    @Test("the etag is the base64 of the big-endian int64 version")
    func etags() {
        #expect(Twin.etag(version: 2) == "AAAAAAAAAAI=")
        #expect(Twin.etag(version: 256) == "AAAAAAAAAQA=")
        #expect(Twin.etag(version: Int64.max) == "f/////////8=")
    }

    @Test("a desired patch merges deeply, deletes with null, bumps desired and twin versions once")
    func desiredPatch() throws {
        var twin = newTwin()
        _ = try twin.update(TwinUpdate(desired: object(#"{"a":1,"b":{"x":1,"y":2},"c":"keep"}"#)), at: Self.created)
        let change = try #require(try twin.update(TwinUpdate(desired: object(#"{"a":null,"b":{"y":3,"z":null},"d":[1,null]}"#)), at: Self.later))
        #expect(twin.desired.values == (try object(#"{"b":{"x":1,"y":3},"c":"keep","d":[1,null]}"#)))
        #expect(twin.version == 3 && twin.desired.version == 3 && twin.reported.version == 1)
        #expect(twin.etag == "AAAAAAAAAAM=")
        // The change is what differs, nothing the patch set to what it already was.
        #expect(change.desired == (try object(#"{"b":{"y":3},"d":[1,null],"a":null}"#)))
        #expect(change.desiredVersion == 3 && change.tags == nil && change.reported == nil)
    }

    @Test("a patch that changes nothing moves no version and returns no change")
    func noOpPatch() throws {
        var twin = newTwin()
        _ = try twin.update(TwinUpdate(tags: object(#"{"loc":"x"}"#), desired: object(#"{"a":{"b":1}}"#)), at: Self.created)
        let before = twin
        #expect(try twin.update(TwinUpdate(tags: object(#"{"loc":"x"}"#), desired: object(#"{"a":{"b":1.0},"gone":null}"#)), at: Self.later) == nil)
        #expect(try twin.updateReported(object(#"{"nothing":null}"#), at: Self.later) == nil)
        let unchanged = twin == before
        #expect(unchanged)
    }

    @Test("metadata: touched properties and their parents get the new time and version, others keep theirs")
    func metadata() throws {
        var twin = newTwin()
        _ = try twin.update(TwinUpdate(desired: object(#"{"a":{"x":1,"y":1},"b":1}"#)), at: Self.created)
        _ = try twin.update(TwinUpdate(desired: object(#"{"a":{"y":2}}"#)), at: Self.later)
        let root = twin.desired.metadata
        #expect(root.lastUpdated == Self.later && root.lastUpdatedVersion == 3)
        #expect(root.members["a"]?.lastUpdated == Self.later && root.members["a"]?.lastUpdatedVersion == 3)
        #expect(root.members["a"]?.members["y"]?.lastUpdatedVersion == 3)
        #expect(root.members["a"]?.members["x"]?.lastUpdatedVersion == 2)
        #expect(root.members["a"]?.members["x"]?.lastUpdated == Self.created)
        #expect(root.members["b"]?.lastUpdatedVersion == 2)
        // A deleted property's metadata goes with it.
        _ = try twin.update(TwinUpdate(desired: object(#"{"a":null}"#)), at: Self.later)
        #expect(twin.desired.metadata.members["a"] == nil)
    }

    @Test("reported patches move reported and twin versions only; tags move the twin version only")
    func sectionsVersionApart() throws {
        var twin = newTwin()
        let reported = try #require(try twin.updateReported(object(#"{"fw":"1.2","tmp":1}"#), at: Self.later))
        #expect(reported.reportedVersion == 2 && reported.desired == nil && reported.desiredNotification == nil)
        _ = try twin.updateReported(object(#"{"tmp":null}"#), at: Self.later)
        #expect(twin.reported.values == (try object(#"{"fw":"1.2"}"#)))
        #expect(twin.reported.version == 3 && twin.desired.version == 1 && twin.version == 3)
        let tags = try #require(try twin.update(TwinUpdate(tags: object(#"{"loc":{"room":5}}"#)), at: Self.later))
        #expect(tags.tags == (try object(#"{"loc":{"room":5}}"#)) && tags.desired == nil)
        #expect(twin.version == 4 && twin.desired.version == 1 && twin.reported.version == 3)
    }

    @Test("replace empties absent sections, keeps reported, and keeps metadata of unchanged properties")
    func replace() throws {
        var twin = newTwin()
        _ = try twin.update(TwinUpdate(tags: object(#"{"loc":"x"}"#), desired: object(#"{"keep":1,"drop":{"n":1}}"#)), at: Self.created)
        _ = try twin.updateReported(object(#"{"fw":"1"}"#), at: Self.created)
        let change = try #require(try twin.replace(TwinUpdate(desired: object(#"{"keep":1,"new":{"m":null,"k":true}}"#)), at: Self.later))
        #expect(twin.tags.isEmpty)
        #expect(twin.desired.values == (try object(#"{"keep":1,"new":{"k":true}}"#)))
        #expect(twin.reported.values == (try object(#"{"fw":"1"}"#)))
        #expect(change.operation == .replace && change.operation.opType == "replaceTwin")
        #expect(change.tags == (try object(#"{"loc":null}"#)))
        #expect(change.desired == (try object(#"{"new":{"k":true},"drop":null}"#)))
        #expect(twin.desired.metadata.members["keep"]?.lastUpdated == Self.created)
        #expect(twin.desired.metadata.members["new"]?.members["k"]?.lastUpdated == Self.later)
        // Replacing with the same content is no change.
        #expect(try twin.replace(TwinUpdate(desired: twin.desired.values), at: Self.later) == nil)
    }

    @Test("the desired notification is the delta with $version last; the event body names what changed")
    func notificationAndEvent() throws {
        var twin = newTwin()
        let change = try #require(try twin.update(TwinUpdate(tags: object(#"{"t":1}"#), desired: object(#"{"telemetryInterval":7}"#)), at: Self.later))
        let notification = try #require(change.desiredNotification)
        #expect(notification.version == 2)
        #expect(String(decoding: notification.body, as: UTF8.self) == #"{"telemetryInterval":7,"$version":2}"#)
        #expect(change.eventBody.serializedString()
            == #"{"version":2,"tags":{"t":1},"properties":{"desired":{"telemetryInterval":7,"$version":2}}}"#)
    }

    @Test("the GET body has both $versions, no tags and no $metadata, after any change")
    func deviceBody() throws {
        var twin = newTwin()
        _ = try twin.update(TwinUpdate(tags: object(#"{"t":1}"#), desired: object(#"{"interval":5}"#)), at: Self.later)
        _ = try twin.updateReported(object(#"{"fw":"1"}"#), at: Self.later)
        #expect(twin.deviceJSON.serializedString()
            == #"{"desired":{"interval":5,"$version":2},"reported":{"fw":"1","$version":2}}"#)
    }

    @Test("REST Twin: IoT Hub's members; desired metadata with versions, reported with times only")
    func restJSON() throws {
        var twin = newTwin()
        _ = try twin.update(TwinUpdate(desired: object(#"{"a":{"b":1}}"#)), at: Self.later)
        _ = try twin.updateReported(object(#"{"fw":"1"}"#), at: Self.later)
        let fields = TwinIdentityFields(deviceEtag: "MQ==", statusUpdateTime: Self.created,
                                        authentication: Authentication(kind: .sas, primaryKey: "secret"), iotEdge: false,
                                        parentScopes: [])
        let json = twin.json(identity: fields)
        let keys = try #require(json.objectValue).keys
        #expect(keys == ["deviceId", "etag", "deviceEtag", "status", "statusUpdateTime", "connectionState", "lastActivityTime",
                         "cloudToDeviceMessageCount", "authenticationType", "x509Thumbprint", "modelId", "version", "tags",
                         "properties", "capabilities", "parentScopes"])
        #expect(!json.serializedString().contains("secret"))
        #expect(json["etag"] == "AAAAAAAAAAM=" && json["version"] == 3 && json["connectionState"] == "Disconnected")
        let desired = try #require(json["properties"]?["desired"])
        #expect(desired.serializedString() == #"{"a":{"b":1},"$metadata":{"$lastUpdated":"2023-11-14T22:15:00.250Z","#
            + #""$lastUpdatedVersion":2,"a":{"$lastUpdated":"2023-11-14T22:15:00.250Z","$lastUpdatedVersion":2,"#
            + #""b":{"$lastUpdated":"2023-11-14T22:15:00.250Z","$lastUpdatedVersion":2}}},"$version":2}"#)
        let reported = try #require(json["properties"]?["reported"])
        #expect(reported.serializedString() == #"{"fw":"1","$metadata":{"$lastUpdated":"2023-11-14T22:15:00.250Z","#
            + #""fw":{"$lastUpdated":"2023-11-14T22:15:00.250Z"}},"$version":2}"#)
    }

    @Test("a module twin names its module and has no device capabilities")
    func moduleJSON() throws {
        let module = ModuleIdentity(deviceID: "dev1", moduleID: "m1", generationID: "g", etag: "Mg==",
                                    authentication: Authentication(kind: .sas))
        let json = newTwin(moduleID: "m1").json(identity: TwinIdentityFields(module: module, presence: .disconnected))
        #expect(json["moduleId"] == "m1" && json["deviceEtag"] == "Mg==" && json["status"] == "enabled")
        #expect(json["capabilities"] == nil && json["parentScopes"] == nil)
    }

    @Test("a REST body: tags and desired read, desired's $metadata and $version ignored, reported refused")
    func updateBody() throws {
        let update = try TwinUpdate(json: JSONValue(parsing: #"{"deviceId":"x","etag":"e","tags":{"loc":"x"},"#
            + #""properties":{"desired":{"a":2,"$metadata":{},"$version":9}}}"#))
        #expect(update == TwinUpdate(tags: try object(#"{"loc":"x"}"#), desired: try object(#"{"a":2}"#)))
        #expect(try TwinUpdate(json: JSONValue(parsing: #"{"properties":{"desired":null}}"#)) == TwinUpdate())
        #expect(update.json.serializedString() == #"{"tags":{"loc":"x"},"properties":{"desired":{"a":2}}}"#)
        for body in [#"{"properties":{"reported":{"a":1}}}"#, #"{"tags":[1]}"#, #"{"properties":{"desired":5}}"#, "[]"] {
            #expect(throws: HubError.self, "\(body)") { try TwinUpdate(json: JSONValue(parsing: body)) }
        }
    }
}
