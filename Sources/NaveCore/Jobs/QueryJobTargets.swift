import NaveModel
import NaveQuery

/// Job targets through the query language (reference §3.2 `queryCondition`): a WHERE condition
/// over device twins (`tags.env = 'test'`, `deviceId IN ['a','b']`), `*` for every device, or
/// `FROM devices.modules WHERE …` for modules (observed in Azure/iotedge#2958). Evaluated as
/// `SELECT * FROM devices WHERE <condition>` over the same twin cache, indexes and registry
/// snapshot as `POST /devices/query`, so a job selects exactly what that query would list.
public struct QueryJobTargets: JobTargets {
    let registry: IdentityRegistry
    let twins: DeviceTwins

    public init(registry: IdentityRegistry, twins: DeviceTwins) {
        self.registry = registry
        self.twins = twins
    }

    public func identities(matching queryCondition: String) async throws(HubError) -> [IdentityKey] {
        let query: Query
        do {
            query = try QueryParser.parseQuery(Self.queryText(queryCondition))
        } catch {
            throw .argumentInvalid("The queryCondition is invalid: \(error.description)")
        }
        guard query.collection != .deviceJobs else {
            throw .argumentInvalid("A job's queryCondition selects devices or modules, not devices.jobs.")
        }
        let modules = query.collection == .modules
        let view = registry.snapshotView(modules: modules)
        let documents = TwinDocuments(view: view, twins: try await twins.queryableTwins(), connections: registry.connections)
        var accumulator = QueryAccumulator<HubTwinDocument>(query)
        var selected: [IdentityKey] = []
        for key in TwinQuery(registry: registry, twins: twins).candidates(query.condition, view: view, modules: modules) {
            guard let document = documents[key] else { continue }
            accumulator.add(document)
            if !accumulator.takeReadyRows().isEmpty { selected.append(key) }
        }
        return selected
    }

    /// The query a condition stands for: `*` → every device; `FROM …` kept as written after
    /// `SELECT *`; anything else is the WHERE of `FROM devices`.
    static func queryText(_ condition: String) -> String {
        let trimmed = String(condition.trimmingASCIISpaces)
        if trimmed == "*" { return "SELECT * FROM devices" }
        if trimmed.prefix(5).uppercased() == "FROM " { return "SELECT * " + trimmed }
        return "SELECT * FROM devices WHERE " + trimmed
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
