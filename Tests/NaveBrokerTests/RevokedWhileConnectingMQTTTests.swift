import Glibc
import NaveAuth
import NaveBroker
import NaveCore
import NaveIO
import NaveModel
import NaveMQTT
import NaveNode
import NaveSocketTestSupport
import Testing

/// Issue #11, item 6, through the MQTT adapter: the device is revoked after its CONNECT passed
/// the credential check and before the handler registers it with presence. The listener's
/// gate runs the real hub check, then the hook, then hands the grant back — so the order is
/// fixed by the test, not by thread timing.
@Suite("MQTT CONNECT revoked while connecting", .serialized)
struct RevokedWhileConnectingMQTTTests {
    /// The hub's gate with a step between the check and the handler's registration.
    struct InterleavingAuthenticator: ConnectAuthenticator {
        let hub: HubDeviceAuthenticator
        let afterCheck: @Sendable () -> Void

        func authenticate(_ connect: MQTTConnect, peerCertificateDER: [UInt8]?) -> ConnectDecision {
            let decision = hub.authenticate(connect, peerCertificateDER: peerCertificateDER)
            afterCheck()
            return decision
        }
    }

    /// A broker on one loop whose listener admits through `InterleavingAuthenticator`; dev1
    /// and dev2 are registered with key A.
    final class Fixture {
        let group: EventLoopGroup
        let registry: IdentityRegistry
        let port: Int
        static let keyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

        init(afterCheck: @escaping @Sendable (IdentityRegistry) -> Void) async throws {
            let clock = ManualClock()
            let registry = try await IdentityRegistry(store: InMemoryIdentityStore(), clock: clock, random: SystemRandom())
            for deviceID in ["dev1", "dev2"] {
                _ = try await registry.createDevice(DeviceRequest(deviceID: deviceID, authentication: .sas(primaryKey: Self.keyA, secondaryKey: Self.keyA)))
            }
            let engine = EventLoopConfiguration(loopCount: 1)
            let group = try EventLoopGroup(configuration: engine)
            let broker = try Broker(group: group, configuration: BrokerConfiguration(), engineOutboundBytesMax: engine.outboundBytesMax)
            let gate = ListenerGate(authenticator: InterleavingAuthenticator(
                hub: HubDeviceAuthenticator(registry: registry, hostName: "localhost", clock: clock),
                afterCheck: { afterCheck(registry) }))
            let listening = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!) { broker.makeHandler(for: $0, gate: gate) }
            self.group = group
            self.registry = registry
            self.port = listening.address.port
        }

        deinit { group.shutdownGracefully(gracePeriod: .zero) }

        /// Connects as dev1 with a valid token; returns everything the broker sent before
        /// closing, or the first 4 bytes (the CONNACK) if it keeps the connection open, and the
        /// client: the connection stays open while the caller holds it.
        func connectDev1() throws -> (connack: [UInt8], closed: Bool, client: BlockingClient) {
            let token = try SASToken.deviceToken(resourceURI: "localhost/devices/dev1", key: Self.keyA, expiry: 1_700_003_600)
            var bytes: [UInt8] = []
            MQTTPacket.connect(MQTTConnect(clientID: "dev1", username: "localhost/dev1/?api-version=2021-04-12",
                                           password: Array(token.utf8))).encode(into: &bytes)
            let client = try BlockingClient(port: port, timeoutSeconds: 2)
            client.send(bytes)
            let connack = client.receive(count: 4)
            return (connack, client.isClosedByPeer(), client)
        }
    }

    @Test("dev1 disabled between its check and its registration: CONNACK 5, closed, never connected")
    func revokedWhileConnecting() async throws {
        let fixture = try await Fixture { registry in
            // What `updateDevice` does once the disable is stored: the revocation.
            registry.connections.revoke(IdentityKey(deviceID: "dev1"), includingModules: true, reason: .deviceDisabled)
        }
        let (connack, closed, _) = try fixture.connectDev1()
        #expect(connack == [0x20, 0x02, 0x00, 0x05], "CONNACK 5: not authorised (contract §1.5)")
        #expect(closed, "the broker closes after a refusing CONNACK (§3.2.2.3)")
        #expect(!fixture.registry.connections.presence(of: IdentityKey(deviceID: "dev1")).isConnected)
        #expect(fixture.registry.connections.connectedDeviceCount == 0)
    }

    @Test("another device revoked in the same window: dev1 is accepted and stays connected")
    func othersRevocation() async throws {
        let fixture = try await Fixture { registry in
            registry.connections.revoke(IdentityKey(deviceID: "dev2"), includingModules: true, reason: .deviceDisabled)
        }
        let (connack, closed, client) = try fixture.connectDev1()
        #expect(connack == [0x20, 0x02, 0x00, 0x00])
        #expect(!closed)
        // Held open until checked: a client closed here would race the check (it did, under load).
        withExtendedLifetime(client) {
            #expect(fixture.registry.connections.presence(of: IdentityKey(deviceID: "dev1")).isConnected)
        }
    }
}
