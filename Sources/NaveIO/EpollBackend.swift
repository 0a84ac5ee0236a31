import CNaveURing
import Glibc

/// The readiness-based fallback for kernels that refuse io_uring. Same contract as
/// `URingBackend`: sockets are registered edge-triggered once; reads go through one loop-wide
/// buffer (an idle connection still holds none); queued output is written with `writev` once
/// per turn and resumed on EPOLLOUT.
final class EpollBackend: IOBackend {
    let kind = IOBackendKind.epoll
    let usesNonBlockingSockets = true
    unowned(unsafe) let loop: EventLoop
    private let epollFD: Int32
    let wakeFD: Int32
    private let readBuffer: UnsafeMutableRawPointer
    private let readBufferBytes: Int
    private let events: UnsafeMutablePointer<epoll_event>
    private let eventBatch = 256
    private let vectors: UnsafeMutableBufferPointer<iovec>
    /// Reads per connection per turn before others get a go (fairness under load).
    private let readsPerTurnMax = 16
    /// Connections that still had data when their read budget ran out, or were resumed.
    private var readAgain: [Connection] = []
    /// Connects that failed before the socket could be registered, reported next poll.
    private var failedConnects: [(Connection, Int32)] = []

    init(loop: EventLoop) throws(Errno) {
        self.loop = loop
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw Errno.current }
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard wakeFD >= 0 else {
            let error = Errno.current
            Glibc.close(epollFD)
            throw error
        }
        readBufferBytes = loop.configuration.receiveBufferBytes
        readBuffer = .allocate(byteCount: readBufferBytes, alignment: 16)
        events = .allocate(capacity: eventBatch)
        vectors = .allocate(capacity: 16)
        register(wakeFD, events: EPOLLIN.rawValue, tag: OperationTag(kind: .wake, generation: 0, slot: 0))
    }

    func tearDown() {
        Glibc.close(epollFD)
        Glibc.close(wakeFD)
        readBuffer.deallocate()
        events.deallocate()
        vectors.deallocate()
    }

    private func register(_ fd: Int32, events mask: UInt32, tag: OperationTag) {
        var event = epoll_event()
        event.events = mask
        event.data.u64 = tag.raw
        _ = epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
    }

    private static let connectionEvents = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue

    // MARK: Operations

    func startAccepting(_ listener: Listener) {
        register(listener.fd, events: EPOLLIN.rawValue, tag: OperationTag(kind: .accept, generation: 0, slot: listener.slot))
    }

    func stopAccepting(_ listener: Listener) {
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, listener.fd, nil)
        Glibc.close(listener.fd)
    }

    func startReceiving(_ connection: Connection) {
        if !connection.receiveArmed {
            connection.receiveArmed = true
            register(connection.fd, events: Self.connectionEvents, tag: .forConnection(.receive, connection))
        } else if connection.readableWhilePaused {
            readAgain.append(connection)
        }
    }

    func stopReceiving(_ connection: Connection) {
        // Edge-triggered: nothing to undo; readiness seen while paused is remembered.
    }

    func flush(_ connection: Connection) {
        guard connection.sendInFlightBytes == 0, !connection.isClosed else { return }
        let count = connection.outbound.gather(into: vectors)
        guard count > 0 else { return }
        let written = writev(connection.fd, vectors.baseAddress, Int32(count))
        if written >= 0 {
            loop.didSend(connection, byteCount: written)
        } else {
            let error = cnave_errno()
            if error == EAGAIN || error == EWOULDBLOCK {
                connection.sendInFlightBytes = 1 // waiting for EPOLLOUT
            } else if error != EINTR {
                loop.sendFailed(connection, Errno(error))
            } else {
                loop.scheduleFlush(connection)
            }
        }
    }

    func startConnect(_ connection: Connection, to address: SocketAddress) {
        let result = address.withSockaddr { Glibc.connect(connection.fd, $0, $1) }
        let error = result == 0 ? 0 : cnave_errno()
        if error != 0, error != EINPROGRESS {
            failedConnects.append((connection, error))
            return
        }
        // Registering reports EPOLLOUT once the connect completed (at once if it already has).
        connection.receiveArmed = true
        register(connection.fd, events: Self.connectionEvents, tag: .forConnection(.receive, connection))
    }

    func close(_ connection: Connection) {
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, connection.fd, nil)
        Glibc.close(connection.fd)
        loop.releaseConnection(connection)
    }

    // MARK: Readiness

    func poll(timeoutNanos: Int64?) {
        if !failedConnects.isEmpty {
            let failed = failedConnects
            failedConnects.removeAll()
            for (connection, error) in failed { loop.didConnect(connection, error: error) }
        }
        var timeout = timeoutNanos.map { Int32(clamping: ($0 + 999_999) / 1_000_000) } ?? -1
        if !readAgain.isEmpty { timeout = 0 }
        let count = epoll_wait(epollFD, events, Int32(eventBatch), timeout)
        if count > 0 {
            for index in 0..<Int(count) {
                let event = events[index]
                dispatch(OperationTag(event.data.u64), events: event.events)
            }
        }
        if !readAgain.isEmpty {
            let again = readAgain
            readAgain.removeAll(keepingCapacity: true)
            for connection in again where !connection.isClosed && connection.readingWanted { readAvailable(connection) }
        }
    }

    private func dispatch(_ tag: OperationTag?, events mask: UInt32) {
        guard let tag else { return }
        switch tag.kind {
        case .wake:
            var value: UInt64 = 0
            _ = read(wakeFD, &value, 8)
        case .accept:
            if let listener = loop.listener(forSlot: tag.slot) { acceptAvailable(listener) }
        case .receive:
            guard let connection = loop.connection(for: tag) else { return }
            connectionReady(connection, events: mask)
        default:
            break
        }
    }

    private func connectionReady(_ connection: Connection, events mask: UInt32) {
        let failed = mask & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
        if connection.isConnecting {
            guard mask & EPOLLOUT.rawValue != 0 || failed else { return }
            loop.didConnect(connection, error: Socket.pendingError(connection.fd))
            if connection.isClosed { return }
        }
        if mask & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 || failed {
            if connection.readingWanted { readAvailable(connection) } else { connection.readableWhilePaused = true }
        }
        if !connection.isClosed, mask & EPOLLOUT.rawValue != 0, connection.sendInFlightBytes != 0 {
            connection.sendInFlightBytes = 0
            flush(connection)
        }
    }

    private func readAvailable(_ connection: Connection) {
        connection.readableWhilePaused = false
        for _ in 0..<readsPerTurnMax {
            let received = recv(connection.fd, readBuffer, readBufferBytes, 0)
            if received > 0 {
                loop.didReceive(connection, UnsafeRawBufferPointer(start: readBuffer, count: received))
                if connection.isClosed { return }
                if !connection.readingWanted {
                    connection.readableWhilePaused = true
                    return
                }
            } else if received == 0 {
                loop.didReachEndOfInput(connection)
                return
            } else {
                let error = cnave_errno()
                if error == EAGAIN || error == EWOULDBLOCK { return }
                if error == EINTR { continue }
                loop.receiveFailed(connection, Errno(error))
                return
            }
        }
        readAgain.append(connection)
    }

    private func acceptAvailable(_ listener: Listener) {
        for _ in 0..<64 {
            let fd = accept4(listener.fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
            if fd >= 0 {
                loop.didAccept(listener, fd: fd)
                continue
            }
            let error = cnave_errno()
            if error == EMFILE || error == ENFILE || error == ENOMEM {
                loop.logger.warning("accept failed", metadata: ["loop": "\(loop.index)", "error": "\(Errno(error))"])
                // Level-triggered: stop listening briefly instead of spinning on the error.
                _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, listener.fd, nil)
                _ = loop.schedule(after: .milliseconds(100)) { [unowned self] in
                    if listener.isAccepting { startAccepting(listener) }
                }
            }
            return
        }
    }
}
