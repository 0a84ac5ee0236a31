/// What the back end asks of a twin in `PATCH` (merge) or `PUT` (replace) `/twins/{id}`
/// (contract §4.2, §4.4): tags and desired properties. The SDK sends a `Twin` subset:
/// `{"tags":{"loc":"x"},"properties":{"desired":{"a":2}}}`.
public struct TwinUpdate: Sendable, Equatable {
    /// Nil: the body has no tags (a patch leaves them; a replace empties them).
    public var tags: JSONObject?
    /// Nil: the body has no desired properties (as for tags).
    public var desired: JSONObject?

    public init(tags: JSONObject? = nil, desired: JSONObject? = nil) {
        self.tags = tags
        self.desired = desired
    }

    /// Reads a `Twin` body. Other `Twin` members (`deviceId`, `etag`, `version`, status, …)
    /// are read-only and ignored, as are `$metadata` and `$version` in `properties.desired`, so
    /// a twin read with GET can be sent back. Reported properties belong to the device: a body
    /// that sets any is ArgumentInvalid (contract §4.4 allows rejecting or ignoring; rejecting
    /// tells the caller its change was not made).
    public init(json: JSONValue) throws(HubError) {
        let fields = try JSONFieldReader(json)
        let properties = try fields.reader("properties")
        if properties?.value("reported") != nil {
            throw .argumentInvalid("properties.reported cannot be set by the back end: reported properties belong to the device.")
        }
        var desired = try properties?.object("desired")
        desired?["$metadata"] = nil
        desired?["$version"] = nil
        self.init(tags: try fields.object("tags"), desired: desired)
    }

    /// The body as the service SDK sends it (for clients of the REST API, such as the CLI).
    public var json: JSONValue {
        var object = JSONObject()
        if let tags { object["tags"] = .object(tags) }
        if let desired { object["properties"] = ["desired": .object(desired)] }
        return .object(object)
    }
}
