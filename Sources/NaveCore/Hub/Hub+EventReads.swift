import NaveModel

extension Hub {
    /// One back-end read of the events endpoint (`GET /events`, `nave monitor-events`). A read
    /// that names a consumer group must name one that exists, as an Event Hubs receiver must
    /// (404 ConsumerGroupNotFound otherwise). Its checkpoints are kept under the group's own
    /// spelling, so `analytics` and `Analytics` resume from one place, and a reader of a deleted
    /// group cannot write its checkpoints back.
    public func readEvents(_ request: EventReadRequest) async throws(HubError) -> EventReadResult {
        guard let events else { throw .serviceUnavailable("This hub has no events endpoint.") }
        var request = request
        if let name = request.consumerGroup {
            guard let group = consumerGroups.group(named: name) else { throw .consumerGroupNotFound(name: name) }
            request.consumerGroup = group.name
        }
        return try await events.read(request)
    }
}
