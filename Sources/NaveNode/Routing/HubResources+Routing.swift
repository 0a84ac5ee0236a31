import Glibc
import Logging
import NaveCore
import NaveBroker
import NaveIO
import NaveModel
import NaveStore

/// The node's side of routing's external endpoints: their deliverers run on an event loop,
/// which exists only once the node's engine runs, so they start after `makeHub`.
extension HubResources {
    /// Starts feeding the external endpoints (webhooks, storage, the general MQTT broker) from their logs, now and as they are
    /// created; HTTP calls run on `loop`, retries are timed by `scheduler`.
    public func startRoutingDeliveries(loop: EventLoop, broker: Broker, scheduler: any HubScheduler, logger: Logger) async {
        let (clock, hubName) = (clock, Hub.defaultEventHubName(hostName: configuration.hostName))
        let factory: EventLogEndpointSinks.DelivererFactory = { endpoint throws(HubError) in
            switch endpoint.kind {
            case .storage: return StorageDeliverer(settings: try StorageDeliverer.settings(of: endpoint, hubName: hubName), clock: clock)
            case .mqtt: return try MQTTRepublishDeliverer(endpoint: endpoint, broker: broker)
            case .webhook, .eventHub: break
            }
            return try Self.deliverer(for: endpoint, loop: loop, clock: clock)
        }
        do {
            try await endpointLogs.startDeliveries(factory, endpoints: routing.configuration.endpoints, scheduler: scheduler,
                                                   checkpoints: checkpoints)
        } catch {
            logger.error("routing deliveries not started", metadata: ["reason": "\(error)"])
        }
    }

    /// What endpoint `name`'s delivery did since the node started (tests, statistics).
    public func routingDeliveryCounts(of name: String) -> EndpointDelivery.Counters? {
        endpointLogs.deliveryCounts(of: name)
    }

    /// CA bundles tried, in order, when an https webhook names no `caFile`.
    static let systemCABundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]

    /// The deliverer of an external endpoint, from its settings: `url` (http or https, the host
    /// a DNS name or an IP address), `timeoutSeconds`, `caFile` for https.
    static func deliverer(for endpoint: RoutingEndpoint, loop: EventLoop, clock: any HubClock) throws(HubError) -> any EndpointDeliverer {
        guard endpoint.kind == .webhook else {
            throw .argumentInvalid("Endpoint '\(endpoint.name)': \(endpoint.kind.rawValue) endpoints are not supported by this node yet.")
        }
        guard let url = endpoint.settings["url"].flatMap(WebhookURL.init) else {
            throw .argumentInvalid("Endpoint '\(endpoint.name)': the url must be http(s)://<host name or IP address>[:port][/path].")
        }
        let seconds = endpoint.settings["timeoutSeconds"].flatMap(Int.init) ?? WebhookDeliverer.timeoutSecondsDefault
        guard (1...WebhookDeliverer.timeoutSecondsMax).contains(seconds) else {
            throw .argumentInvalid("Endpoint '\(endpoint.name)': timeoutSeconds must be 1 to \(WebhookDeliverer.timeoutSecondsMax).")
        }
        var tls: TLSContext?
        if url.isTLS {
            let bundle = endpoint.settings["caFile"] ?? systemCABundles.first { access($0, R_OK) == 0 }
            do {
                tls = try TLSContext(clientTrustingCAPath: bundle)
            } catch {
                throw .argumentInvalid("Endpoint '\(endpoint.name)': \(error)")
            }
        }
        return WebhookDeliverer(url: url, loop: loop, tls: tls, timeoutMillis: seconds * 1_000, clock: clock)
    }
}
