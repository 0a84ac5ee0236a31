import Glibc

/// What backends report: each kernel event becomes one call here, on the loop thread.
extension EventLoop {
    func didAccept(_ listener: Listener, fd: Int32) {
        guard case .running = runState, listener.isAccepting else {
            Glibc.close(fd)
            return
        }
        Socket.configureStream(fd)
        let connection = registerConnection(fd: fd, handler: nil)
        connection.listenerPort = Int32(listener.port)
        counters.accepted(port: listener.port)
        let handler = listener.makeHandler(connection)
        connection.handler = handler
        if let context = listener.tls {
            do {
                connection.tls = try TLSSession(context: context)
            } catch {
                closeConnection(connection, reason: .tlsFailed(error.description))
                return
            }
        } else {
            handler.connectionActive(connection)
        }
        readingInterestChanged(connection)
    }

    func didConnect(_ connection: Connection, error: Int32) {
        guard connection.isConnecting, !connection.isClosed else { return }
        connection.isConnecting = false
        if error != 0 {
            closeConnection(connection, reason: .connectFailed(Errno(error)))
            return
        }
        if let tls = connection.tls {
            if let error = tls.startHandshake() {
                closeConnection(connection, reason: .tlsFailed(error.description))
                return
            }
            connection.queueCiphertext(tls)
        } else {
            connection.handler?.connectionActive(connection)
        }
        readingInterestChanged(connection)
        if !connection.outbound.isEmpty { scheduleFlush(connection) }
    }

    @inline(__always)
    func didReceive(_ connection: Connection, _ bytes: UnsafeRawBufferPointer) {
        guard !connection.isClosed else { return }
        if let tls = connection.tls { return didReceiveCiphertext(connection, tls, bytes) }
        connection.deliverReceived(bytes)
    }

    func didReachEndOfInput(_ connection: Connection) {
        guard !connection.isClosed, !connection.endOfInput else { return }
        connection.endOfInput = true
        connection.receiveArmed = false
        connection.handler?.connectionDidReachEndOfInput(connection)
    }

    func receiveFailed(_ connection: Connection, _ error: Errno) {
        closeConnection(connection, reason: .socketError(error))
    }

    func didSend(_ connection: Connection, byteCount: Int) {
        guard !connection.isClosed else { return }
        connection.outbound.consume(byteCount, pool: chunkPool)
        let pending = connection.outbound.pendingBytes
        if connection.readPausedForBackpressure, pending < configuration.outboundLowWaterBytes {
            connection.readPausedForBackpressure = false
            readingInterestChanged(connection)
            connection.handler?.connectionDidBecomeWritable(connection)
        }
        if connection.isClosed { return }
        if pending > 0 { scheduleFlush(connection) } else { finishFlushed(connection) }
    }

    func sendFailed(_ connection: Connection, _ error: Errno) {
        closeConnection(connection, reason: .socketError(error))
    }
}
