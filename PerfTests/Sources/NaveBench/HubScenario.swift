/// One workload of `nave-bench hub`, by name, with the PERF.md goal it measures.
struct HubScenario: Codable {
    enum Kind: String, Codable {
        /// CONNECT→CONNACK storm of SAS devices.
        case connect
        /// Devices connected, then a steady flow measured in rounds.
        case flow
        /// A flow at fixed rates, one step per rate.
        case sweep
        /// A flow at a fixed rate beside one scheduled job over the fleet.
        case job
    }

    enum Transport: String, Codable { case plain, tls, tlsResumed }

    var name: String
    var kind: Kind
    var transport: Transport
    var work: String
    var goal: String
    /// Targets this scenario can run against (Mosquitto only where no hub feature is needed).
    var targets: [HubTarget.Kind]

    var hubWork: HubWork {
        switch work {
        case "telemetry": .telemetry
        case "twin-reported": .twinReported
        case "methods": .methods
        case "c2d": .cloudToDevice
        default: .idle
        }
    }

    static func named(_ name: String) -> HubScenario? {
        switch name {
        case "connect":
            HubScenario(name: name, kind: .connect, transport: .plain, work: "idle",
                        goal: "G3 connect rate with a SAS check, plain TCP device listener (hub.plainMqttListeners)", targets: [.nave])
        case "connect-tls":
            HubScenario(name: name, kind: .connect, transport: .tls, work: "idle",
                        goal: "G4 TLS connect rate, full handshakes (TLS 1.3, ECDSA P-256), CONNECT→CONNACK", targets: [.nave, .mosquitto])
        case "connect-tls-resumed":
            HubScenario(name: name, kind: .connect, transport: .tlsResumed, work: "idle",
                        goal: "G4 TLS connect rate, resumed sessions (TLS 1.3 tickets), CONNECT→CONNACK", targets: [.nave, .mosquitto])
        case "telemetry":
            HubScenario(name: name, kind: .flow, transport: .tls, work: "telemetry",
                        goal: "G6b durable QoS 1 telemetry over MQTT/TLS, PUBACK after the group commit", targets: [.nave])
        case "telemetry-sweep":
            HubScenario(name: name, kind: .sweep, transport: .tls, work: "telemetry",
                        goal: "G6b/rule 3: highest telemetry rate whose PUBACK p99 stays under 10 ms", targets: [.nave])
        case "methods":
            HubScenario(name: name, kind: .flow, transport: .tls, work: "methods",
                        goal: "G8 direct-method round trips over HTTPS keep-alive (devices answer at once)", targets: [.nave])
        case "c2d":
            HubScenario(name: name, kind: .flow, transport: .tls, work: "c2d",
                        goal: "G8 C2D deliveries: REST sends over HTTPS keep-alive, devices receive (QoS 1) and PUBACK", targets: [.nave])
        case "twin-reported":
            HubScenario(name: name, kind: .flow, transport: .tls, work: "twin-reported",
                        goal: "G8 reported twin patches, PATCH → $iothub/twin/res/204", targets: [.nave])
        case "job-twin":
            HubScenario(name: name, kind: .job, transport: .tls, work: "telemetry",
                        goal: "issue #14: a twin-update job over every registered device (10,000) beside telemetry: devices/s, telemetry p99 with and without it",
                        targets: [.nave])
        default:
            nil
        }
    }

    static let all = ["connect", "connect-tls", "connect-tls-resumed", "telemetry", "telemetry-sweep", "methods", "twin-reported", "c2d",
                      "job-twin"]
}
