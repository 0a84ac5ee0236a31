/// Base64 with the standard alphabet and "=" padding (RFC 4648 §4): SAS keys and signatures,
/// etags, Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 §4.1, §4.2.2).
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    /// Byte → 6-bit value, 0xFF for a byte outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// The padded encoding of `bytes`.
    @inlinable
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        withByteBuffer(bytes) { encode(bytes: $0) }
    }

    @usableFromInline
    static func encode(bytes input: UnsafeBufferPointer<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let remaining = input.count - index
            let group = UInt32(input[index]) << 16
                | (remaining > 1 ? UInt32(input[index + 1]) << 8 : 0)
                | (remaining > 2 ? UInt32(input[index + 2]) : 0)
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            output.append(remaining > 1 ? alphabet[Int(group >> 6 & 0x3F)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? alphabet[Int(group & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes `text` encodes, or nil unless it is canonical padded base64: a multiple of four
    /// characters, all from the alphabet, "=" only as final padding, and zero unused bits
    /// (RFC 4648 §3.5), so every byte string has exactly one accepted encoding.
    @inlinable
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        withUTF8Buffer(text) { decode(utf8: $0) }
    }

    /// Decodes in one pass over the bytes with no allocation but the result (SAS verification
    /// decodes a key and a signature per CONNECT).
    @usableFromInline
    static func decode(utf8 input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard input.count % 4 == 0 else { return nil }
        guard !input.isEmpty else { return [] }
        let padding = input[input.count - 1] != UInt8(ascii: "=") ? 0 : input[input.count - 2] != UInt8(ascii: "=") ? 1 : 2
        return values.withUnsafeBufferPointer { table -> [UInt8]? in
            var output: [UInt8] = []
            output.reserveCapacity(input.count / 4 * 3)
            var start = 0
            while start < input.count {
                let used = start + 4 == input.count ? 4 - padding : 4
                var group: UInt32 = 0
                for offset in 0..<4 {
                    let value = offset < used ? table[Int(input[start + offset])] : 0
                    guard value != 0xFF else { return nil }
                    group = group << 6 | UInt32(value)
                }
                output.append(UInt8(truncatingIfNeeded: group >> 16))
                if used > 2 { output.append(UInt8(truncatingIfNeeded: group >> 8)) }
                if used > 3 { output.append(UInt8(truncatingIfNeeded: group)) }
                // Unused low bits of the last symbol must be zero (canonical encoding).
                guard used == 4 || group & (used == 3 ? 0xFF : 0xFFFF) == 0 else { return nil }
                start += 4
            }
            return output
        }
    }
}
