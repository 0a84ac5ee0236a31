import NaveAMQP
import NaveModel
import Testing

/// Selector filters as `azure-eventhub`'s `event_position_selector` writes them (contract §6.5),
/// and what is refused.
@Suite("Event Hub selector filter (contract §6.5)")
struct EventHubSelectorTests {
    @Test("the SDK's selectors", arguments: [
        ("amqp.annotation.x-opt-offset > '-1'", EventStartPosition.earliest),
        ("amqp.annotation.x-opt-offset >= '-1'", .earliest),
        ("amqp.annotation.x-opt-offset > '@latest'", .latest),
        ("amqp.annotation.x-opt-offset >= '@latest'", .latest),
        ("amqp.annotation.x-opt-offset > '120'", .offset(121)),
        ("amqp.annotation.x-opt-offset >= '120'", .offset(120)),
        ("amqp.annotation.x-opt-offset > '0'", .offset(1)),
        ("amqp.annotation.x-opt-sequence-number > '5'", .sequenceNumber(6)),
        ("amqp.annotation.x-opt-sequence-number >= '5'", .sequenceNumber(5)),
        ("amqp.annotation.x-opt-sequence-number > '-1'", .sequenceNumber(0)),
        ("amqp.annotation.x-opt-enqueued-time > '1700000000000'", .enqueuedTime(Timestamp(millisecondsSinceEpoch: 1_700_000_000_001))),
        ("amqp.annotation.x-opt-enqueued-time >= '1700000000000'", .enqueuedTime(Timestamp(millisecondsSinceEpoch: 1_700_000_000_000))),
        ("amqp.annotation.x-opt-sequence-number >= '9223372036854775807'", .sequenceNumber(Int64.max)),
        ("amqp.annotation.x-opt-enqueued-time >= '-9223372036854775808'", .enqueuedTime(Timestamp(millisecondsSinceEpoch: Int64.min))),
    ])
    func sdkSelectors(selector: String, expected: EventStartPosition) throws {
        #expect(try EventHubSelector.startPosition(selector) == expected)
    }

    @Test("blanks anywhere between the parts, and the name in any ASCII case", arguments: [
        "amqp.annotation.x-opt-offset>'120'",
        "  amqp.annotation.x-opt-offset \t>\n'120'  ",
        "AMQP.Annotation.X-OPT-OFFSET > '120'",
        "amqp.annotation.x-opt-offset>   '120'\r\n",
    ])
    func tolerance(selector: String) throws {
        #expect(try EventHubSelector.startPosition(selector) == .offset(121))
    }

    @Test("'@latest' in any case", arguments: ["@LATEST", "@Latest"])
    func latestCase(value: String) throws {
        #expect(try EventHubSelector.startPosition("amqp.annotation.x-opt-offset > '\(value)'") == .latest)
    }

    @Test("what is refused, and why", arguments: [
        ("", EventHubSelectorError.unknownAnnotation),
        ("amqp.annotation.x-opt-partition-key > '1'", .unknownAnnotation),
        ("x-opt-offset > '1'", .unknownAnnotation),
        ("amqp.annotation.x-opt-offsetx > '1'", .unknownAnnotation),
        ("amqp.annotation.x-opt-offset = '1'", .unsupportedOperator),
        ("amqp.annotation.x-opt-offset < '1'", .unsupportedOperator),
        ("amqp.annotation.x-opt-offset <> '1'", .unsupportedOperator),
        ("amqp.annotation.x-opt-offset", .unsupportedOperator),
        ("amqp.annotation.x-opt-offset > 1", .malformedValue),
        ("amqp.annotation.x-opt-offset > '1", .malformedValue),
        ("amqp.annotation.x-opt-offset > \"1\"", .malformedValue),
        ("amqp.annotation.x-opt-offset > ''", .malformedValue),
        ("amqp.annotation.x-opt-offset > ' 1'", .malformedValue),
        ("amqp.annotation.x-opt-offset > '1.5'", .malformedValue),
        ("amqp.annotation.x-opt-offset > '-2'", .malformedValue),
        ("amqp.annotation.x-opt-offset > '-'", .malformedValue),
        ("amqp.annotation.x-opt-offset > '+1'", .malformedValue),
        ("amqp.annotation.x-opt-offset > '١٢'", .malformedValue),
        ("amqp.annotation.x-opt-sequence-number > '@latest'", .malformedValue),
        ("amqp.annotation.x-opt-offset > '1' or 1=1", .trailingText),
        ("amqp.annotation.x-opt-offset > '1''", .trailingText),
        ("amqp.annotation.x-opt-offset > '9223372036854775807'", .outOfRange),
        ("amqp.annotation.x-opt-sequence-number > '9223372036854775808'", .outOfRange),
        ("amqp.annotation.x-opt-enqueued-time > '-9223372036854775809'", .outOfRange),
        ("amqp.annotation.x-opt-offset > '99999999999999999999999999'", .outOfRange),
    ])
    func refused(selector: String, error: EventHubSelectorError) {
        #expect(throws: error) { try EventHubSelector.startPosition(selector) }
    }

    @Test("longer than 1 KiB is refused before it is read")
    func tooLong() throws {
        let padded = "amqp.annotation.x-opt-offset > '1'" + String(repeating: " ", count: EventHubSelector.selectorBytesMax)
        #expect(throws: EventHubSelectorError.tooLong(bytesMax: 1024)) { try EventHubSelector.startPosition(padded) }
        let fits = "amqp.annotation.x-opt-offset > '1'" + String(repeating: " ", count: EventHubSelector.selectorBytesMax - 34)
        #expect(try EventHubSelector.startPosition(fits) == .offset(2))
    }

    @Test("every refusal has a reason that does not echo the selector")
    func reasons() {
        let errors: [EventHubSelectorError] = [.tooLong(bytesMax: 1024), .unknownAnnotation, .unsupportedOperator,
                                               .malformedValue, .outOfRange, .trailingText]
        #expect(Set(errors.map(\.description)).count == errors.count)
        #expect(errors.allSatisfy { $0.description.hasPrefix("The selector filter") })
    }
}
