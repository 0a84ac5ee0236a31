import NaveCodecTestSupport
import NaveMQTT
import Testing

/// Every rule the decoder enforces, broken once (MQTT 3.1.1 §1.5.3, §2, §3, §4.7).
@Suite("Malformed packets")
struct MalformedPacketTests {
    @Test("the table covers at least 25 cases and every error case")
    func tableCoverage() {
        #expect(malformedFixtures.count >= 25)
        let names = Set(malformedFixtures.map { caseName($0.error) })
        let everyCase: Set<String> = [
            "reservedPacketType", "invalidFixedHeaderFlags", "remainingLengthTooLong", "packetTooLarge",
            "truncated", "trailingBytes", "invalidUTF8", "zeroPacketID", "invalidPublishQoS", "dupWithQoS0",
            "invalidTopicName", "invalidTopicFilter", "invalidProtocolName", "unacceptableProtocolLevel",
            "connectReservedFlagSet", "willFlagsWithoutWill", "invalidWillQoS", "passwordWithoutUsername",
            "invalidConnAckFlags", "unknownConnectReturnCode", "sessionPresentWithRefusal",
            "subscribeWithoutFilters", "invalidRequestedQoS", "subAckWithoutReturnCodes",
            "unknownSubAckReturnCode", "unsubscribeWithoutFilters",
        ]
        #expect(everyCase.subtracting(names).isEmpty, "untested: \(everyCase.subtracting(names))")
    }

    @Test("the direct decoder throws the expected error", arguments: malformedFixtures)
    func direct(_ fixture: MalformedFixture) {
        #expect(throws: fixture.error) {
            _ = try fixture.bytes.withUnsafeBytes {
                try MQTTFrameDecoder.decode($0, maximumPacketBytes: fixture.maximumPacketBytes)
            }
        }
    }

    @Test("fed whole, drip-fed and in random chunks: nothing, then the expected error, and poisoned after",
          arguments: malformedFixtures)
    func refused(_ fixture: MalformedFixture) {
        DecoderVerifier.verifyRefusal(
            fixture.bytes, error: fixture.error, decoder: MQTTFrameDecoder(maximumPacketBytes: fixture.maximumPacketBytes),
            before: [], thenFeeding: [0xC0, 0x00], seed: 0x4D51_5454  // then a valid PINGREQ
        )
    }

    @Test("an error after good packets comes after those packets")
    func errorAfterGoodPackets() throws {
        var decoder = MQTTFrameDecoder()
        decoder.feed([0xC0, 0x00, 0xE0, 0x00, 0x40, 0x02, 0x00, 0x00])
        #expect(try decoder.next() == .pingreq)
        #expect(try decoder.next() == .disconnect)
        #expect(throws: MQTTDecodeError.zeroPacketID(.puback)) { try decoder.next() }
    }

    @Test("an oversized packet is refused before its body arrives")
    func oversizedRefusedEarly() {
        // CONNECT announcing 1 MiB of body, against a 64 KiB limit: only 4 bytes are sent.
        var decoder = MQTTFrameDecoder(maximumPacketBytes: 65_536)
        decoder.feed([0x10, 0x80, 0x80, 0x40])
        #expect(throws: MQTTDecodeError.packetTooLarge(packetBytes: 1_048_580, maximumPacketBytes: 65_536)) {
            try decoder.next()
        }
    }

    @Test("a packet exactly at the limit decodes")
    func packetAtLimit() throws {
        let publish = MQTTPacket.publish(MQTTPublish(topic: "t", payload: [UInt8](repeating: 1, count: 100)))
        var decoder = MQTTFrameDecoder(maximumPacketBytes: publish.encodedByteCount)
        var bytes: [UInt8] = []
        publish.encode(into: &bytes)
        decoder.feed(bytes)
        #expect(try decoder.next() == publish)
    }

    @Test("every error names a clause and a reason", arguments: malformedFixtures)
    func describesItself(_ fixture: MalformedFixture) {
        #expect(fixture.error.specClause.hasPrefix("MQTT 3.1.1 §"))
        #expect(!fixture.error.reason.isEmpty)
    }

    @Test("only the protocol-level error is not plainly malformed")
    func protocolLevelIsDistinct() {
        let level = MQTTDecodeError.unacceptableProtocolLevel(3)
        #expect(level.specClause == "MQTT 3.1.1 §3.1.2.2 [MQTT-3.1.2-2]")
        #expect(level != .invalidProtocolName)
    }

    /// Exhaustive on purpose: a new error case fails to compile here until the table covers it.
    private func caseName(_ error: MQTTDecodeError) -> String {
        switch error {
        case .reservedPacketType: "reservedPacketType"
        case .invalidFixedHeaderFlags: "invalidFixedHeaderFlags"
        case .remainingLengthTooLong: "remainingLengthTooLong"
        case .packetTooLarge: "packetTooLarge"
        case .truncated: "truncated"
        case .trailingBytes: "trailingBytes"
        case .invalidUTF8: "invalidUTF8"
        case .zeroPacketID: "zeroPacketID"
        case .invalidPublishQoS: "invalidPublishQoS"
        case .dupWithQoS0: "dupWithQoS0"
        case .invalidTopicName: "invalidTopicName"
        case .invalidTopicFilter: "invalidTopicFilter"
        case .invalidProtocolName: "invalidProtocolName"
        case .unacceptableProtocolLevel: "unacceptableProtocolLevel"
        case .connectReservedFlagSet: "connectReservedFlagSet"
        case .willFlagsWithoutWill: "willFlagsWithoutWill"
        case .invalidWillQoS: "invalidWillQoS"
        case .passwordWithoutUsername: "passwordWithoutUsername"
        case .invalidConnAckFlags: "invalidConnAckFlags"
        case .unknownConnectReturnCode: "unknownConnectReturnCode"
        case .sessionPresentWithRefusal: "sessionPresentWithRefusal"
        case .subscribeWithoutFilters: "subscribeWithoutFilters"
        case .invalidRequestedQoS: "invalidRequestedQoS"
        case .subAckWithoutReturnCodes: "subAckWithoutReturnCodes"
        case .unknownSubAckReturnCode: "unknownSubAckReturnCode"
        case .unsubscribeWithoutFilters: "unsubscribeWithoutFilters"
        }
    }
}
