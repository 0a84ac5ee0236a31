/// A consumer group as Nave's REST API and `nave hub consumer-group list` show it:
/// `{"name":"analytics","createdAt":"2026-12-01T10:00:00Z"}` (Event Hubs' `createdAt`).
extension ConsumerGroupInfo {
    public var json: JSONValue {
        .object(JSONObject([("name", .string(name)), ("createdAt", .string(createdAt.iso8601))]))
    }
}
