import Glibc

/// Builds the handler for each accepted connection, on the accepting loop's thread.
public typealias ConnectionHandlerFactory = @Sendable (Connection) -> any ConnectionHandler

/// One loop's listening socket. Each loop of a group binds its own with SO_REUSEPORT, so accepts
/// are spread by the kernel and never cross threads.
final class Listener {
    unowned(unsafe) let loop: EventLoop
    let fd: Int32
    let slot: Int32
    /// The bound local port (connections accepted here are counted under it).
    let port: Int
    let makeHandler: ConnectionHandlerFactory
    /// Set on TLS listeners: every accepted connection gets a server-side session.
    let tls: TLSContext?
    var isAccepting = true
    /// io_uring: the multishot accept is armed.
    var acceptArmed = false

    init(loop: EventLoop, fd: Int32, slot: Int32, port: Int, tls: TLSContext?, makeHandler: @escaping ConnectionHandlerFactory) {
        self.loop = loop
        self.fd = fd
        self.slot = slot
        self.port = port
        self.tls = tls
        self.makeHandler = makeHandler
    }
}

extension EventLoop {
    /// Binds a listening socket on this loop; throws the bind/listen error.
    func openListener(at address: SocketAddress, tls: TLSContext?,
                      makeHandler: @escaping ConnectionHandlerFactory) throws(Errno) -> SocketAddress {
        assertInLoop()
        let fd = try Socket.listen(at: address, backlog: configuration.listenBacklog,
                                   nonBlocking: backend.usesNonBlockingSockets)
        let bound = Socket.localAddress(fd) ?? address
        let listener = Listener(loop: self, fd: fd, slot: Int32(listeners.count), port: bound.port, tls: tls, makeHandler: makeHandler)
        listeners.append(listener)
        backend.startAccepting(listener)
        return bound
    }

    func closeListener(_ listener: Listener) {
        guard listener.isAccepting else { return }
        listener.isAccepting = false
        backend.stopAccepting(listener)
        listeners[Int(listener.slot)] = nil
    }

    func closeListeners(boundTo port: Int) {
        for case let listener? in listeners where Socket.localAddress(listener.fd)?.port == port {
            closeListener(listener)
        }
    }

    func listener(forSlot slot: Int32) -> Listener? {
        guard slot >= 0, Int(slot) < listeners.count else { return nil }
        return listeners[Int(slot)]
    }
}
