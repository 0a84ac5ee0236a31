import NaveModel

/// Which identities a job's `queryCondition` selects (reference §3.2, §3.3 step 2: evaluated
/// once, when the job starts; identities that appear later are not included). The hub answers
/// it with the query language (`HubQuery`, as `POST /devices/query` evaluates conditions); tests
/// with fixed lists.
public protocol JobTargets: Sendable {
    /// The devices (and, for a `FROM devices.modules` condition, modules) `queryCondition`
    /// selects; `*` selects every device. A condition the query language refuses is 400 with
    /// its error; the job then fails to start.
    func identities(matching queryCondition: String) async throws(HubError) -> [IdentityKey]
}

/// The query language's answer: `*`, a bare WHERE condition over device twins, or
/// `FROM devices.modules [WHERE …]`, over the same twin cache and indexes as `POST /devices/query`.
extension HubQuery: JobTargets {}
