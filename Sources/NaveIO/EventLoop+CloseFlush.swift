/// A close that waits for queued bytes to be sent, bounded by `closeFlushTimeoutMillis`.
///
/// A peer that never reads (a zero TCP window) would otherwise keep its socket and every chunk
/// queued for it for as long as it stays connected, whatever the reason for the close. Past the
/// grace the connection is reset, as `abort()` does, and its buffers go back to the pool. The
/// deadline sits on the loop's timing wheel: no thread, no sweep over connections, no
/// allocation per close (one handler per loop, the connection named by its slot and generation).
extension EventLoop {
    /// Stops reading, sends what is queued, closes once it is gone or resets at the deadline.
    func closeAfterFlush(_ connection: Connection) {
        guard !connection.closeWhenFlushed else { return }
        connection.closeWhenFlushed = true
        connection.readPausedByHandler = true
        readingInterestChanged(connection)
        scheduleFlush(connection)
        let tag = OperationTag.forConnection(.close, connection)
        connection.closeFlushTimer = timers.schedule(
            deadlineNanos: nowNanos + Int64(configuration.closeFlushTimeoutMillis) * 1_000_000,
            .handler(closeFlushDeadline, tag.raw))
    }

    /// The connection closed before its deadline (flushed, failed or aborted): forget the timer.
    func cancelCloseFlushDeadline(_ connection: Connection) {
        guard let timer = connection.closeFlushTimer else { return }
        connection.closeFlushTimer = nil
        timers.cancel(timer)
    }

    /// The grace passed with bytes still queued: reset the connection and free them.
    fileprivate func closeFlushTimedOut(_ tag: OperationTag) {
        guard let connection = connection(for: tag), !connection.isClosed else { return }
        connection.closeFlushTimer = nil
        logger.notice("resetting connection: queued bytes not sent within closeFlushTimeoutMillis",
                      metadata: ["loop": "\(index)", "pendingBytes": "\(connection.outbound.pendingBytes)",
                                 "closeFlushTimeoutMillis": "\(configuration.closeFlushTimeoutMillis)"])
        Socket.setAbortiveClose(connection.fd)
        closeConnection(connection, reason: .local)
    }
}

/// The loop's one timer handler for close deadlines; the token is the connection's tag.
final class CloseFlushDeadline: TimerHandler {
    unowned(unsafe) let loop: EventLoop

    init(loop: EventLoop) { self.loop = loop }

    func timerFired(token: UInt64) {
        guard let tag = OperationTag(token) else { return }
        loop.closeFlushTimedOut(tag)
    }
}
