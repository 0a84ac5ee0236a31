import NaveIO

/// The engine's keys (`io.*`, Tuning/reference.yaml), with the ranges `validate()` enforces.
extension EventLoopConfiguration {
    mutating func read(_ io: ConfigurationReader) {
        loopCount = io.int(forKey: "loops", default: loopCount, in: 1...256)
        backend = io.choice(forKey: "backend", default: backend, among: [.automatic, .ioUring, .epoll])
        pinThreadsToCPUs = io.bool(forKey: "pinThreadsToCPUs", default: pinThreadsToCPUs)
        submissionQueueEntries = io.int(forKey: "submissionQueueEntries", default: submissionQueueEntries, in: 8...32768)
        receiveBufferCount = io.int(forKey: "receiveBufferCount", default: receiveBufferCount, in: 1...32768)
        batchWaitMicros = io.int(forKey: "batchWaitMicros", default: batchWaitMicros, in: 0...10_000)
        batchWaitCompletions = io.int(forKey: "batchWaitCompletions", default: batchWaitCompletions, in: 1...4096)
        receiveBufferBytes = io.int(forKey: "receiveBufferBytes", default: receiveBufferBytes, in: 512...(1 << 20))
        sendChunkBytes = io.int(forKey: "sendChunkBytes", default: sendChunkBytes, in: 512...(1 << 22))
        outboundHighWaterBytes = io.int(forKey: "outboundHighWaterBytes", default: outboundHighWaterBytes, in: 1...(1 << 30))
        outboundLowWaterBytes = io.int(forKey: "outboundLowWaterBytes", default: outboundLowWaterBytes, in: 0...(1 << 30))
        outboundBytesMax = io.int(forKey: "outboundBytesMax", default: outboundBytesMax, in: 1...(1 << 30))
        closeFlushTimeoutMillis = io.int(forKey: "closeFlushTimeoutMillis", default: closeFlushTimeoutMillis, in: 1...600_000)
        listenBacklog = Int32(io.int(forKey: "listenBacklog", default: Int(listenBacklog), in: 1...65535))
        inboxCapacity = io.int(forKey: "inboxCapacity", default: inboxCapacity, in: 16...(1 << 24))
    }
}
