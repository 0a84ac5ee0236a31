import Logging
import NaveConsole
import NaveIO
import NaveServiceAPI

/// The console's live telemetry WebSocket on one connection (`ConsoleTelemetrySocket` says what
/// it carries): waits for the browser's opening message, then follows the event log in one task
/// and writes each event as one binary frame. An actor on the connection's loop, as
/// `HTTPConnectionHandler` is, so its task's writes happen on the loop thread.
///
/// Back-pressure: a frame is written only while the connection is writable (queued bytes below
/// the engine's high-water mark); otherwise the task waits for `connectionDidBecomeWritable`
/// and reads nothing meanwhile, so a slow browser holds one read's events at most.
actor ConsoleTelemetrySocketHandler: ConnectionHandler, TimerHandler {
    /// How long a browser has, after the upgrade, to send its opening message.
    static let openingTimeoutMillis = 10_000

    private let console: Console
    private let connection: Connection
    private var opened = false
    private var closing = false
    private var timer: TimerID?
    private var writable: CheckedContinuation<Void, Never>?

    nonisolated var unownedExecutor: UnownedSerialExecutor { connection.loop.executor }

    init(console: Console, connection: Connection) {
        self.console = console
        self.connection = connection
    }

    // MARK: Entry points, on the loop thread

    nonisolated func connectionActive(_ connection: Connection) {
        connection.loop.runIsolated(self) { $0.armTimer() }
    }

    nonisolated func connection(_ connection: Connection, didReceive bytes: UnsafeRawBufferPointer) {
        // One delivery is one whole frame's payload (`WebSocketStreamFraming`), lent for this call.
        let message = [UInt8](bytes)
        connection.loop.runIsolated(self, message) { $0.received($1) }
    }

    nonisolated func connectionDidBecomeWritable(_ connection: Connection) {
        connection.loop.runIsolated(self) { $0.resumeWriting() }
    }

    nonisolated func connectionDidClose(_ connection: Connection, reason: CloseReason) {
        connection.loop.runIsolated(self) { $0.closed() }
    }

    nonisolated func timerFired(token: UInt64) {
        connection.loop.runIsolated(self) { $0.openingTimedOut() }
    }

    // MARK: The socket

    private func armTimer() {
        timer = connection.loop.schedule(after: .milliseconds(Self.openingTimeoutMillis), handler: self, token: 0)
    }

    /// The first frame is the opening; the browser has nothing more to say, so later frames are
    /// dropped (the framing has bounded each to `ConsoleTelemetrySocket.openingBytesMax`).
    private func received(_ message: [UInt8]) {
        guard !opened, !closing else { return }
        opened = true
        if let timer { _ = connection.loop.cancelTimer(timer) }
        timer = nil
        let stream: ConsoleTelemetryStream
        do {
            stream = try console.openTelemetryStream(message)
        } catch {
            return refuse(error)
        }
        Task(executorPreference: connection.loop.taskExecutor) { [self] in await follow(stream) }
    }

    /// Reads and writes until the connection closes or the session ends.
    private func follow(_ stream: ConsoleTelemetryStream) async {
        var stream = stream
        while !closing {
            let messages: [[UInt8]]
            do {
                messages = try await stream.next()
            } catch {
                return refuse(error)
            }
            for message in messages {
                if !connection.isWritable { await withCheckedContinuation { writable = $0 } }
                guard !closing else { return }
                message.withUnsafeBytes { connection.write($0) }
            }
        }
    }

    private func resumeWriting() {
        writable?.resume()
        writable = nil
    }

    private func openingTimedOut() {
        timer = nil
        guard !opened, !closing else { return }
        refuse(.openingMissing)
    }

    private func refuse(_ close: ConsoleSocketClose) {
        guard !closing else { return }
        closing = true
        connection.closeWebSocket(close.code, reason: close.reason)
    }

    private func closed() {
        closing = true
        if let timer { _ = connection.loop.cancelTimer(timer) }
        timer = nil
        resumeWriting()
    }
}
