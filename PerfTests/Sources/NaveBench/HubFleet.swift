import Histogram
import NaveIO
import NaveMQTT

/// What a fleet's devices do once connected.
enum HubWork: Equatable {
    case idle
    /// QoS 1 telemetry to `devices/{id}/messages/events/`.
    case telemetry
    /// Reported twin patches, each answered on `$iothub/twin/res/`.
    case twinReported
    /// Answer direct-method calls (subscribed to `$iothub/methods/POST/#`).
    case methods
    /// Receive C2D messages (subscribed to `devices/{id}/messages/devicebound/#`) and PUBACK them.
    case cloudToDevice

    func subscription(deviceID: String) -> String? {
        switch self {
        case .methods: "$iothub/methods/POST/#"
        case .cloudToDevice: "devices/\(deviceID)/messages/devicebound/#"
        default: nil
        }
    }
    var sendsRequests: Bool { self == .telemetry || self == .twinReported }
}

/// How the devices' requests are paced.
enum HubPace: Equatable {
    case stopped
    /// Each device keeps `window` requests unanswered; every answer releases the next.
    case window(Int)
    /// `perSecond` requests in 1 ms steps, round-robin over devices with fewer than `window` out.
    case fixedRate(perSecond: Double, window: Int)
}

/// Simulated IoT Hub devices against one target: the connect queue, counters, histograms and
/// pacing. Loop-confined like `MQTTFleet`: the client loop's thread runs every method; the driver
/// reads it through `submitAndWait`.
final class HubFleet {
    let address: SocketAddress
    let tls: TLSContext?
    let work: HubWork
    unowned(unsafe) let loop: EventLoop
    var devices: [HubDeviceConnection] = []

    // Counters (never reset; rounds take differences).
    var connectStarted = 0
    var connAcked = 0
    var lastConnAckNanos: Int64 = 0
    var tlsResumed = 0
    var connectFailures = 0
    var refused = 0
    var closed = 0
    var unexpectedCloses = 0
    var protocolErrors = 0
    var lastError: String?
    /// Requests sent, answered well, answered with an error status.
    var sent = 0
    var completed = 0
    var failedResponses = 0
    var methodCallsAnswered = 0
    /// C2D sends the REST API accepted (`completed` counts the devices' receipts).
    var cloudToDeviceQueued = 0
    var otherPublishes = 0

    /// Request → answer, nanoseconds (while `recording`).
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    /// TCP connect start → CONNACK, nanoseconds (while `recording`).
    var connectLatency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var recording = false

    private(set) var pace = HubPace.stopped
    private var nextDevice = 0
    private var rateStartNanos: Int64 = 0
    private var rateSent = 0
    private var timerArmed = false
    /// Telemetry PUBLISH per device (QoS 1, 64-byte body by default); packet id patched in.
    private var telemetryTemplates: [[UInt8]] = []
    private var telemetryPacketIDOffsets: [Int] = []

    init(address: SocketAddress, tls: TLSContext?, work: HubWork, loop: EventLoop) {
        self.address = address
        self.tls = tls
        self.work = work
        self.loop = loop
    }

    var openCount: Int { connAcked - closed }

    /// Encodes device `index`'s CONNECT (SAS token in the password) and, for telemetry, its
    /// PUBLISH template. Off the loop is fine: nothing here touches a connection.
    func addDevices(_ indices: Range<Int>, keepAliveSeconds: UInt16, payloadBytes: Int) throws {
        let payload = [UInt8](repeating: 0x5A, count: payloadBytes)
        for index in indices {
            var connect: [UInt8] = []
            // cleanSession false, as the Azure device SDK connects (contract §1.5).
            MQTTPacket.connect(MQTTConnect(clientID: HubDevices.id(index), cleanSession: false, keepAliveSeconds: keepAliveSeconds,
                                           username: HubDevices.username(index), password: Array(try HubDevices.token(index).utf8)))
                .encode(into: &connect)
            devices.append(HubDeviceConnection(fleet: self, index: index, connectPacket: connect))
            if work == .telemetry {
                let topic = "devices/\(HubDevices.id(index))/messages/events/"
                var bytes: [UInt8] = []
                MQTTPacket.publish(MQTTPublish(topic: topic, payload: payload, qos: .atLeastOnce, packetID: 1)).encode(into: &bytes)
                var headerBytes = 2
                while bytes[headerBytes - 1] & 0x80 != 0 { headerBytes += 1 }
                telemetryTemplates.append(bytes)
                telemetryPacketIDOffsets.append(headerBytes + 2 + topic.utf8.count)
            }
        }
    }

