/// Checks the data of an MQTT UTF-8 encoded string (MQTT 3.1.1 §1.5.3) byte by byte.
///
/// The specification requires well-formed UTF-8 as RFC 3629 defines it, without encoded
/// surrogates [MQTT-1.5.3-1] and without U+0000 [MQTT-1.5.3-2]. `String(decoding:as:)` cannot
/// be used to check this: it repairs bad input with U+FFFD instead of reporting it, and it
/// accepts U+0000. The well-formed sequences are those of the Unicode Standard, table 3-7.
///
/// Control characters (U+0001–U+001F, U+007F–U+009F) and noncharacters (U+FDD0–U+FDEF and
/// every U+xFFFE/U+xFFFF) are refused too. §1.5.3 says the data "SHOULD NOT" include them and
/// lets the receiver close the connection; Mosquitto 2.0 does (`mosquitto_validate_utf8`), and
/// a control character in a client id, topic or log line is never what a client meant.
///
/// Returns nil when the bytes are acceptable. Runs in one pass and never allocates.
func mqttUTF8Violation(_ bytes: UnsafeRawBufferPointer) -> MQTTUTF8Violation? {
    var index = 0
    let count = bytes.count
    while index < count {
        let lead = bytes[index]
        if lead >= 0x20 && lead < 0x7F {
            index += 1
            continue
        }
        if lead == 0x00 {
            return .nullCharacter(offset: index)
        }
        if lead < 0x20 || lead == 0x7F {
            return .controlCharacter(offset: index)
        }
        guard let length = multibyteSequenceLength(bytes, at: index) else {
            if lead == 0xED && index + 1 < count && bytes[index + 1] >= 0xA0 && bytes[index + 1] <= 0xBF {
                return .surrogate(offset: index)
            }
            return .illFormed(offset: index)
        }
        if let violation = discouragedCodePoint(bytes, at: index, length: length) { return violation }
        index += length
    }
    return nil
}

/// The C1 controls (U+0080–U+009F, encoded C2 80–C2 9F) and the noncharacters (U+FDD0–U+FDEF,
/// EF B7 90–EF B7 AF; U+xFFFE and U+xFFFF, whose last two bytes are BF BE or BF BF) in a
/// well-formed sequence of `length` bytes at `index`.
private func discouragedCodePoint(_ bytes: UnsafeRawBufferPointer, at index: Int, length: Int) -> MQTTUTF8Violation? {
    let lead = bytes[index]
    if length == 2 {
        return lead == 0xC2 && bytes[index + 1] <= 0x9F ? .controlCharacter(offset: index) : nil
    }
    if length == 3, lead == 0xEF, bytes[index + 1] == 0xB7, (0x90...0xAF).contains(bytes[index + 2]) {
        return .noncharacter(offset: index)
    }
    // U+xFFFE / U+xFFFF: the low 12 bits are all ones but the last, in the final two bytes;
    // for three bytes only with the lead EF (U+FFFE, U+FFFF), for four bytes in every plane.
    let last = bytes[index + length - 1], secondLast = bytes[index + length - 2]
    if secondLast == 0xBF, last == 0xBE || last == 0xBF {
        if length == 4 && bytes[index + 1] & 0x0F == 0x0F { return .noncharacter(offset: index) }
        if length == 3 && lead == 0xEF && bytes[index + 1] == 0xBF { return .noncharacter(offset: index) }
    }
    return nil
}

/// The length of the well-formed multi-byte sequence starting at `index`, or nil when the
/// bytes there are not one (Unicode table 3-7). Surrogates (ED A0–BF) are not well-formed.
private func multibyteSequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int? {
    let lead = bytes[index]
    let length: Int
    // The first continuation byte's range depends on the lead byte: it is what excludes
    // overlong forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
    let secondRange: ClosedRange<UInt8>
    switch lead {
    case 0xC2...0xDF: length = 2; secondRange = 0x80...0xBF
    case 0xE0: length = 3; secondRange = 0xA0...0xBF
    case 0xE1...0xEC, 0xEE...0xEF: length = 3; secondRange = 0x80...0xBF
    case 0xED: length = 3; secondRange = 0x80...0x9F
    case 0xF0: length = 4; secondRange = 0x90...0xBF
    case 0xF1...0xF3: length = 4; secondRange = 0x80...0xBF
    case 0xF4: length = 4; secondRange = 0x80...0x8F
    default: return nil  // 80–C1 (continuation or overlong lead), F5–FF (beyond U+10FFFF)
    }
    guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return nil }
    for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
        return nil
    }
    return length
}
