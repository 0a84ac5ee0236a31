import NaveCore
import NaveStore

/// What a scrape reads from the hub's services (issue #16): each keeps its own counts where it
/// already does its work (the C2D shards' actor state, the method call table's lock, the
/// routing sink, the endpoint deliveries), so nothing is added per message; this copies them.
struct HubStatistics: Sendable {
    var cloudToDevice = CloudToDeviceStatistics()
    var methodCalls = MethodCallOutcomes()
    var twinOperations = TwinOperationCounts()
    /// Messages no route took and the fallback did not either (`RoutingTelemetrySink.droppedCount`).
    var routingDropped = 0
    /// Routing problems (undefined conditions, enriched messages over 256 KB).
    var routingProblems = 0
    /// Each external endpoint's delivery: delivered and dead-lettered counts, and its backlog.
    var endpoints: [String: (counts: EndpointDelivery.Counters, backlog: Int)] = [:]

    /// Reads them now; the C2D queues with a hop to each shard.
    static func read(_ hub: Hub, _ resources: HubResources) async -> HubStatistics {
        var statistics = HubStatistics()
        statistics.cloudToDevice = await hub.cloudToDevice.statistics()
        statistics.methodCalls = hub.methods.outcomes
        statistics.twinOperations = hub.twins.operationCounts
        statistics.routingDropped = resources.routing.sink.droppedCount
        statistics.routingProblems = resources.routing.sink.problems.count
        statistics.endpoints = resources.endpointLogs.deliveryStatistics()
        return statistics
    }
}