    // MARK: Connecting

    private var connectQueue: [(HubDeviceConnection, SocketAddress)] = []
    private var connectNext = 0
    private var connectWindow = 0

    /// Connects every device, device `i` from `sources[i / perSource]`, at most `window` at once.
    func connectAll(sources: [SocketAddress], perSource: Int, window: Int) {
        for (position, device) in devices.enumerated() {
            connectQueue.append((device, sources[min(sources.count - 1, position / perSource)]))
        }
        connectWindow = window
        for _ in 0..<min(window, connectQueue.count) { startNextQueued() }
    }

    /// A CONNACK or a failure: the next queued device may start.
    func connectSettled() {
        if connectNext < connectQueue.count { startNextQueued() }
    }

    private func startNextQueued() {
        let (device, source) = connectQueue[connectNext]
        connectNext += 1
        connectStarted += 1
        device.connectStartNanos = monotonicNanos()
        loop.connect(to: address, from: source, tls: tls, handler: device)
    }

    // MARK: Pacing

    func setPace(_ newPace: HubPace) {
        pace = newPace
        let now = monotonicNanos()
        switch newPace {
        case .stopped: break
        case .window(let window):
            for device in devices where device.isReady { device.send(count: window - device.inFlight, now: now) }
        case .fixedRate:
            rateStartNanos = now
            rateSent = 0
            armTimer()
        }
    }

    func deviceReady(_ device: HubDeviceConnection, now: Int64) {
        if case .window(let window) = pace { device.send(count: window - device.inFlight, now: now) }
    }

    /// One of `device`'s requests was answered.
    func answered(_ device: HubDeviceConnection, now: Int64) {
        if case .window(let window) = pace, device.inFlight < window { device.send(count: 1, now: now) }
    }

    private func armTimer() {
        guard !timerArmed else { return }
        timerArmed = true
        _ = loop.schedule(after: .milliseconds(1)) { [self] in
            timerArmed = false
            tick()
        }
    }

    /// Fixed rate: sends what is due since the start, round-robin, skipping full windows (their
    /// turn is lost, so a saturated target shows as a rate below the target).
    private func tick() {
        guard case .fixedRate(let perSecond, let window) = pace, !devices.isEmpty else { return }
        let now = monotonicNanos()
        let due = Int(Double(now - rateStartNanos) / 1e9 * perSecond) - rateSent
        var sent = 0, misses = 0
        while sent < due, misses < devices.count {
            let device = devices[nextDevice]
            nextDevice = nextDevice + 1 == devices.count ? 0 : nextDevice + 1
            guard device.isReady, device.inFlight < window else { misses += 1; continue }
            device.send(count: 1, now: now)
            sent += 1
        }
        rateSent += due // what could not be sent is skipped, not queued up
        armTimer()
    }

    /// The device of fleet index `index` (its `HubDeviceConnection.index`), if in this fleet.
    func device(index: Int) -> HubDeviceConnection? {
        guard let first = devices.first?.index, index >= first, index - first < devices.count else { return nil }
        return devices[index - first]
    }

    /// Writes device `device`'s telemetry PUBLISH with `packetID`.
    @inline(__always)
    func writeTelemetry(on connection: Connection, device: Int, packetID: UInt16, now: Int64) {
        let slot = device - devices[0].index
        let offset = telemetryPacketIDOffsets[slot]
        telemetryTemplates[slot].withUnsafeBytes { template in
            connection.write(reserving: template.count) { out in
                out.copyMemory(from: template)
                out[offset] = UInt8(packetID >> 8)
                out[offset + 1] = UInt8(packetID & 0xFF)
                out.storeBytes(of: UInt64(bitPattern: now).littleEndian, toByteOffset: offset + 2, as: UInt64.self)
                // Bodies of 14 bytes or more also carry who sent them (`TelemetryStamp`), so an
                // Event Hub reader (`nave-bench amqp e2e`) finds the publish's PUBACK time.
                if template.count - offset - 2 >= TelemetryStamp.bytes {
                    out.storeBytes(of: UInt32(device).littleEndian, toByteOffset: offset + 10, as: UInt32.self)
                    out.storeBytes(of: packetID.littleEndian, toByteOffset: offset + 14, as: UInt16.self)
                }
                return template.count
            }
        }
    }

    func closeAll() {
        pace = .stopped
        for device in devices { device.close() }
    }

    func pingAll() {
        for device in devices { device.ping() }
    }
}
