import NaveModel

/// One page of a query's answer (`POST /devices/query`, reference §1.1, §1.7): the rows, the
/// `x-ms-item-type` they are, and the `x-ms-continuation` for the next page when there is one.
public struct QueryPage: Sendable {
    /// `twin`, `deviceJob` or `raw`.
    public var itemType: String
    public var rows: [JSONValue]
    /// Present only when more rows exist (the SDK stops when it is absent).
    public var continuation: String?

    public init(itemType: String, rows: [JSONValue], continuation: String?) {
        self.itemType = itemType
        self.rows = rows
        self.continuation = continuation
    }
}
