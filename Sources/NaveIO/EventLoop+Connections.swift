import Glibc

/// Connection bookkeeping and policy: the slot table, write batching, backpressure, closing.
/// Backends report kernel events here (`EventLoop+Events.swift`).
extension EventLoop {
    /// The number of open connections on this loop. Loop thread only.
    public var connectionCount: Int { liveConnectionCount }

    func registerConnection(fd: Int32, handler: (any ConnectionHandler)?) -> Connection {
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            slot = Int32(connections.count)
            connections.append(nil)
            generations.append(0)
        }
        generations[Int(slot)] &+= 1
        let connection = Connection(loop: self, fd: fd, slot: slot, generation: generations[Int(slot)] & 0xFF_FFFF)
        connection.handler = handler
        connections[Int(slot)] = connection
        liveConnectionCount += 1
        return connection
    }

    /// The connection an operation tag names, if it is still the same one.
    func connection(for tag: OperationTag) -> Connection? {
        guard tag.slot >= 0, Int(tag.slot) < connections.count,
              let connection = connections[Int(tag.slot)], connection.generation == tag.generation else { return nil }
        return connection
    }

    /// Opens an outgoing TCP connection from this loop. `handler` hears `connectionActive` when
    /// it is established, or `connectionDidClose(.connectFailed)`. `source` binds the local
    /// address first (spreading many client sockets over 127.0.0.2… beats the port limit).
    /// `serverName` is the TLS server's expected name (SNI and certificate check).
    public func connect(to address: SocketAddress, from source: SocketAddress? = nil, tls: TLSContext? = nil,
                        serverName: String? = nil, handler: any ConnectionHandler) {
        assertInLoop()
        let fd: Int32
        do throws(Errno) {
            fd = try Socket.makeTCP(family: address.family, nonBlocking: backend.usesNonBlockingSockets)
            if let source {
                Socket.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
                // Choose the source port at connect time, not at bind: bind to port 0 searches
                // the address's ports one by one (linear in the sockets already bound), and it
                // cannot share ports across destinations.
                Socket.setOption(fd, Int32(IPPROTO_IP), Socket.bindAddressNoPort, 1)
                guard source.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
                    let error = Errno.current
                    Glibc.close(fd)
                    throw error
                }
            }
        } catch {
            handler.connectionDidClose(placeholderConnection(), reason: .connectFailed(error))
            return
        }
        Socket.configureStream(fd)
        let connection = registerConnection(fd: fd, handler: handler)
        connection.isConnecting = true
        if let tls {
            do {
                connection.tls = try TLSSession(context: tls, serverName: serverName)
            } catch {
                closeConnection(connection, reason: .tlsFailed(error.description))
                return
            }
        }
        backend.startConnect(connection, to: address)
    }

    /// A closed, slot-less connection to report a failure that happened before a socket existed.
    private func placeholderConnection() -> Connection {
        let connection = Connection(loop: self, fd: -1, slot: -1, generation: 0)
        connection.isClosed = true
        return connection
    }

    // MARK: Writing

    func outboundGrew(_ connection: Connection) {
        let pending = connection.outbound.pendingBytes
        if pending > configuration.outboundBytesMax {
            logger.warning("closing connection: outbound queue over limit",
                           metadata: ["loop": "\(index)", "pendingBytes": "\(pending)",
                                      "outboundBytesMax": "\(configuration.outboundBytesMax)"])
            closeConnection(connection, reason: .outboundLimitExceeded)
            return
        }
        if pending > configuration.outboundHighWaterBytes, !connection.readPausedForBackpressure {
            connection.readPausedForBackpressure = true
            readingInterestChanged(connection)
        }
        scheduleFlush(connection)
    }

    func scheduleFlush(_ connection: Connection) {
        guard !connection.queuedForFlush else { return }
        connection.queuedForFlush = true
        flushQueue.append(connection)
    }

    /// Once per turn: hand every connection's queued bytes to the backend in one batch.
    func flushDirtyConnections() {
        guard !flushQueue.isEmpty else { return }
        var index = 0
        // Flushing may queue more connections (a failed send closes one); iterate by index.
        while index < flushQueue.count {
            let connection = flushQueue[index]
            connection.queuedForFlush = false
            if !connection.isClosed, !connection.isConnecting {
                if connection.outbound.isEmpty { finishFlushed(connection) } else { backend.flush(connection) }
            }
            index += 1
        }
        flushQueue.removeAll(keepingCapacity: true)
    }

    /// Queued output is gone: honour a pending half-close or close.
    func finishFlushed(_ connection: Connection) {
        if connection.closeWhenFlushed {
            closeConnection(connection, reason: .local)
        } else if connection.writeShutdownRequested, !connection.writeShutdownDone {
            connection.writeShutdownDone = true
            shutdown(connection.fd, Int32(SHUT_WR))
        }
    }

    // MARK: Reading

    func readingInterestChanged(_ connection: Connection) {
        guard !connection.isClosed, !connection.isConnecting else { return }
        if connection.readingWanted { backend.startReceiving(connection) } else { backend.stopReceiving(connection) }
    }

    // MARK: Closing

    /// Ends the connection now: tells the handler once, and lets the backend cancel its
    /// operations and close the descriptor.
    func closeConnection(_ connection: Connection, reason: CloseReason) {
        guard !connection.isClosed else { return }
        connection.isClosed = true
        liveConnectionCount -= 1
        if connection.listenerPort >= 0 { counters.closed(port: Int(connection.listenerPort)) }
        cancelCloseFlushDeadline(connection)
        let handler = connection.handler
        connection.handler = nil
        backend.close(connection)
        handler?.connectionDidClose(connection, reason: reason)
    }

    /// The backend has no operation left on the socket and closed it: free the slot and the
    /// send chunks.
    func releaseConnection(_ connection: Connection) {
        connection.outbound.discardAll(pool: chunkPool)
        if connection.slot >= 0, connections[Int(connection.slot)] === connection {
            connections[Int(connection.slot)] = nil
            freeSlots.append(connection.slot)
        }
    }

    // MARK: Shutdown

    func beginDraining(gracePeriodNanos: Int64) {
        guard case .running = runState else { return }
        for case let listener? in listeners { closeListener(listener) }
        runState = .draining(deadlineNanos: nowNanos + gracePeriodNanos)
        logger.debug("loop draining", metadata: ["loop": "\(index)", "connections": "\(liveConnectionCount)"])
    }

    /// Connections get until the deadline to send what they queued; then all are closed.
    func continueDraining() {
        guard case .draining(let deadline) = runState else { return }
        let drained = connections.allSatisfy { connection in
            guard let connection, !connection.isClosed else { return true }
            return connection.outbound.isEmpty
        }
        guard drained || nowNanos >= deadline else { return }
        for case let connection? in connections where !connection.isClosed {
            closeConnection(connection, reason: .shutdown)
        }
        runState = .stopping
    }
}
