import NaveModel
import NaveQuery

/// IoT Hub's query language over the hub's state (reference §1): `SELECT … FROM devices`,
/// `devices.modules` and `devices.jobs`, page by page. `Hub.query` is the façade's way in; the
/// CLI builds one over a store it opened itself.
public struct HubQuery: Sendable {
    let registry: IdentityRegistry
    let twins: DeviceTwins
    /// Where `devices.jobs` rows come from; none without it (the CLI's store-only hub).
    let jobs: ScheduledJobs?

    /// Rows per page at most, and when the caller asks for none (§1.7: "a page holds at most 100").
    public static let pageRowsMax = 100

    public init(registry: IdentityRegistry, twins: DeviceTwins, jobs: ScheduledJobs? = nil) {
        self.registry = registry
        self.twins = twins
        self.jobs = jobs
    }

    /// One page of `text`'s answer. `pageRows` is `x-ms-max-item-count` (1…; more than
    /// `pageRowsMax` is served as that many), `continuation` the token of the page before.
    /// ArgumentInvalid for a query the language refuses (with its position), a page size below 1,
    /// or a token another query issued.
    public func page(_ text: String, pageRows: Int?, continuation token: String?) async throws(HubError) -> QueryPage {
        let query: Query
        do {
            query = try QueryParser.parseQuery(text)
        } catch {
            throw .argumentInvalid("The query is invalid: \(error.description)")
        }
        if let pageRows, pageRows < 1 { throw .argumentInvalid("x-ms-max-item-count must be at least 1, not \(pageRows).") }
        let hash = QueryContinuation.hash(of: text)
        let resume = try token.map { token throws(HubError) in try QueryContinuation(token: token, queryHash: hash) }
            ?? QueryContinuation(queryHash: hash, rowsShown: 0, after: nil)
        let run = QueryRun(query: query, pageRows: min(pageRows ?? Self.pageRowsMax, Self.pageRowsMax), resume: resume)
        switch query.collection {
        case .devices, .modules:
            return try await TwinQuery(registry: registry, twins: twins).page(run)
        case .deviceJobs:
            // Every (device, job) row in the jobs' order (§3.4), filtered here and paged by
            // row offset, as aggregates are: the rows are few beside the twins.
            let rows = await jobs?.deviceJobRows() ?? []
            let matched = query.rows(over: rows.map(DeviceJobQueryDocument.init)).map { row -> JSONValue in
                switch row {
                case .document(let document): document.row
                case .object(let object): .object(object)
                }
            }
            return run.page(of: matched, itemType: query.itemType.rawValue)
        }
    }
}

extension HubQuery {
    /// The identities a condition selects now, ascending: a job's `queryCondition` (reference
    /// §3.2: `*`, a bare condition over device twins, or `FROM devices.modules [WHERE …]`) or a
    /// configuration's `targetCondition`. ArgumentInvalid when the language refuses it.
    public func identities(matching condition: String) async throws(HubError) -> [IdentityKey] {
        let scoped: ScopedCondition
        do {
            scoped = try QueryParser.parseScopedCondition(condition)
        } catch {
            throw .argumentInvalid("The condition is invalid: \(error.description)")
        }
        guard scoped.collection != .deviceJobs else {
            throw .argumentInvalid("A condition selects devices or modules, not devices.jobs.")
        }
        return try await TwinQuery(registry: registry, twins: twins).identities(matching: scoped)
    }
}
