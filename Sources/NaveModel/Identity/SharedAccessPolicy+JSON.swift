/// A hub shared access policy as `az iot hub policy list` shows it:
/// `{"keyName","primaryKey","secondaryKey","rights":"RegistryRead, RegistryWrite, …"}`.
extension SharedAccessPolicy {
    /// The policy with its keys; only for callers allowed to read them (iothubowner-level).
    public var json: JSONValue {
        .object(JSONObject([
            ("keyName", .string(name)),
            ("primaryKey", .string(primaryKey)),
            ("secondaryKey", .string(secondaryKey)),
            ("rights", .string(rights.description)),
        ]))
    }

    /// Reads the same shape back (configuration files, hub import); `rights` names are
    /// case-insensitive, keys are not checked here.
    public init(json: JSONValue) throws(HubError) {
        let fields = try JSONFieldReader(json)
        guard let name = try fields.string("keyName") else { throw fields.missing("keyName") }
        guard let primaryKey = try fields.string("primaryKey") else { throw fields.missing("primaryKey") }
        guard let secondaryKey = try fields.string("secondaryKey") else { throw fields.missing("secondaryKey") }
        guard let rightsText = try fields.string("rights") else { throw fields.missing("rights") }
        guard let rights = AccessRights(names: rightsText) else {
            throw HubError.argumentInvalid(
                "rights must be a comma-separated list of \(AccessRights.names.map(\.1).joined(separator: ", ")).")
        }
        self.init(name: name, rights: rights, primaryKey: primaryKey, secondaryKey: secondaryKey)
    }
}
