import NaveModel

/// Which identities a job's `queryCondition` selects (reference §3.2, §3.3 step 2: evaluated
/// once, when the job starts; identities that appear later are not included). The node answers
/// it with the query language over the twin index; tests with fixed lists.
public protocol JobTargets: Sendable {
    /// The devices (and, for a `FROM devices.modules` condition, modules) `queryCondition`
    /// selects; `*` selects every device. A condition the query language refuses is 400 with
    /// its error; the job then fails to start.
    func identities(matching queryCondition: String) async throws(HubError) -> [IdentityKey]
}
