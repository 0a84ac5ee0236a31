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

    /// A read of custom `eventhub` endpoint `endpoint` (`GET /events?endpoint=NAME`): the same
    /// positions and waiting as the built-in endpoint; consumer groups and their checkpoints
    /// belong to the built-in endpoint only, so the reader gives positions back instead.
    /// With `deadLetter`, the read is of external endpoint `endpoint`'s dead-letter log instead.
    public func readEvents(_ request: EventReadRequest, endpoint: String, deadLetter: Bool = false) async throws(HubError) -> EventReadResult {
        let source: any EventSource
        if deadLetter {
            guard let log = routing?.deadLetterSource(ofEndpoint: endpoint) else {
                throw .routingEntryNotFound("webhook, storage or mqtt endpoint", endpoint)
            }
            source = log
        } else {
            if endpoint == RoutingConfiguration.builtInEndpointName { return try await readEvents(request) }
            guard let log = routing?.eventSource(ofEndpoint: endpoint) else { throw .routingEntryNotFound("eventhub endpoint", endpoint) }
            source = log
        }
        var request = request
        request.consumerGroup = nil
        return try await EventReader(source: source, checkpoints: nil, scheduler: scheduler).read(request)
    }
}
