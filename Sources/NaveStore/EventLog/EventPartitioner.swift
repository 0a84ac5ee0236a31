/// Which partition of the built-in events endpoint a device's events go to.
///
/// IoT Hub keeps each device's events in one partition, in order (contract §6.6), so the choice
/// must be deterministic, and since a partition's log outlives the process it must never change
/// between versions of Nave: a device that moved partition after an upgrade would have its events
/// split across two partitions and a reader would see them out of order.
///
/// The function, frozen: **FNV-1a 32-bit** (offset basis 0x811C9DC5, prime 0x01000193) over the
/// device id's UTF-8 bytes, then `hash % partitionCount`. The module id is not part of the key:
/// a device's and its modules' events share a partition, as they do in IoT Hub. The modulo bias
/// for counts up to 128 is below 3·10⁻⁸, so it is left alone.
public enum EventPartitioner {
    /// The partition (0..<`partitionCount`) of `deviceID`'s events.
    public static func partition(forDeviceID deviceID: String, partitionCount: Int) -> Int {
        precondition(partitionCount > 0, "partitionCount must be positive")
        return Int(fnv1a32(deviceID.utf8) % UInt32(partitionCount))
    }

    /// FNV-1a, 32-bit (Fowler–Noll–Vo, draft-eastlake-fnv §2).
    public static func fnv1a32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash &*= 0x0100_0193
        }
        return hash
    }
}
