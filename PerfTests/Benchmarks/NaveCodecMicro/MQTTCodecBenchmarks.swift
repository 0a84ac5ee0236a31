import Benchmark
import NaveMQTT

/// PUBLISH encoding as the broker does it: `encodedByteCount`, then `encode(into:)` straight
/// into space reserved in the connection's outbound buffer (here one reused scratch buffer).
/// Expected: no allocation at all.
func registerMQTTEncodeBenchmarks() {
    for (name, qos) in [("QoS0", MQTTQoS.atMostOnce), ("QoS1", MQTTQoS.atLeastOnce)] {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4_096, alignment: 8)
        let message = MQTTFixtures.publish(qos: qos, packetID: qos == .atMostOnce ? nil : 1)
        Benchmark("MQTT.PUBLISH.encode.\(name).64B", configuration: perThousandOperations) { benchmark in
            var outgoing = message
            for index in benchmark.scaledIterations {
                // Each delivery gets its own identifier, as the session's in-flight window assigns.
                if qos != .atMostOnce { outgoing.packetID = UInt16(index + 1) }
                let packet = MQTTPacket.publish(outgoing)
                let count = packet.encodedByteCount
                blackHole(packet.encode(into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<count])))
            }
        }
    }
}

/// Decoding as `MQTTConnectionHandler` does it. Expected per PUBLISH: the topic `String` and the
/// payload array, nothing else; per CONNECT and SUBSCRIBE: one allocation per string or binary
/// field that does not fit a small string, plus SUBSCRIBE's array.
func registerMQTTDecodeBenchmarks() {
    // Whole packets decoded in place from the receive buffer (the common case): 100 reads of 10.
    let packetsPerRead = 10
    for (name, qos) in [("QoS0", MQTTQoS.atMostOnce), ("QoS1", MQTTQoS.atLeastOnce)] {
        let read = MQTTFixtures.publishStream(qos: qos, count: packetsPerRead)
        Benchmark("MQTT.PUBLISH.decode.\(name).10-per-read", configuration: perThousandOperations) { benchmark in
            read.withUnsafeBytes { bytes in
                for _ in 0..<benchmark.scaledIterations.count / packetsPerRead {
                    blackHole(decodeInPlace(bytes))
                }
            }
        }
    }

    // A stream cut into 1,400-byte reads regardless of packet boundaries, through the broker's
    // own read path: in place while nothing is buffered, the resumable decoder once a read ended
    // mid-packet. This is where the decoder's buffer allocations show.
    let stream = MQTTFixtures.publishStream(qos: .atLeastOnce, count: operationsPerIteration)
    Benchmark("MQTT.PUBLISH.decode.QoS1.1400-byte-reads", configuration: perThousandOperations) { benchmark in
        var path = BrokerReadPath()
        stream.withUnsafeBytes { bytes in
            var start = 0
            while start < bytes.count {
                let end = min(start + 1_400, bytes.count)
                path.receive(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                start = end
            }
        }
        precondition(path.packetCount == benchmark.scaledIterations.count, "decoded \(path.packetCount) packets")
    }

    Benchmark("MQTT.CONNECT.decode.SAS", configuration: perThousandOperations) { benchmark in
        MQTTFixtures.connect.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations { blackHole(try! MQTTFrameDecoder.decode(bytes)) }
        }
    }

    Benchmark("MQTT.SUBSCRIBE.decode.3-filters", configuration: perThousandOperations) { benchmark in
        MQTTFixtures.subscribe.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations { blackHole(try! MQTTFrameDecoder.decode(bytes)) }
        }
    }
}

/// Decodes every whole packet in `bytes`; returns how many there were.
func decodeInPlace(_ bytes: UnsafeRawBufferPointer) -> Int {
    var rest = bytes
    var count = 0
    while let (packet, consumed) = try! MQTTFrameDecoder.decode(rest) {
        blackHole(packet)
        rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
        count += 1
    }
    return count
}

/// `MQTTConnectionHandler.connection(_:didReceive:)` without the connection: the same choice
/// between decoding in place and buffering, with the broker's `retainedBufferBytesMax` of 0.
struct BrokerReadPath {
    private var decoder = MQTTFrameDecoder(retainedBufferBytesMax: 0)
    private(set) var packetCount = 0

    mutating func receive(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        if decoder.bufferedByteCount == 0 {
            while let (packet, consumed) = try! MQTTFrameDecoder.decode(rest) {
                blackHole(packet)
                rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
                packetCount += 1
            }
        }
        decoder.feed(rest)
        while let packet = try! decoder.next() {
            blackHole(packet)
            packetCount += 1
        }
    }
}
