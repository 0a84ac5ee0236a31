import Glibc
import NaveIO
import Testing

@Suite("Listeners")
struct ListenerTests {
    @Test("a port another listener holds is refused (SO_REUSEPORT would silently share it)")
    func portInUseIsRefused() throws {
        let first = try makeGroup(backend: .automatic, loops: 2)
        let second = try makeGroup(backend: .automatic, loops: 1)
        defer {
            first.shutdownGracefully(gracePeriod: .zero)
            second.shutdownGracefully(gracePeriod: .zero)
        }
        let socket = try first.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!) { _ in EchoHandler() }
        #expect(throws: Errno.self) {
            try second.listen(on: socket.address) { _ in EchoHandler() }
        }
        socket.close()
        // Free again: the same port can be taken once the first listener closed.
        let again = try second.listen(on: socket.address) { _ in EchoHandler() }
        #expect(again.address.port == socket.address.port)
    }
}
