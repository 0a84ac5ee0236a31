import NaveModel

/// An Event Hub partition receiver's start position, from the selector filter on its source
/// (contract §6.5): the string of the described `apache.org:selector-filter:string` filter, as
/// `azure/eventhub/_utils.py`'s `event_position_selector` writes it:
///
/// | selector | start |
/// |---|---|
/// | `amqp.annotation.x-opt-offset > '-1'` (or `>=`) | `.earliest` |
/// | `amqp.annotation.x-opt-offset > '@latest'` (or `>=`) | `.latest` |
/// | `amqp.annotation.x-opt-offset > 'N'` / `>= 'N'` | `.offset(N + 1)` / `.offset(N)` |
/// | `amqp.annotation.x-opt-sequence-number > 'n'` / `>=` | `.sequenceNumber(n + 1)` / `(n)` |
/// | `amqp.annotation.x-opt-enqueued-time > 't'` / `>=` (ms) | `.enqueuedTime(t + 1 ms)` / `(t)` |
///
/// The name is matched without regard to ASCII case, blanks around the parts are allowed, and
/// nothing else is: Event Hubs' SQL-like grammar is wider, but no SDK sends more, and a filter
/// Nave would misread must be refused (`amqp:invalid-field`), not ignored.
public enum EventHubSelector {
    /// The filter's name and descriptor symbol (AMQP filter registry; contract §6.5).
    public static let filterName = "apache.org:selector-filter:string"
    /// The same descriptor as a code (domain 0x468C, selector 4), which a client may send instead.
    public static let filterDescriptorCode: UInt64 = 0x0000_468C_0000_0004
    /// The longest selector read: the SDK's are under 70 bytes.
    public static let selectorBytesMax = 1024

    /// The start position `selector` asks for, or the reason it cannot be served.
    public static func startPosition(_ selector: String) throws(EventHubSelectorError) -> EventStartPosition {
        guard selector.utf8.count <= selectorBytesMax else { throw .tooLong(bytesMax: selectorBytesMax) }
        var rest = Substring(selector).utf8[...]
        let annotation = try readAnnotation(&rest)
        let inclusive = try readOperator(&rest)
        let value = try readQuotedValue(&rest)
        return try position(annotation, inclusive: inclusive, value: value)
    }

    /// The three annotations a position can be given by.
    private enum Annotation: CaseIterable {
        case offset, sequenceNumber, enqueuedTime

        var name: String {
            switch self {
            case .offset: "amqp.annotation.x-opt-offset"
            case .sequenceNumber: "amqp.annotation.x-opt-sequence-number"
            case .enqueuedTime: "amqp.annotation.x-opt-enqueued-time"
            }
        }
    }

    private static func position(_ annotation: Annotation, inclusive: Bool,
                                 value: Substring.UTF8View) throws(EventHubSelectorError) -> EventStartPosition {
        if annotation == .offset {
            // The SDK's "from the start" and "from now on" (contract §6.5), whatever the operator.
            if value.elementsEqual("-1".utf8) { return .earliest }
            if value.equalsIgnoringASCIICase("@latest") { return .latest }
        }
        let number = try decimal(value)
        // Offsets are byte positions: no other negative one names anything.
        if annotation == .offset, number < 0 { throw .malformedValue }
        let (next, overflow) = number.addingReportingOverflow(1)
        if !inclusive, overflow { throw .outOfRange }
        let first = inclusive ? number : next
        switch annotation {
        case .offset: return .offset(first)
        case .sequenceNumber: return .sequenceNumber(first)
        case .enqueuedTime: return .enqueuedTime(Timestamp(millisecondsSinceEpoch: first))
        }
    }

    private static func readAnnotation(_ rest: inout Substring.UTF8View.SubSequence) throws(EventHubSelectorError) -> Annotation {
        skipBlanks(&rest)
        let end = rest.firstIndex { isBlank($0) || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "<")
            || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "!") } ?? rest.endIndex
        let name = rest[..<end]
        rest = rest[end...]
        guard let annotation = Annotation.allCases.first(where: { name.equalsIgnoringASCIICase($0.name) }) else {
            throw .unknownAnnotation
        }
        return annotation
    }

    /// `>` or `>=`; true for the inclusive one.
    private static func readOperator(_ rest: inout Substring.UTF8View.SubSequence) throws(EventHubSelectorError) -> Bool {
        skipBlanks(&rest)
        guard rest.first == UInt8(ascii: ">") else { throw .unsupportedOperator }
        rest = rest.dropFirst()
        guard rest.first == UInt8(ascii: "=") else { return false }
        rest = rest.dropFirst()
        return true
    }

    /// `'value'`, and only blanks after it.
    private static func readQuotedValue(_ rest: inout Substring.UTF8View.SubSequence) throws(EventHubSelectorError) -> Substring.UTF8View {
        skipBlanks(&rest)
        guard rest.first == UInt8(ascii: "'") else { throw .malformedValue }
        rest = rest.dropFirst()
        guard let close = rest.firstIndex(of: UInt8(ascii: "'")) else { throw .malformedValue }
        let value = rest[..<close]
        rest = rest[rest.index(after: close)...]
        skipBlanks(&rest)
        guard rest.isEmpty else { throw .trailingText }
        return value
    }

    /// An optional `-` and at least one digit, as an `Int64`.
    private static func decimal(_ text: Substring.UTF8View) throws(EventHubSelectorError) -> Int64 {
        let negative = text.first == UInt8(ascii: "-")
        let digits = negative ? text.dropFirst() : text[...]
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw .malformedValue
        }
        var value: Int64 = 0
        for byte in digits {
            let digit = Int64(byte - UInt8(ascii: "0"))
            // Accumulated negatively when negative, so that Int64.min itself is reachable.
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflowA, !overflowB else { throw .outOfRange }
            value = next
        }
        return value
    }

    private static func skipBlanks(_ rest: inout Substring.UTF8View.SubSequence) {
        while let first = rest.first, isBlank(first) { rest = rest.dropFirst() }
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }
}

/// Why a receiver's selector filter was refused; the endpoint detaches the link with
/// `amqp:invalid-field` and `description` as the error's description (AMQP 1.0 §2.8.15,
/// contract §6.7). The descriptions never echo the client's text.
public enum EventHubSelectorError: Error, Equatable, CustomStringConvertible {
    case tooLong(bytesMax: Int)
    case unknownAnnotation
    case unsupportedOperator
    case malformedValue
    case outOfRange
    case trailingText

    public var description: String {
        switch self {
        case .tooLong(let bytesMax): "The selector filter is longer than \(bytesMax) bytes."
        case .unknownAnnotation:
            "The selector filter must compare amqp.annotation.x-opt-offset, x-opt-sequence-number or x-opt-enqueued-time."
        case .unsupportedOperator: "The selector filter's operator must be > or >=."
        case .malformedValue:
            "The selector filter's value must be a quoted integer; an offset may also be '-1' or '@latest'."
        case .outOfRange: "The selector filter's value is out of range."
        case .trailingText: "The selector filter has text after its value."
        }
    }
}
