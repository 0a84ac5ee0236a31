/// The Event Hub-compatible entities a hub serves (contract §6; issue #15): the built-in
/// `events` endpoint under the hub's `eventHubName`, and each custom `eventhub` routing
/// endpoint under its own name, read by the same AMQP receivers and `$management` queries.
extension Hub {
    /// The reader of the entity `name` (case-insensitive, as Event Hubs names are), with its
    /// canonical name; nil when the hub serves no such entity.
    public func eventHubEntity(named name: String) -> (name: String, reader: EventReader, isBuiltIn: Bool)? {
        let wanted = name.lowercased()
        if wanted == eventHubName.lowercased() {
            return events.map { (eventHubName, $0, true) }
        }
        guard let endpoint = routing?.configuration.endpoints.first(where: { $0.kind == .eventHub && $0.name.lowercased() == wanted }),
              let source = routing?.eventSource(ofEndpoint: endpoint.name) else { return nil }
        return (endpoint.name, EventReader(source: source, checkpoints: nil, scheduler: scheduler), false)
    }
}
