extension MQTTConnAck {
    /// The only defined acknowledge flag: bit 0, session present (§3.2.2.1).
    private static let sessionPresentFlag: UInt8 = 0b0000_0001

    /// Decodes the two-byte variable header of a CONNACK (§3.2.2).
    static func decode(_ reader: inout MQTTByteReader) throws(MQTTDecodeError) -> MQTTConnAck {
        let flags = try reader.readUInt8()
        guard flags & ~sessionPresentFlag == 0 else { throw .invalidConnAckFlags(flags) }
        let code = try reader.readUInt8()
        guard let returnCode = MQTTConnectReturnCode(rawValue: code) else {
            throw .unknownConnectReturnCode(code)
        }
        let sessionPresent = flags & sessionPresentFlag != 0
        guard !sessionPresent || returnCode == .accepted else { throw .sessionPresentWithRefusal }
        try reader.expectEnd()
        return MQTTConnAck(sessionPresent: sessionPresent, returnCode: returnCode)
    }

    /// Writes the acknowledge flags and the return code (§3.2.2).
    func writeBody(_ writer: inout MQTTByteWriter) {
        writer.write(sessionPresent ? Self.sessionPresentFlag : 0)
        writer.write(returnCode.rawValue)
    }
}
