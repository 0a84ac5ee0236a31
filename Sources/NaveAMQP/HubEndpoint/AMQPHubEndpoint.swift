import Logging
import NaveAuth
import NaveCore
import NaveIO
import NaveModel

/// The hub's AMQP 1.0 endpoint, one per node: what every AMQP listener (5671 over TLS, plain
/// 5672 when configured, `/$servicebus/websocket` on 443) hands its connections to. Behind it,
/// each connection is an `AMQPHubConnection` actor on its loop serving:
/// - `$cbs` put-token (contract §5.2, §6.3) and `$management` READ (§6.4);
/// - the Event Hub-compatible endpoint's partition receivers (§6.5, §6.6), reading the hub's
///   event log through `Hub.events`;
/// - C2D sends to `/messages/devicebound` (§5.3) and feedback from
///   `/messages/serviceBound/feedback` (§5.4), through `Hub.cloudToDevice`.
public final class AMQPHubEndpoint: Sendable {
    public let hub: Hub
    public let limits: AMQPConnectionLimits
    let logger: Logger
    let sasl: AMQPSASLServer
    let authorizer: CBSAuthorizer
    /// Partition readers of every connection, for the epoch rules.
    let ownership = PartitionOwnership()
    /// `created_at` of the event hub in `$management` answers: when this endpoint started (the
    /// store keeps no creation time of its own).
    let createdAt: Timestamp

    public init(hub: Hub, limits: AMQPConnectionLimits = AMQPConnectionLimits(), logger: Logger) {
        self.hub = hub
        self.limits = limits
        self.logger = logger
        createdAt = hub.clock.now()
        let registry = hub.registry
        // PLAIN carries a policy name and one of its keys (the connection-string form some AMQP
        // clients use instead of CBS); the key compares in constant time.
        sasl = AMQPSASLServer { policy, key in
            guard let policy = registry.policy(named: policy) else { return false }
            return ConstantTime.equals(key.utf8, policy.primaryKey.utf8) || ConstantTime.equals(key.utf8, policy.secondaryKey.utf8)
        }
        authorizer = CBSAuthorizer(registry: registry, hostName: hub.hostName, eventHubName: hub.eventHubName, clock: hub.clock,
                                   isOtherEventHub: { [hub] entity in hub.eventHubEntity(named: entity) != nil })
        // Readers of a deleted consumer group are detached, as Event Hubs does.
        let ownership = ownership
        _ = hub.consumerGroups.onDelete { group in ownership.evictConsumerGroup(group.name) }
    }

    /// The handler for one accepted (or WebSocket-upgraded) connection, on its loop.
    public func makeHandler(for connection: Connection) -> any ConnectionHandler {
        AMQPHubConnection(endpoint: self, connection: connection)
    }
}
