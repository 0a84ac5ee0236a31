import NaveMQTT

/// libFuzzer entry point for the MQTT 3.1.1 decoder.
///
/// Checks, for any input: neither entry point crashes; the buffering decoder fed the input
/// whole, fed it in two halves, and the direct decoder walking it packet by packet all agree
/// on the packets and on the error; and every packet that decodes re-encodes to bytes that
/// decode to an equal packet, identical to the input except for a non-minimal remaining
/// length (MQTT 3.1.1 §2.2.3 allows it; the encoder always writes the shortest form).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let limit = 1 << 20

    func drain(_ decoder: inout MQTTFrameDecoder, into packets: inout [MQTTPacket]) -> MQTTDecodeError? {
        do {
            while let packet = try decoder.next() { packets.append(packet) }
            return nil
        } catch {
            return error
        }
    }

    // Fed whole.
    var whole = MQTTFrameDecoder(maximumPacketBytes: limit)
    var wholePackets: [MQTTPacket] = []
    whole.feed(input)
    let wholeError = drain(&whole, into: &wholePackets)

    // Fed in two halves.
    var halves = MQTTFrameDecoder(maximumPacketBytes: limit)
    var halvesPackets: [MQTTPacket] = []
    halves.feed(UnsafeRawBufferPointer(rebasing: input[..<(size / 2)]))
    var halvesError = drain(&halves, into: &halvesPackets)
    if halvesError == nil {
        halves.feed(UnsafeRawBufferPointer(rebasing: input[(size / 2)...]))
        halvesError = drain(&halves, into: &halvesPackets)
    }
    precondition(halvesPackets == wholePackets, "two halves yield other packets than the whole input")
    precondition(halvesError == wholeError, "two halves fail differently from the whole input")
    if let error = wholeError {
        precondition(!error.specClause.isEmpty && !error.reason.isEmpty)
    }

    // The direct entry point, packet by packet, with a re-encode of each packet.
    var offset = 0
    var index = 0
    while true {
        let rest = UnsafeRawBufferPointer(rebasing: input[offset...])
        let decoded: (packet: MQTTPacket, consumed: Int)?
        do {
            decoded = try MQTTFrameDecoder.decode(rest, maximumPacketBytes: limit)
        } catch {
            precondition(error == wholeError, "direct decode fails differently from the decoder")
            precondition(index == wholePackets.count, "direct decode failed early")
            break
        }
        guard let (packet, consumed) = decoded else {
            precondition(wholeError == nil && index == wholePackets.count, "direct decode stopped early")
            precondition(whole.bufferedByteCount == rest.count, "decoder buffered a different tail")
            break
        }
        precondition(consumed > 0 && consumed <= rest.count)
        precondition(index < wholePackets.count && wholePackets[index] == packet, "direct decode disagrees")

        var encoded: [UInt8] = []
        packet.encode(into: &encoded)
        precondition(encoded.count == packet.encodedByteCount, "encodedByteCount is not what encode wrote")
        precondition(encoded.count <= consumed, "re-encoding is longer than the input")
        if encoded.count == consumed {
            precondition(encoded.elementsEqual(rest[..<consumed]), "re-encoding differs from the input")
        }
        let again = encoded.withUnsafeBytes { bytes in
            Result { () throws(MQTTDecodeError) in try MQTTFrameDecoder.decode(bytes, maximumPacketBytes: limit) }
        }
        guard case .success(let reDecoded?) = again else { preconditionFailure("re-encoded packet does not decode: \(again)") }
        precondition(reDecoded.packet == packet && reDecoded.consumed == encoded.count, "round trip changed the packet")

        offset += consumed
        index += 1
    }
    return 0
}
