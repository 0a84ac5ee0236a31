import CNaveCRC

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and final XOR
/// 0xFFFFFFFF), as iSCSI (RFC 3720 §B.4), ext4 and Kafka use it. Every event log record carries
/// one over its payload, so a torn or flipped record is told from a valid one.
///
/// SSE 4.2's `crc32` instruction where the CPU has it (every x86-64 since 2008; through the
/// `CNaveCRC` shim, as Swift cannot name it): readers check every record they read, and the
/// events drain spent 7 % of the node's time in the table version. Elsewhere, slice-by-8
/// tables: eight bytes per step, about 1–2 GB/s in plain Swift.
public enum CRC32C {
    /// Whether `checksum` uses the instruction (tests compare both ways).
    static let usesHardware = cnave_crc32c_hardware_available()

    /// The CRC-32C of `bytes`. `seed` continues an earlier checksum: `checksum(b, seed:
    /// checksum(a)) == checksum(a + b)`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard usesHardware, let base = bytes.baseAddress else { return tableChecksum(bytes, seed: seed) }
        return ~cnave_crc32c_update(~seed, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// The portable slice-by-8 computation.
    static func tableChecksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        var crc = ~seed
        var index = 0
        let count = bytes.count
        tables.withUnsafeBufferPointer { table in
            // Eight bytes at a time: the four low bytes are XORed into the running CRC, and each of
            // the eight bytes is looked up in the table for its distance from the end of the step.
            while count - index >= 8 {
                let low = UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                    | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
                let word = low ^ crc
                crc = table[7 * 256 + Int(word & 0xFF)]
                    ^ table[6 * 256 + Int((word >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((word >> 16) & 0xFF)]
                    ^ table[4 * 256 + Int(word >> 24)]
                    ^ table[3 * 256 + Int(bytes[index + 4])]
                    ^ table[2 * 256 + Int(bytes[index + 5])]
                    ^ table[1 * 256 + Int(bytes[index + 6])]
                    ^ table[Int(bytes[index + 7])]
                index += 8
            }
            while index < count {
                crc = table[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        return ~crc
    }

    /// The CRC-32C of an array's bytes.
    public static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }

    /// `tables[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = table[(slice - 1) * 256 + byte]
                table[slice * 256 + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()
}
