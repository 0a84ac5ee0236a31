import Histogram
import NaveIO

/// The load on one echo server: its client connections and their counters. Loop-confined: the
/// client loop's thread runs every method; the driver reads it through `submitAndWait`.
final class EchoTarget {
    let name: String
    let address: SocketAddress
    let frameBytes: Int
    /// Frames in flight per connection while sending.
    var inFlightPerConnection = 0
    /// When false, echoed frames are counted but not replaced, so the pipeline drains.
    var sending = false
    var connections: [EchoLoadConnection] = []
    var connectedCount = 0
    var connectFailures = 0
    var unexpectedCloses = 0
    var closedCount = 0
    var lastError: CloseReason?
    /// Frames echoed since the connections opened (never reset: the allocation count divides by it).
    var echoedFrames = 0
    /// Round-trip time of each echoed frame, nanoseconds, reset at each round's start.
    var roundTrips = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    /// `frameBytes × maximum in flight` bytes of payload, written from for every send.
    let payload: UnsafeMutableRawBufferPointer

    init(name: String, address: SocketAddress, frameBytes: Int, maxInFlight: Int) {
        self.name = name
        self.address = address
        self.frameBytes = frameBytes
        payload = .allocate(byteCount: frameBytes * maxInFlight, alignment: 64)
        for index in 0..<payload.count { payload[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
    }

    deinit { payload.deallocate() }

    var openConnections: Int { connectedCount - closedCount }

    /// Frames sent and not yet echoed, over all open connections.
    var framesInFlight: Int {
        connections.reduce(0) { $0 + ($1.isOpen ? $1.framesInFlight : 0) }
    }

    /// Opens `count` connections, binding connection `i` to source `sources[i / perSource]`.
    func connect(count: Int, on loop: EventLoop, sources: [SocketAddress], perSource: Int, firstIndex: Int) {
        for index in 0..<count {
            let handler = EchoLoadConnection(target: self, ringCapacity: payload.count / frameBytes)
            connections.append(handler)
            let source = sources[min(sources.count - 1, (firstIndex + index) / perSource)]
            loop.connect(to: address, from: source, handler: handler)
        }
    }

    /// Starts the closed loop: every open connection sends `inFlight` frames.
    func startSending(inFlight: Int) {
        inFlightPerConnection = inFlight
        sending = true
        let now = monotonicNanos()
        for connection in connections where connection.isOpen { connection.send(frames: inFlight, now: now) }
    }

    func closeAll() {
        sending = false
        for connection in connections { connection.close() }
    }
}

/// One client connection's closed loop: each echoed frame is replaced by a new one while the
/// target is sending, so exactly `inFlightPerConnection` frames stay in flight.
final class EchoLoadConnection: ConnectionHandler {
    unowned let target: EchoTarget
    private var connection: Connection?
    private(set) var isOpen = false
    /// Bytes of a frame whose rest has not arrived yet (TCP may split frames anywhere).
    private var partialFrameBytes = 0
    /// Send times of the frames in flight, oldest first (echoes come back in order).
    private let sendTimes: UnsafeMutablePointer<Int64>
    private let ringCapacity: Int
    private var oldest = 0
    private(set) var framesInFlight = 0

    init(target: EchoTarget, ringCapacity: Int) {
        self.target = target
        self.ringCapacity = ringCapacity
        sendTimes = .allocate(capacity: ringCapacity)
    }

    deinit { sendTimes.deallocate() }

    func connectionActive(_ connection: Connection) {
        self.connection = connection
        isOpen = true
        target.connectedCount += 1
    }

    func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        let total = partialFrameBytes + bytes.count
        let frames = total / target.frameBytes
        partialFrameBytes = total - frames * target.frameBytes
        guard frames > 0 else { return }
        let now = monotonicNanos()
        for _ in 0..<min(frames, framesInFlight) {
            _ = target.roundTrips.record(UInt64(max(0, now - sendTimes[oldest])))
            oldest = oldest + 1 == ringCapacity ? 0 : oldest + 1
        }
        framesInFlight -= frames
        target.echoedFrames += frames
        if target.sending { send(frames: frames, now: now) }
    }

    /// Queues `frames` frames in one write; the engine sends them with the loop turn's batch.
    func send(frames: Int, now: Int64) {
        guard let connection, isOpen, frames > 0 else { return }
        let count = min(frames, ringCapacity - framesInFlight)
        connection.write(UnsafeRawBufferPointer(rebasing: target.payload[0..<(count * target.frameBytes)]))
        var slot = (oldest + framesInFlight) % ringCapacity
        for _ in 0..<count {
            sendTimes[slot] = now
            slot = slot + 1 == ringCapacity ? 0 : slot + 1
        }
        framesInFlight += count
    }

    func close() { connection?.close() }

    func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        if !isOpen {
            target.connectFailures += 1
            target.lastError = reason
            return
        }
        isOpen = false
        target.closedCount += 1
        if reason != .local {
            target.unexpectedCloses += 1
            target.lastError = reason
        }
    }
}
