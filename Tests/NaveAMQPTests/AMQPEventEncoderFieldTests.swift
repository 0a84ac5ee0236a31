@testable import NaveAMQP
import NaveModel
import Testing

/// The properties section's field positions, the expiry's parsing, where each system property
/// goes, and the exact bytes of a small message (AMQP 1.0 §1.6, §3.2).
@Suite("AMQP event encoder: fields and bytes")
struct AMQPEventEncoderFieldTests {
    typealias Fixture = AMQPEventEncoderTests

    static func properties(_ system: [EventProperty]) -> AMQPValue? {
        Fixture.decoded(Fixture.event(system: system)).section(0x73)
    }

    @Test("the properties list stops at its last field set, with nulls before it")
    func fieldPositions() {
        #expect(Self.properties([EventProperty(EventSystemProperty.messageID, "m")]) == .list([.string("m")]))
        #expect(Self.properties([EventProperty(EventSystemProperty.userID, "u")]) == .list([.null, .binary([0x75])]))
        #expect(Self.properties([EventProperty(EventSystemProperty.correlationID, "c")])
                == .list([.null, .null, .null, .null, .null, .string("c")]))
        #expect(Self.properties([EventProperty(EventSystemProperty.contentEncoding, "gzip")])
                == .list([.null, .null, .null, .null, .null, .null, .null, .symbol("gzip")]))
        #expect(Self.properties([EventProperty(EventSystemProperty.expiry, "2030-01-02T03:04:05Z")])
                == .list(Array(repeating: .null, count: 8) + [.timestamp(1_893_553_445_000)]))
    }

    @Test("an expiry that is no time leaves the field out, and the section when it was the only one")
    func unparseableExpiry() {
        #expect(Self.properties([EventProperty(EventSystemProperty.expiry, "tomorrow")]) == nil)
        #expect(Self.properties([EventProperty(EventSystemProperty.contentType, "text/plain"),
                                 EventProperty(EventSystemProperty.expiry, "2030-02-30T00:00:00Z")])
                == .list([.null, .null, .null, .null, .null, .null, .symbol("text/plain")]))
    }

    @Test("the expiry's ISO 8601 forms (contract §1.7: Python's isoformat())", arguments: [
        ("2030-01-02T03:04:05+00:00", 1_893_553_445_000),
        ("2030-01-02T03:04:05Z", 1_893_553_445_000),
        ("2030-01-02T03:04:05.250000+00:00", 1_893_553_445_250),
        ("2030-01-02T05:04:05+02:00", 1_893_553_445_000),
        ("2030-01-01T21:34:05-05:30", 1_893_553_445_000),
        ("2030-01-02T03:04:05", 1_893_553_445_000),
        ("2030-01-02T03:04:05.5", 1_893_553_445_500),
    ] as [(String, Int64)])
    func expiryForms(text: String, milliseconds: Int64) {
        #expect(EventMessageProperties.absoluteExpiryTime(fromISO8601: text) == Timestamp(millisecondsSinceEpoch: milliseconds))
    }

    @Test("texts that are no expiry", arguments: [
        "", "tomorrow", "2030-01-02", "2030-01-02T03:04:05+24:00", "2030-01-02T03:04:05+02:60", "2030-01-02T03:04:05+0200",
        "2030-01-02T03:04:05 +02:00", "0001-01-01T00:00:00Z", "2030-01-02T03:04:05+02:00Z", String(repeating: "9", count: 5_000),
    ])
    func notExpiries(text: String) {
        #expect(EventMessageProperties.absoluteExpiryTime(fromISO8601: text) == nil)
    }

    @Test("a field or known annotation stored twice is sent once, with its first value")
    func firstValueWins() {
        let message = Fixture.decoded(Fixture.event(system: [
            EventProperty(EventSystemProperty.messageID, "first"), EventProperty(EventSystemProperty.messageID, "second"),
            EventProperty(EventSystemProperty.dataSchema, "one"), EventProperty(EventSystemProperty.dataSchema, "two"),
        ]))
        #expect(message.section(0x73) == .list([.string("first")]))
        guard case .map(let items) = message.messageAnnotations else { Issue.record("no annotations"); return }
        #expect(items.filter { $0.key == .symbol("dt-dataschema") }.count == 1)
        #expect(message.messageAnnotations["dt-dataschema"] == .string("one"))
    }

    @Test("an unknown system key is a string annotation; one naming the encoder's own annotations is not sent")
    func unknownSystemKeys() {
        let event = Fixture.event(system: [
            EventProperty("$.xyz", "kept"),
            EventProperty("x-opt-offset", "999"), EventProperty("iothub-connection-device-id", "spoof"),
            EventProperty("iothub-enqueuedtime", "0"),
        ])
        let message = Fixture.decoded(event)
        #expect(message.messageAnnotations == .map(alternating: Fixture.positionAnnotations(event)
            + [.symbol("$.xyz"), .string("kept")] + Fixture.enqueuedTimeAnnotation))
    }

    /// AMQP 1.0 §1.6 by hand, independent of the encoder's helpers.
    static func sym8(_ text: String) -> [UInt8] { [0xA3, UInt8(text.utf8.count)] + Array(text.utf8) }
    static func str8(_ text: String) -> [UInt8] { [0xA1, UInt8(text.utf8.count)] + Array(text.utf8) }
    static let enqueuedTimestamp: [UInt8] = [0x83, 0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B]  // 1_700_000_000_123

    @Test("a small message's exact bytes: map8, smalllong, str8, sym8, vbin8")
    func goldenBytes() {
        let annotations = Self.sym8("x-opt-sequence-number") + [0x55, 0x01]
            + Self.sym8("x-opt-offset") + Self.str8("120")
            + Self.sym8("x-opt-enqueued-time") + Self.enqueuedTimestamp
            + Self.sym8("iothub-connection-device-id") + Self.str8("d")
            + Self.sym8("iothub-enqueuedtime") + Self.enqueuedTimestamp
        let expected: [UInt8] = [0x00, 0x53, 0x72, 0xC1, UInt8(annotations.count + 1), 10] + annotations
            + [0x00, 0x53, 0x73, 0xC0, 0x0C, 0x07, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40] + Self.sym8("a/b")
            + [0x00, 0x53, 0x75, 0xA0, 0x02] + Array("hi".utf8)
        let event = Fixture.event(deviceID: "d", system: [EventProperty(EventSystemProperty.contentType, "a/b")],
                                  body: Array("hi".utf8))
        #expect(Fixture.encoded(event) == expected)
    }

    @Test("maps and lists past 255 bytes take the 32-bit form")
    func largeCompounds() {
        let longValue = String(repeating: "v", count: 300)
        let bytes = Fixture.encoded(Fixture.event(system: [EventProperty(EventSystemProperty.messageID, longValue)],
                                                  application: [EventProperty("k", longValue)]))
        // The annotations map is small here (map8); the properties list and the application
        // properties each hold a 300-byte string: list32 and map32, count as a 4-byte field.
        let properties = bytes.firstRange(of: [0x00, 0x53, 0x73]).map { bytes[$0.upperBound...] }
        #expect(properties?.first == 0xD0)
        #expect(properties.map { Array($0.dropFirst(5).prefix(4)) } == [0, 0, 0, 1])
        let application = bytes.firstRange(of: [0x00, 0x53, 0x74]).map { bytes[$0.upperBound...] }
        #expect(application?.first == 0xD1)
        #expect(application.map { Array($0.dropFirst(5).prefix(4)) } == [0, 0, 0, 2])
        #expect(ProtonDecodedMessage(bytes).applicationProperties == .map(alternating: [.string("k"), .string(longValue)]))
    }
}
