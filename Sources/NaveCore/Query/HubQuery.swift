import NaveModel
import NaveQuery

/// IoT Hub's query language over the hub's state (reference §1): `SELECT … FROM devices`,
/// `devices.modules` and `devices.jobs`, page by page. `Hub.query` is the façade's way in; the
/// CLI builds one over a store it opened itself.
public struct HubQuery: Sendable {
    let registry: IdentityRegistry
    let twins: DeviceTwins

    /// Rows per page at most, and when the caller asks for none (§1.7: "a page holds at most 100").
    public static let pageRowsMax = 100

    public init(registry: IdentityRegistry, twins: DeviceTwins) {
        self.registry = registry
        self.twins = twins
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
            // Device job rows arrive with jobs (issue #14); until then there are none.
            return run.page(of: [], itemType: query.itemType.rawValue)
        }
    }
}
