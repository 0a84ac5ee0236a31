import NaveMQTT

/// What the connection adapter must do after the binding handled an input. The binding decides;
/// the adapter performs the I/O and the broker calls.
public enum MQTTConnectionAction: Sendable, Equatable {
    /// Nothing to do.
    case none
    /// Write this packet.
    case send(MQTTPacket)
    /// A valid CONNECT: resolve the session (takeover, resume or fresh, §3.1.2.4, §3.1.4), then
    /// call `connectAccepted` and send CONNACK. An empty client id is allowed here only with
    /// clean session; the broker assigns one (§3.1.3-6).
    case openSession(MQTTConnect)
    /// Route an application message to its subscribers, then write `ack` if there is one
    /// (PUBACK or PUBREC).
    case route(MQTTPublish, ack: MQTTPacket?)
    /// PUBACK or PUBCOMP freed a slot in the outbound window: send queued messages.
    case windowOpened
    /// Register these subscriptions with the router, write the SUBACK, then send the retained
    /// messages matching each granted filter (§3.3.1.3 [MQTT-3.3.1-6]).
    case subscribe(ack: MQTTSubAck, granted: [MQTTSubscription])
    /// Remove these filters from the router, then write UNSUBACK (§3.10.4).
    case unsubscribe(removed: [String], ack: MQTTPacket)
    /// Write `packet` (if any), then close with `reason`.
    case close(MQTTCloseReason, after: MQTTPacket?)
}
