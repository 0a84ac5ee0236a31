import NaveIO

/// The AMQP hub endpoint's message counts (issue #16), in the loop's own counters
/// (`EventLoop.count`: a plain integer of the loop, no lock or atomic): events to Event Hubs
/// receivers once per batch, service-bound messages (feedback, file notifications) and C2D
/// sends each (one per durable store write or queue read, not the telemetry path).
extension AMQPHubConnection {
    /// Messages the hub sent over AMQP: events, feedback and file notifications.
    static let messagesOut = LoopCounterKey("nave_messages_out_total", [.init("protocol", "amqp")])
    /// Messages the hub took over AMQP: C2D sends from back ends, once queued.
    static let messagesIn = LoopCounterKey("nave_messages_in_total", [.init("protocol", "amqp")])
}
