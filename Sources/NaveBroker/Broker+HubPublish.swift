import NaveIO
import NaveMQTT

extension Broker {
    /// Publishes into the general broker on the hub's behalf (routing's `mqtt` endpoints, issue
    /// #15): routed from the first loop like a client's publish, to whoever is subscribed then.
    /// Nothing waits on it, so what back-pressure would hold is delivered without holding (an
    /// offline session's full queue drops it, counted, as for any publish). Returns once routed.
    public func publishFromHub(_ publish: MQTTPublish) async {
        let home = loops[0]
        await home.loop.submit {
            home.loop.runIsolated(home, publish) { broker, publish in
                let outcome = broker.route(publish)
                for held in outcome.held { broker.deliverWithoutHolding(held) }
            }
        }
    }
}
