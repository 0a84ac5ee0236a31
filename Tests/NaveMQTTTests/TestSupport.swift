import NaveMQTT

/// `MQTTFrameDecoder.decode` on an array, keeping the typed error that `withUnsafeBytes`
/// would erase to `any Error`.
func decodeOne(
    _ bytes: [UInt8],
    maximumPacketBytes: Int = MQTTFrameDecoder.protocolMaximumPacketBytes
) throws(MQTTDecodeError) -> (packet: MQTTPacket, consumed: Int)? {
    try bytes.withUnsafeBytes { all in
        Result { () throws(MQTTDecodeError) in try MQTTFrameDecoder.decode(all, maximumPacketBytes: maximumPacketBytes) }
    }.get()
}

extension MQTTPacket {
    /// The packet's bytes in a new array.
    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }
}
