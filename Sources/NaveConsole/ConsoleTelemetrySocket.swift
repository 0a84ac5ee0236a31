import NaveCore
import NaveHTTP
import NaveModel

/// The live telemetry page's WebSocket (issue #17: "server-sent events or a WebSocket from the
/// node"), `/console/telemetry/socket` with subprotocol `nave.console.v1`. What it says, apart
/// from the socket (the node's connection handler moves the bytes):
///
/// - The browser's one message, in a binary frame: `{"csrf":"…","device":"…","from":"…"}`.
///   The handler behind the upgrade never sees the request's cookie, so the session is found by
///   its CSRF token, which only that session's pages show; another site can neither read it nor
///   ride on the cookie (the upgrade carries no authority of its own).
/// - The node's messages, binary frames, one event each: the JSON the long poll
///   (`/console/telemetry/events`) answers per event.
/// - A refusal is a close with a code and a reason (RFC 6455 §7.4.1): 1008 for an unknown or
///   expired session, or a policy without the long poll's rights; 1007 for a message that is
///   not the opening described above.
public enum ConsoleTelemetrySocket {
    public static let path = "/console/telemetry/socket"
    public static let subprotocol = "nave.console.v1"
    /// Largest frame (and so opening message) the browser may send, in bytes.
    public static let openingBytesMax = 1_024
    /// Longest device id the opening may name, in bytes (IoT Hub's limit for a device id).
    static let deviceIDBytesMax = 128
    /// Longest `from` (an ISO 8601 time is about 30), in bytes.
    static let fromBytesMax = 64
    /// Longest CSRF token looked up, in bytes (the node's are 64 hex digits).
    static let csrfBytesMax = 2 * ConsoleSessions.tokenBytes
}

/// Why the node ends a telemetry socket: the close code and reason it sends.
public struct ConsoleSocketClose: Error, Sendable, Equatable {
    public var code: WebSocketCloseCode
    /// Short and free of client input: a close frame's reason fits in 123 bytes (RFC 6455 §5.5).
    public var reason: String

    init(_ code: WebSocketCloseCode, _ reason: String) {
        precondition(reason.utf8.count <= 123, "a close reason fits in a control frame")
        self.code = code
        self.reason = reason
    }

    static let sessionUnknown = ConsoleSocketClose(.policyViolation, "No live console session has this CSRF token; sign in again.")
    static let sessionEnded = ConsoleSocketClose(.policyViolation, "The console session has ended; sign in again.")
    static let rightsLacking = ConsoleSocketClose(.policyViolation, "The session's policy lacks ServiceConnect.")
    /// No opening message within the node's wait after the upgrade.
    public static let openingMissing = ConsoleSocketClose(.policyViolation, "No opening message came in time.")
    static let openingInvalid = ConsoleSocketClose(.invalidPayloadData,
                                                   "The opening is {\"csrf\":…,\"device\":…,\"from\":…} within the limits.")
}

/// One authorized socket's reads: from the chosen position, for one device or all, following
/// the event log as the long poll does, and asking again before every read whether the
/// session still stands.
public struct ConsoleTelemetryStream: Sendable {
    let console: Console
    let session: ConsoleSession
    var request: EventReadRequest

    /// The next events, each one message's bytes; waits up to `console.telemetryWaitMillisMax`
    /// (less when the session ends sooner) and answers none when nothing came. Throws the close
    /// to send when the session has ended or its policy changed.
    public mutating func next() async throws(ConsoleSocketClose) -> [[UInt8]] {
        let millisLeft = try console.authorizeTelemetry(session)
        var read = request
        read.waitMillis = Int(min(Int64(console.limits.telemetryWaitMillisMax), millisLeft))
        let result: EventReadResult
        do {
            result = try await console.hub.readEvents(read)
        } catch {
            console.logger.notice("console telemetry socket read failed", metadata: ["code": "\(error.code)"])
            throw ConsoleSocketClose(.internalError, "Reading the event log failed.")
        }
        request.positions = result.positions
        return result.events.map { Console.eventJSON($0.record, partition: $0.partition).serialized() }
    }
}

extension Console {
    /// Opens a telemetry socket from the browser's opening message, or throws the close to
    /// send. Every field is bounded; the session must be live and its policy hold what the
    /// long poll requires.
    public func openTelemetryStream(_ opening: [UInt8]) throws(ConsoleSocketClose) -> ConsoleTelemetryStream {
        typealias Socket = ConsoleTelemetrySocket
        let jsonLimits = JSONLimits(documentBytesMax: Socket.openingBytesMax, depthMax: 2)
        guard opening.count <= Socket.openingBytesMax, let value = try? JSONValue(parsing: opening, limits: jsonLimits),
              case .object = value, let token = value["csrf"]?.stringValue, token.utf8.count <= Socket.csrfBytesMax else {
            throw .openingInvalid
        }
        let device = value["device"]?.stringValue ?? ""
        let from = value["from"]?.stringValue ?? "latest"
        guard device.utf8.count <= Socket.deviceIDBytesMax, from.utf8.count <= Socket.fromBytesMax,
              let start = try? Self.start(from) else {
            throw .openingInvalid
        }
        guard let session = sessions.session(csrfToken: token) else {
            logger.notice("console telemetry socket refused: CSRF token unknown")
            throw .sessionUnknown
        }
        _ = try authorizeTelemetry(session)
        let request = EventReadRequest(start: start, deviceID: device.isEmpty ? nil : device,
                                       maxCount: Self.telemetryEventsPerPollMax, waitMillis: limits.telemetryWaitMillisMax)
        return ConsoleTelemetryStream(console: self, session: session, request: request)
    }

    /// Milliseconds the session has left, when it is still signed in and its policy still
    /// holds the long poll's rights (`ConsoleRoute.telemetryEvents`).
    func authorizeTelemetry(_ session: ConsoleSession) throws(ConsoleSocketClose) -> Int64 {
        guard let live = sessions.session(id: session.id), let rights = rights(of: live) else { throw .sessionEnded }
        guard rights.isSuperset(of: ConsoleRoute.telemetryEvents.requiredRights(change: false)) else {
            logger.notice("console telemetry socket refused: rights", metadata: ["policy": "\(session.policyName)"])
            throw .rightsLacking
        }
        return live.expiry.millisecondsSinceEpoch - hub.clock.now().millisecondsSinceEpoch
    }
}
