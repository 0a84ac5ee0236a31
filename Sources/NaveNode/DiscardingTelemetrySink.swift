import NaveCore
import NaveModel

/// Takes telemetry and keeps none of it, so the hub's device channel (methods, twins, C2D)
/// can run before the events endpoint is wired to its durable log.
struct DiscardingTelemetrySink: TelemetrySink {
    func append(_ event: TelemetryEvent) async throws(HubError) {}
}
