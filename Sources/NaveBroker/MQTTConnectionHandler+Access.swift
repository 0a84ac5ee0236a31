import NaveMQTT
import NaveMQTTBinding

/// The general broker's ACL at PUBLISH and SUBSCRIBE, as Mosquitto 2.0 answers MQTT 3.1.1
/// clients (`src/handle_publish.c`, `src/handle_subscribe.c`).
extension MQTTConnectionHandler {
    /// A PUBLISH the ACL refuses is dropped without a word: MQTT 3.1.1 has no way to say no to
    /// a PUBLISH, so QoS 1 still gets its PUBACK and QoS 2 its PUBREC (Mosquitto's
    /// `process_bad_message`), and the client is not disconnected.
    func publishDenied(_ publish: MQTTPublish, ack: MQTTPacket?) {
        logger.debug("publish denied by ACL", metadata: logContext(["qos": "\(publish.qos.rawValue)", "topicBytes": "\(publish.topic.utf8.count)"]))
        if let ack { send(ack) }
    }

    /// Filters that could deliver nothing this client may read get 0x80 (§3.9.3) and are not
    /// kept; the rest are subscribed as usual and each delivery is checked (`mayRead`).
    func subscribeChecked(ack: MQTTSubAck, granted: [MQTTSubscription], subject: ACLSubject, session: BrokerSession) {
        var codes = ack.returnCodes
        var allowed: [MQTTSubscription] = []
        var refused: [String] = []
        var grantedIndex = 0
        for index in codes.indices where codes[index] != .failure {
            let subscription = granted[grantedIndex]
            grantedIndex += 1
            if subject.maySubscribe(subscription.filter) {
                allowed.append(subscription)
            } else {
                codes[index] = .failure
                refused.append(subscription.filter)
            }
        }
        if !refused.isEmpty {
            // The state machine recorded them already; a refused filter that replaced an
            // earlier subscription ends that one too, as the ACL no longer lets it read.
            let removed = session.state.unsubscribe(refused)
            broker.removeSubscriptions(removed, for: session)
            logger.notice("subscriptions refused by ACL", metadata: logContext(["count": "\(refused.count)"]))
        }
        subscribe(ack: MQTTSubAck(packetID: ack.packetID, returnCodes: codes), granted: allowed, refusedByACL: refused.count)
    }
}
