/// Compact JSON text (RFC 8259): no insignificant whitespace, members in insertion order,
/// strings escaped only where §7 requires (quote, backslash, U+0000…U+001F), non-ASCII written
/// as UTF-8, integers exactly, doubles in Swift's shortest round-trip form.
extension JSONValue {
    /// The compact UTF-8 text of this value.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(serializedByteCount)
        serialize(into: &output)
        return output
    }

    /// The compact text of this value as a String.
    public func serializedString() -> String {
        String(decoding: serialized(), as: UTF8.self)
    }

    /// Appends the compact text of this value to `output`.
    ///
    /// A `.double` that is NaN or infinite has no JSON form (RFC 8259 §6); it is written as
    /// `null`, as ECMAScript's `JSON.stringify` does, rather than producing invalid text.
    /// Parsed values are never such; only computed ones can be.
    public func serialize(into output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .integer(let number):
            JSONValue.appendInteger(number, to: &output)
        case .double(let number):
            if number.isFinite {
                output.append(contentsOf: number.description.utf8)
            } else {
                output.append(contentsOf: "null".utf8)
            }
        case .string(let text):
            JSONValue.appendString(text, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.serialize(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (index, member) in object.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONValue.appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.serialize(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// The length of `serialized()` in bytes, computed without building it: what IoT Hub's
    /// size limits (twin sections 32 KB, tags 8 KB, contract §8) are measured against.
    public var serializedByteCount: Int {
        switch self {
        case .null: return 4
        case .bool(let flag): return flag ? 4 : 5
        case .integer(let number): return JSONValue.integerByteCount(number)
        case .double(let number): return number.isFinite ? number.description.utf8.count : 4
        case .string(let text): return JSONValue.stringByteCount(text)
        case .array(let elements):
            return 2 + max(elements.count - 1, 0) + elements.reduce(0) { $0 + $1.serializedByteCount }
        case .object(let object):
            var total = 2 + max(object.count - 1, 0)
            for member in object {
                total += JSONValue.stringByteCount(member.key) + 1 + member.value.serializedByteCount
            }
            return total
        }
    }

    /// Decimal digits of `number`, without going through a String (no allocation).
    static func appendInteger(_ number: Int64, to output: inout [UInt8]) {
        if number < 0 { output.append(UInt8(ascii: "-")) }
        // The magnitude as UInt64, so Int64.min has one.
        var magnitude = number.magnitude
        let start = output.count
        repeat {
            output.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        output[start...].reverse()
    }

    static func integerByteCount(_ number: Int64) -> Int {
        var count = number < 0 ? 2 : 1
        var magnitude = number.magnitude
        while magnitude >= 10 {
            magnitude /= 10
            count += 1
        }
        return count
    }

    /// A quoted string with RFC 8259 §7's mandatory escapes; the two-character forms where one
    /// exists, `\u00XX` (lower-case hex) for the other control characters.
    static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(UInt8(ascii: "\\")); output.append(byte)
            case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\")); output.append(byte)
            case 0x08: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "b"))
            case 0x0C: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "f"))
            case 0x0A: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "n"))
            case 0x0D: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                output.append(contentsOf: "\\u00".utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    static func stringByteCount(_ text: String) -> Int {
        var count = 2
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x0C, 0x0A, 0x0D, 0x09: count += 2
            case 0x00..<0x20: count += 6
            default: count += 1
            }
        }
        return count
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
