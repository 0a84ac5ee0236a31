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

/// Targets without the query language: `*` (every registered device) only; any other condition
/// is refused with 400. What a hub has until a query-backed `JobTargets` is composed in.
public struct RegistryJobTargets: JobTargets {
    let registry: IdentityRegistry

    public init(registry: IdentityRegistry) { self.registry = registry }

    public func identities(matching queryCondition: String) async throws(HubError) -> [IdentityKey] {
        guard queryCondition.trimmingASCIISpaces == "*" else {
            throw .argumentInvalid("This hub evaluates only the queryCondition '*' (every device): it has no query language.")
        }
        return registry.devices().map { IdentityKey(deviceID: $0.deviceID) }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingASCIISpaces: Substring {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
