import NaveCodecTestSupport
import NaveMQTT

/// Random valid packets of every type, for property-style round trips. Strings mix ASCII
/// with two-, three- and four-byte UTF-8; payload sizes are picked so the remaining-length
/// field takes one, two and three bytes (§2.2.3).
struct PacketGenerator {
    var random: SeededGenerator

    init(seed: UInt64) {
        random = SeededGenerator(seed: seed)
    }

    mutating func packet() -> MQTTPacket {
        switch MQTTPacketType.allCases.randomElement(using: &random)! {
        case .connect: .connect(connect())
        case .connack: .connack(connack())
        case .publish: .publish(publish())
        case .puback: .puback(packetID: packetID())
        case .pubrec: .pubrec(packetID: packetID())
        case .pubrel: .pubrel(packetID: packetID())
        case .pubcomp: .pubcomp(packetID: packetID())
        case .subscribe: .subscribe(subscribe())
        case .suback: .suback(suback())
        case .unsubscribe: .unsubscribe(MQTTUnsubscribe(packetID: packetID(), filters: list { $0.topicFilter() }))
        case .unsuback: .unsuback(packetID: packetID())
        case .pingreq: .pingreq
        case .pingresp: .pingresp
        case .disconnect: .disconnect
        }
    }

    private mutating func connect() -> MQTTConnect {
        let username = bool() ? string(maxScalars: 20) : nil
        return MQTTConnect(
            clientID: string(maxScalars: 23),
            cleanSession: bool(),
            keepAliveSeconds: UInt16.random(in: 0...UInt16.max, using: &random),
            will: bool() ? MQTTWill(topic: topicName(), payload: payload(), qos: qos(), retain: bool()) : nil,
            username: username,
            password: username != nil && bool() ? bytes(count: Int.random(in: 0...64, using: &random)) : nil
        )
    }

    private mutating func connack() -> MQTTConnAck {
        let code = MQTTConnectReturnCode.allCases.randomElement(using: &random)!
        // Session present only with acceptance [MQTT-3.2.2-4].
        return MQTTConnAck(sessionPresent: code == .accepted && bool(), returnCode: code)
    }

    private mutating func publish() -> MQTTPublish {
        let qos = qos()
        return MQTTPublish(
            topic: topicName(),
            payload: payload(),
            qos: qos,
            retain: bool(),
            dup: qos != .atMostOnce && bool(),  // DUP only above QoS 0 [MQTT-3.3.1-2]
            packetID: qos == .atMostOnce ? nil : packetID()
        )
    }

    private mutating func subscribe() -> MQTTSubscribe {
        MQTTSubscribe(packetID: packetID(), subscriptions: list { MQTTSubscription(filter: $0.topicFilter(), qos: $0.qos()) })
    }

    private mutating func suback() -> MQTTSubAck {
        MQTTSubAck(packetID: packetID(), returnCodes: list { $0.subAckReturnCode() })
    }

    private mutating func subAckReturnCode() -> MQTTSubAckReturnCode {
        MQTTSubAckReturnCode.allCases.randomElement(using: &random)!
    }

    // MARK: Fields

    mutating func packetID() -> UInt16 { UInt16.random(in: 1...UInt16.max, using: &random) }
    mutating func qos() -> MQTTQoS { MQTTQoS.allCases.randomElement(using: &random)! }
    mutating func bool() -> Bool { Bool.random(using: &random) }

    /// One to eight elements.
    private mutating func list<T>(_ make: (inout PacketGenerator) -> T) -> [T] {
        (0..<Int.random(in: 1...8, using: &random)).map { _ in make(&self) }
    }

    /// Sizes 0, 1–127, 128–16,383 and 16,384–20,000, the last rarely: they cost time.
    mutating func payload() -> [UInt8] {
        let count: Int
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<10: count = 0
        case 10..<70: count = Int.random(in: 1...127, using: &random)
        case 70..<97: count = Int.random(in: 128...16_383, using: &random)
        default: count = Int.random(in: 16_384...20_000, using: &random)
        }
        return bytes(count: count)
    }

    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// One to five levels, none with a wildcard; levels may be empty ("a//b", "/x").
    mutating func topicName() -> String {
        let levels = (0..<Int.random(in: 1...5, using: &random)).map { _ in level() }
        let name = levels.joined(separator: "/")
        return name.isEmpty ? "t" : name
    }

    /// Like a topic name, but any level may be `+` and the last may be `#`.
    mutating func topicFilter() -> String {
        var levels: [String] = (0..<Int.random(in: 1...5, using: &random)).map { _ in
            Int.random(in: 0..<4, using: &random) == 0 ? "+" : level()
        }
        if bool() && bool() { levels.append("#") }
        let filter = levels.joined(separator: "/")
        return filter.isEmpty ? "#" : filter
    }

    private mutating func level() -> String {
        // Filter scalars, not Characters: "#" followed by a combining mark is one Character.
        var scalars = string(maxScalars: 12).unicodeScalars
        scalars.removeAll { $0 == "/" || $0 == "+" || $0 == "#" }
        return String(scalars)
    }

    /// Up to `maxScalars` scalars from ASCII, Latin, CJK and the astral planes; never U+0000,
    /// never a surrogate (they are not scalars), and none of the control characters and
    /// noncharacters the decoder refuses (§1.5.3, as Mosquitto).
    mutating func string(maxScalars: Int) -> String {
        var result = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...maxScalars, using: &random) {
            let value: UInt32
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5: value = UInt32.random(in: 0x20...0x7E, using: &random)
            case 5..<7: value = UInt32.random(in: 0xA0...0x7FF, using: &random)
            case 7..<9: value = UInt32.random(in: 0x800...0xFFFD, using: &random)
            default: value = UInt32.random(in: 0x10000...0x10FFFD, using: &random)
            }
            let noncharacter = (0xFDD0...0xFDEF).contains(value) || value & 0xFFFE == 0xFFFE
            if !noncharacter, let scalar = Unicode.Scalar(value) { result.append(scalar) }
        }
        return String(result)
    }
}
